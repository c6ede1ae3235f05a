import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrokerEnvironmentConfig } from '../../../infra/config.js';
import {
  type ApiGatewayStandIn,
  type BackendAnswer,
  type StandInCaller,
  startApiGatewayStandIn,
} from '../api-gateway-stand-in.js';
import type { ServiceCaller } from './aws-json-service.js';
import type { Json } from './cloud-assembly.js';
import { authorize } from './identity-policy.js';
import type { LambdaContainer } from './lambda-container.js';
import { privateApiEvent } from './private-api-event.js';

/**
 * The broker's private API on loopback for the functions that call it (the key sync, the canary):
 * one listener per VPC endpoint of the template (`startApiGatewayStandIn`: SigV4 for execute-api
 * recomputed, the resource policy's endpoint and account checks, API Gateway's own refusals), each
 * calling function's credentials and `execute-api:Invoke` decided by its role's statements from
 * the template, and behind it the token function's bundle: each request becomes a private API
 * event (the recorded captures, `privateApiEvent`) with the caller's STS session and the endpoint
 * it came through, and the function's answer goes back as API Gateway's Lambda proxy would.
 *
 * It speaks HTTPS, as the real endpoint does, with a certificate for 127.0.0.1 made for this run
 * (`openssl`); the functions trust it through `NODE_EXTRA_CA_CERTS` (`caFile`), so their clients
 * take the same path as in AWS (an `https` base URL is SigV4-signed; plain loopback `http` is not).
 */
export interface PrivateApi {
  /** `[https://{api}-{vpce}.execute-api.{region}.amazonaws.com/{stage}, its loopback URL]` each. */
  urlStandIns: Array<readonly [string, string]>;
  /** The token function behind the API; `undefined`: it cannot be invoked (API Gateway's 5xx). */
  route(backend: LambdaContainer | undefined): void;
  /** Every request that reached the function, and its status. */
  requests: Array<{
    method: string;
    path: string;
    sessionArn: string;
    vpceId: string;
    status: number;
  }>;
  /** Every `access_token` the function answered with (none may reach a log). */
  tokens(): string[];
  /** The PEM certificate the listeners present (self-signed, for 127.0.0.1). */
  caFile: string;
  close(): Promise<void>;
}

export interface PrivateApiOptions {
  config: BrokerEnvironmentConfig;
  api: { id: string; stage: string; vpceIds: string[] };
  /** The functions' callers (credentials and role), by function name. */
  callers: ReadonlyMap<string, ServiceCaller>;
}

export async function startPrivateApi(options: PrivateApiOptions): Promise<PrivateApi> {
  const { config, api } = options;
  let backend: LambdaContainer | undefined;
  const requests: PrivateApi['requests'] = [];
  const tokens: string[] = [];
  const callers = (): StandInCaller[] =>
    [...options.callers.values()].map((caller) => {
      const [, , , , account] = caller.policy.roleArn.split(':');
      return {
        credentials: caller.credentials,
        sessionArn: `arn:aws:sts::${account}:assumed-role/${caller.policy.roleName}/${caller.sessionName}`,
        mayInvoke: (resource) =>
          authorize(caller.policy, { action: 'execute-api:Invoke', resource }).allowed,
      };
    });
  const tlsDir = mkdtempSync(join(tmpdir(), 'private-api-tls-'));
  const [keyFile, caFile] = [join(tlsDir, 'key.pem'), join(tlsDir, 'cert.pem')];
  // biome-ignore format: one openssl command line
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', caFile], { stdio: 'ignore' });
  const standIn: ApiGatewayStandIn = await startApiGatewayStandIn({
    tls: { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(caFile, 'utf8') },
    region: config.region,
    accountId: config.account,
    apiId: api.id,
    stage: api.stage,
    vpceIds: api.vpceIds,
    callerAccountIds: config.callerAccountIds,
    callers,
    async backend(request): Promise<BackendAnswer> {
      if (!backend) throw new Error('Internal server error');
      const contentType = request.headers['content-type'];
      const event = privateApiEvent({
        method: request.method,
        path: request.path,
        body: request.body === '' ? undefined : request.body,
        headers: contentType ? { 'Content-Type': contentType } : {},
        principalArn: request.sessionArn,
        apiId: api.id,
        stage: api.stage,
        vpceId: request.vpceId,
        vpcId: config.network.vpcId,
        region: config.region,
        accountId: config.account,
      });
      const invocation = await backend.invoke(event);
      if (invocation.error) throw new Error('Internal server error');
      const result = invocation.result as Json;
      const status = Number(result.statusCode);
      requests.push({
        method: request.method,
        path: request.path,
        sessionArn: request.sessionArn,
        vpceId: request.vpceId,
        status,
      });
      try {
        const token = JSON.parse(result.body)?.access_token;
        if (typeof token === 'string') tokens.push(token);
      } catch {
        // Not JSON: nothing to remember.
      }
      return { status, headers: result.headers ?? {}, body: result.body ?? '' };
    },
  });
  const urlStandIns = api.vpceIds.map(
    (vpce) =>
      [
        `https://${api.id}-${vpce}.execute-api.${config.region}.amazonaws.com/${api.stage}`,
        standIn.baseUrls.get(vpce) as string,
      ] as const,
  );
  return {
    urlStandIns,
    route(container) {
      backend = container;
    },
    requests,
    tokens: () => [...tokens],
    caFile,
    async close() {
      await standIn.close();
      rmSync(tlsDir, { recursive: true, force: true });
    },
  };
}
