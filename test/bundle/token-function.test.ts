import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ENVIRONMENTS } from '../../infra/config.js';
import { BROKER_METRIC_UNITS } from '../../infra/metric-names.js';
import { DEMO } from '../../shared/sandbox/demo.js';
import { secretHits } from '../integration/safety/support.js';
import { configureBroker, roleArn, sessionOf } from '../support/bundle/broker-setup.js';
import type { Json } from '../support/bundle/cloud-assembly.js';
import { type EmfLine, emfLines, logRecords, metricNames } from '../support/bundle/emf.js';
import {
  type Invocation,
  type LambdaContainer,
  nodeModulesAbove,
} from '../support/bundle/lambda-container.js';
import { type LocalCloud, startLocalCloud } from '../support/bundle/local-cloud.js';
import { assertConforms } from '../support/openapi-conformance.js';

// The token function's bundle exactly as `cdk synth -c env=test` wrote it to cdk.out, run by Node
// 24 in a Lambda-like process with the environment of its template, against local stand-ins for
// everything the template references (README, Testing, "The deployed bundle").

const config = ENVIRONMENTS.test;
const SCOPE = DEMO.scopes[0];
const { standard } = DEMO.customers;

interface Answer {
  status: number;
  headers: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: asserted field by field
  json: any;
  invocation: Invocation;
}

