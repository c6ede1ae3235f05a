import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { AwsCredentialIdentity } from '@smithy/types';
import { GATEWAY_ANSWERS, ROUTES } from '../../infra/constructs/token-api.js';
import { verifySigV4 } from './sigv4-check.js';

/**
 * The broker's private API on loopback, as far as a caller can tell: one listener per VPC
 * endpoint (the endpoint a request came through is the port it arrived on), the stage in the path,
 * the routes of `ROUTES`, SigV4 for `execute-api` verified by recomputing the signature, the
 * resource policy (deny unless through an allowed endpoint, allow the caller accounts) and the
 * caller's identity policy for `execute-api:Invoke` on the route's ARN. What API Gateway refuses
 * itself is answered with the stack's gateway responses (`GATEWAY_ANSWERS`) and the
 * `x-amzn-ErrorType` header API Gateway puts on every answer it makes; what passes goes to the
 * backend with the caller's STS session ARN and the endpoint id.
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies.html
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
 */
export interface StandInCaller {
  credentials: AwsCredentialIdentity;
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>`. */
  sessionArn: string;
  /** Whether the caller's identity policy allows `execute-api:Invoke` on this ARN. */
  mayInvoke(executeApiArn: string): boolean;
}

export interface BackendRequest {
  method: string;
  /** Without the stage: `/v1/token?x=1`. */
  path: string;
  headers: Record<string, string>;
  body: string;
  sessionArn: string;
  vpceId: string;
}

export interface BackendAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface ApiGatewayStandInOptions {
  region: string;
  /** The API owner's account. */
  accountId: string;
  apiId: string;
  stage: string;
  /** Endpoints the resource policy admits, each with a listener. */
  vpceIds: readonly string[];
  /** Endpoints that reach the API but that the resource policy denies (a listener each). */
  deniedVpceIds?: readonly string[];
  /** Accounts the resource policy allows (`callerAccountIds`). */
  callerAccountIds: readonly string[];
  callers: () => readonly StandInCaller[];
  backend(request: BackendRequest): Promise<BackendAnswer>;
  /** Listen with TLS (PEM key and certificate): the base URLs are then `https://127.0.0.1:<port>`. */
  tls?: { key: string; cert: string };
}

export interface ApiGatewayStandIn {
  /** `http(s)://127.0.0.1:<port>/<stage>` per endpoint id. */
  baseUrls: ReadonlyMap<string, string>;
  /** The base URL's endpoint id. */
  close(): Promise<void>;
}

/** The error types API Gateway reports in `x-amzn-ErrorType`, by gateway response type. */
const ERROR_TYPES: Readonly<Record<string, string>> = {
  ACCESS_DENIED: 'AccessDeniedException',
  MISSING_AUTHENTICATION_TOKEN: 'MissingAuthenticationTokenException',
  INVALID_SIGNATURE: 'InvalidSignatureException',
  EXPIRED_TOKEN: 'ExpiredTokenException',
  DEFAULT_5XX: 'InternalServerErrorException',
};

export async function startApiGatewayStandIn(
  options: ApiGatewayStandInOptions,
): Promise<ApiGatewayStandIn> {
  const servers: Server[] = [];
  const baseUrls = new Map<string, string>();
  const allowed = new Set(options.vpceIds);
  for (const vpceId of [...options.vpceIds, ...(options.deniedVpceIds ?? [])]) {
    const listener = (request: IncomingMessage, response: ServerResponse) => {
      readBody(request)
        .then((body) => handle(request, body, vpceId, response))
        .catch((error: unknown) => {
          gateway(response, 'DEFAULT_5XX', String(error), 500);
        });
    };
    const server = options.tls ? createTlsServer(options.tls, listener) : createServer(listener);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    const { port } = server.address() as AddressInfo;
    baseUrls.set(vpceId, `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}/${options.stage}`);
  }

  async function handle(
    request: IncomingMessage,
    body: string,
    vpceId: string,
    response: ServerResponse,
  ): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://stand-in.invalid');
    const method = request.method ?? 'GET';
    const prefix = `/${options.stage}/`;
    if (!url.pathname.startsWith(prefix)) {
      // A private API answers an unknown stage with a bare ForbiddenException.
      response
        .writeHead(403, {
          'content-type': 'application/json',
          'x-amzn-errortype': 'ForbiddenException',
        })
        .end(JSON.stringify({ message: 'Forbidden' }));
      return;
    }
    const path = url.pathname.slice(prefix.length - 1);
    const route = ROUTES.find(
      (r) =>
        r.method === method && new RegExp(`^${r.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path),
    );
    if (!route || !request.headers.authorization) {
      return gateway(response, 'MISSING_AUTHENTICATION_TOKEN', 'Missing Authentication Token');
    }
    const callers = options.callers();
    const verdict = await verifySigV4(
      { method, url: request.url ?? '/', headers: request.headers },
      body,
      {
        service: 'execute-api',
        region: options.region,
        credentials: callers.map((caller) => caller.credentials),
      },
    );
    if (!verdict.verified) {
      return gateway(response, 'INVALID_SIGNATURE', verdict.reason);
    }
    const caller = callers.find((c) => c.credentials.accessKeyId === verdict.accessKeyId);
    const sessionArn = caller?.sessionArn ?? '';
    const resource = `arn:aws:execute-api:${options.region}:${options.accountId}:${options.apiId}/${options.stage}/${method}${path}`;
    const denied = `User: ${sessionArn} is not authorized to perform: execute-api:Invoke on resource: ${resource}`;
    if (!allowed.has(vpceId)) {
      return gateway(response, 'ACCESS_DENIED', `${denied} with an explicit deny`);
    }
    const account = sessionArn.split(':')[4] ?? '';
    if (!options.callerAccountIds.includes(account) || !caller?.mayInvoke(resource)) {
      return gateway(response, 'ACCESS_DENIED', denied);
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string') headers[name] = value;
    }
    const answer = await options.backend({
      method,
      path: `${path}${url.search}`,
      headers,
      body,
      sessionArn,
      vpceId,
    });
    const out = { ...answer.headers };
    for (const hop of ['content-length', 'transfer-encoding', 'connection', 'keep-alive']) {
      delete out[hop];
    }
    response
      .writeHead(answer.status, { ...out, 'x-amzn-requestid': randomUUID() })
      .end(answer.body);
  }

  /** One of the stack's gateway responses, rendered as API Gateway would. */
  function gateway(response: ServerResponse, type: string, message: string, status?: number): void {
    const answer = GATEWAY_ANSWERS.find((a) => a.type.responseType === type);
    const fallback = GATEWAY_ANSWERS.find(
      (a) => a.type.responseType === (type === 'DEFAULT_5XX' ? 'DEFAULT_5XX' : 'DEFAULT_4XX'),
    );
    const chosen = answer ?? fallback;
    const description = chosen?.description.startsWith('$context')
      ? JSON.stringify(message)
      : (chosen?.description ?? JSON.stringify(message));
    response
      .writeHead(Number(chosen?.statusCode ?? status ?? 403), {
        'content-type': 'application/json',
        'x-amzn-errortype': ERROR_TYPES[type] ?? 'ForbiddenException',
        ...(chosen?.retryAfter ? { 'retry-after': '1' } : {}),
      })
      .end(`{"error":"${chosen?.error ?? 'invalid_request'}","error_description":${description}}`);
  }

  return {
    baseUrls,
    close: () =>
      Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      ).then(() => undefined),
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.once('error', reject);
  });
}