describe('the synthesized token function on Node 24', () => {
  let cloud: LocalCloud;
  let fn: LambdaContainer;
  const answers: Answer[] = [];
  let caller: string;
  let refused: string;

  /** Invokes `container` with a private API event and checks the answer against the contract. */
  async function call(
    container: LambdaContainer,
    request: {
      method?: string;
      path: string;
      body?: unknown;
      as?: string | null;
      /** A forged or misrouted event: another API, stage or VPC endpoint. */
      from?: { apiId?: string; stage?: string; vpceId?: string };
    },
  ): Promise<Answer> {
    const method = request.method ?? 'POST';
    const invocation = await container.invoke(
      cloud.event({
        method,
        path: request.path,
        body: request.body,
        principalArn: request.as === undefined ? caller : request.as,
        ...request.from,
      }),
    );
    expect(invocation.error, JSON.stringify(invocation.error)).toBeUndefined();
    const result = invocation.result as Json;
    expect(result.isBase64Encoded).toBe(false);
    const headers = Object.fromEntries(
      Object.entries<string>(result.headers).map(([k, v]) => [k.toLowerCase(), v]),
    );
    assertConforms(
      { method, path: request.path },
      { status: result.statusCode, headers, text: result.body },
    );
    const answer = {
      status: result.statusCode,
      headers,
      json: JSON.parse(result.body),
      invocation,
    };
    answers.push(answer);
    return answer;
  }
  const tokensIssued = () =>
    answers.flatMap((a) => (typeof a.json.access_token === 'string' ? [a.json.access_token] : []));
  const token = (body: unknown, as?: string | null) =>
    call(fn, { path: '/v1/token', body, ...(as === undefined ? {} : { as }) });

  beforeAll(async () => {
    cloud = await startLocalCloud({ cdkOut: inject('cdkOutTest'), config });
    const service = roleArn(cloud, 'bundle-test-service');
    caller = sessionOf(service);
    refused = sessionOf(roleArn(cloud, 'not-in-the-policy'));
    configureBroker(cloud, [
      {
        name: 'bundle test service',
        callers: [service],
        scopes: [SCOPE],
        orgs: [standard.orgNo],
        vendorTokens: true,
        exchange: ['altinn'],
      },
    ]);
    fn = await cloud.start(config.names.function);
  });
  afterAll(async () => {
    await cloud?.close();
  });

  it('loads from a directory with no node_modules above it, on Node 24', async () => {
    expect(nodeModulesAbove(fn.taskRoot)).toBeUndefined();
    expect(fn.importMs).toBeGreaterThan(0);
    const template = cloud.functions.find(
      (f) => f.properties.FunctionName === config.names.function,
    );
    expect(template?.properties.Runtime).toBe('nodejs24.x');
  });

  it('gets its environment from the template, every reference resolved to a local stand-in', () => {
    const { template, rewritten } = cloud.environmentOf(config.names.function);
    expect(template['SIGNING_KEY']).toMatch(
      new RegExp(`^kms:arn:aws:kms:${config.region}:${config.account}:key/[0-9a-f-]{36}$`),
    );
    expect(template['BROKER_API_ID']).toBe(cloud.api.id);
    expect(template['BROKER_API_STAGE']).toBe(cloud.api.stage);
    expect(template['BROKER_VPC_ENDPOINT_IDS']).toBe(cloud.api.vpceIds.join(','));
    // Only the two upstream URLs were replaced, by value.
    expect(rewritten.sort()).toEqual(['ALTINN_PLATFORM_URL', 'MASKINPORTEN_ISSUER']);
    expect(template['MASKINPORTEN_ISSUER']).toBe(cloud.sandbox.issuer);
  });

  it('answers GET /v1/health', async () => {
    const health = await call(fn, { method: 'GET', path: '/v1/health' });
    expect(health.status).toBe(200);
    expect(health.json).toEqual({ status: 'ok' });
    expect(health.headers['cache-control']).toBe('no-store');
  });

  it('issues a plain vendor token signed through KMS, verified by Maskinporten', async () => {
    const answer = await token({ scope: SCOPE });

    expect(answer.status).toBe(200);
    expect(answer.headers['broker-token-source']).toBe('maskinporten');
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.json).toMatchObject({ token_type: 'Bearer', scope: SCOPE });
    const jwks = createRemoteJWKSet(new URL(`${cloud.sandbox.issuer}jwk`));
    const { payload } = await jwtVerify(answer.json.access_token, jwks, {
      issuer: cloud.sandbox.issuer,
    });
    expect(payload['client_id']).toBe(DEMO.clientId);
    expect(payload['authorization_details']).toBeUndefined();
    // The grant was signed with the key the template names, as the role allows.
    const signingKey = cloud.environmentOf(config.names.function).template['SIGNING_KEY'];
    const signs = cloud.kms.calls.filter((c) => c.operation === 'Sign');
    expect(signs.map((c) => `kms:${c.input.KeyId}`)).toEqual([signingKey]);
    expect(signs[0]?.fault).toBeUndefined();
  });

  it('serves the same request again from memory', async () => {
    const answer = await token({ scope: SCOPE });
    expect(answer.status).toBe(200);
    expect(answer.headers['broker-token-source']).toBe('memory');
  });

  it("issues a system-user token naming the customer's org", async () => {
    const answer = await token({ scope: SCOPE, org: standard.orgNo });

    expect(answer.status).toBe(200);
    const [detail] = decodeJwt(answer.json.access_token)['authorization_details'] as Json[];
    expect(detail).toMatchObject({
      type: 'urn:altinn:systemuser',
      systemuser_org: { authority: 'iso6523-actorid-upis', ID: `0192:${standard.orgNo}` },
      system_id: DEMO.systemId,
    });
  });

  it('exchanges a system-user token for an Altinn token', async () => {
    const answer = await token({ scope: SCOPE, org: standard.orgNo, exchange: 'altinn' });

    expect(answer.status).toBe(200);
    expect(answer.headers['broker-token-source']).toBe('altinn');
    expect(decodeJwt(answer.json.access_token)['urn:altinn:orgNumber']).toBe(DEMO.vendor.orgNo);
  });

  it('refuses a caller the deployed policy does not name', async () => {
    const answer = await token({ scope: SCOPE }, refused);

    expect(answer.status).toBe(403);
    expect(answer.json.error).toBe('access_denied');
  });

  it('refuses an org the rule does not list', async () => {
    const answer = await token({ scope: SCOPE, org: DEMO.customers.agent.orgNo });
    expect(answer.status).toBe(403);
    expect(answer.json.error).toBe('access_denied');
  });

  it('answers an invalid body with 400 invalid_request', async () => {
    const answer = await token({ scope: SCOPE, org: '987654321' });

    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      error: 'invalid_request',
      error_description:
        'org: must be a 9-digit Norwegian organisation number with a valid check digit',
    });
  });

  it('refuses an event that did not come through the API, stage and VPC endpoint of the template', async () => {
    const forged = [
      { apiId: 'f0rg3d0api' },
      { stage: 'prod' },
      { vpceId: 'vpce-0fffffffffffffff1' },
    ];
    for (const from of forged) {
      const answer = await call(fn, { path: '/v1/token', body: { scope: SCOPE }, from });
      expect(answer.status, JSON.stringify(from)).toBe(403);
      expect(answer.json).toEqual({
        error: 'access_denied',
        error_description: "the request did not come through the broker's API",
      });
      expect(answer.invocation.stderr.join('\n')).toContain('untrusted event refused');
      expect(emfLines(answer.invocation.stdout).flatMap(metricNames)).toContain('UntrustedEvents');
    }
  });

  it('shares tokens with another instance through the DynamoDB table of the template', async () => {
    const second = await cloud.start(config.names.function);
    const answer = await call(second, { path: '/v1/token', body: { scope: SCOPE } });

    expect(answer.status).toBe(200);
    expect(answer.headers['broker-token-source']).toBe('shared');
  });

  it("seals what it stores with the template's token-seal key and exactly its encryption context", async () => {
    const sealKey = cloud.environmentOf(config.names.function).template['TOKEN_CACHE_KMS_KEY'];
    const context = { purpose: 'maskinporten-broker/token-cache', table: config.names.table };
    const generated = cloud.kms.calls.filter((c) => c.operation === 'GenerateDataKey');
    const decrypted = cloud.kms.calls.filter((c) => c.operation === 'Decrypt');
    expect(generated.length).toBeGreaterThan(0);
    expect(decrypted.length).toBeGreaterThan(0);
    for (const call of [...generated, ...decrypted]) {
      expect(call.fault).toBeUndefined();
      expect(call.input.EncryptionContext).toEqual(context);
    }
    expect(new Set(generated.map((c) => c.input.KeyId))).toEqual(new Set([sealKey]));
    expect(cloud.kms.encryptionContexts(sealKey as string).length).toBe(
      generated.length + decrypted.length,
    );
    // No token in clear in the table.
    const { Items = [] } = await cloud.dynalite.client.send(
      new ScanCommand({ TableName: config.names.table }),
    );
    expect(Items.length).toBeGreaterThan(0);
    expect(secretHits(JSON.stringify(Items), tokensIssued())).toEqual([]);
  });

  it('writes EMF with the declared metric names and exactly {service, environment}', () => {
    const lines = answers.flatMap((a) => emfLines(a.invocation.stdout));
    const broker = lines.filter((line) => !('ColdStart' in line));
    expect(broker.length).toBeGreaterThanOrEqual(5);
    for (const line of broker) {
      expect(line._aws.CloudWatchMetrics.map((set) => set.Namespace)).toEqual([
        'MaskinportenBroker',
      ]);
      expect(line._aws.CloudWatchMetrics.map((set) => set.Dimensions)).toEqual([
        [['service', 'environment']],
      ]);
      expect(line['service']).toBe('maskinporten-broker');
      expect(line['environment']).toBe(config.name);
      for (const metric of line._aws.CloudWatchMetrics.flatMap((set) => set.Metrics)) {
        expect(BROKER_METRIC_UNITS, metric.Name).toHaveProperty(metric.Name, metric.Unit);
      }
    }
    const named = (answer: Answer | undefined): string[] =>
      emfLines(answer?.invocation.stdout ?? [])
        .filter((line: EmfLine) => !('ColdStart' in line))
        .flatMap(metricNames);
    const [, miss, hit] = answers;
    expect(named(miss)).toEqual(
      expect.arrayContaining([
        'TokenRequests',
        'CacheMiss',
        'MaskinportenCalls',
        'MaskinportenLatency',
        'Signatures',
        'SigningLatency',
      ]),
    );
    expect(named(hit)).toEqual(expect.arrayContaining(['TokenRequests', 'CacheHitMemory']));
    expect(named(answers.find((a) => a.json.error_description?.includes('not allowed')))).toContain(
      'AccessDenied',
    );
    expect(named(answers.find((a) => a.status === 400))).toContain('InvalidRequests');
    expect(named(answers.find((a) => a.headers['broker-token-source'] === 'altinn'))).toContain(
      'AltinnExchanges',
    );
    // Powertools' own cold-start metric, once per instance, adds the function name.
    const coldStarts = lines.filter((line) => 'ColdStart' in line);
    expect(coldStarts).toHaveLength(2);
    expect(coldStarts[0]?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([
      ['service', 'environment', 'function_name'],
    ]);
  });

  it('logs JSON with the request id and never a token, grant or key', () => {
    const output = [...fn.output()];
    const records = logRecords(output);
    expect(records.some((r) => r['message'] === 'broker ready')).toBe(true);
    // One audit line per token request: INFO when answered, WARN when refused or failed.
    const audit = records.filter((r) => String(r['message']).startsWith('token request'));
    expect(audit.map((r) => r['outcome'])).toEqual([
      'maskinporten',
      'memory',
      'maskinporten',
      'altinn',
      'access_denied',
      'access_denied',
      'invalid_request',
    ]);
    for (const line of audit) expect(line['function_request_id']).toEqual(expect.any(String));
    const tokens = tokensIssued();
    expect(tokens.length).toBeGreaterThanOrEqual(5);
    const secrets = [...tokens, ...cloud.kms.dataKeys()];
    expect(secretHits(output.join('\n'), secrets)).toEqual([]);
  });

  it('made only calls the AWS stand-ins accept and the role allows', () => {
    expect(cloud.problems()).toEqual([]);
    const secretReads = cloud.secrets.calls.filter((c) => c.operation === 'GetSecretValue');
    expect(secretReads.map((c) => c.input.SecretId)).toEqual([
      config.names.secret,
      config.names.secret,
    ]);
    // The caller policy comes from the parameter the template names, read by each instance.
    const policyReads = cloud.ssm.calls.filter((c) => c.operation === 'GetParameter');
    expect(policyReads.length).toBeGreaterThanOrEqual(2);
    for (const read of policyReads) expect(read.input.Name).toBe(config.names.policyParameter);
  });
});
