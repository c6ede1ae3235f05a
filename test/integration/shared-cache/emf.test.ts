import { constants, createPublicKey, privateEncrypt, randomUUID } from 'node:crypto';
import { PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  GetPublicKeyCommand,
  KMSClient,
  SignCommand,
  type SignCommandInput,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ApiGatewayProxyEvent } from '../../../shared/adapters/http/apigateway-event.js';
import { kmsPublicJwk } from '../../../shared/adapters/signing/kms-grant-signer.js';
import { tokenCacheKey } from '../../../shared/domain/cache-key.js';
import { parseTokenRequest } from '../../../shared/domain/token-request.js';
import type { PublicSigningJwk } from '../../../shared/ports/grant-signer.js';
import { DEMO, seedDemo } from '../../../shared/sandbox/demo.js';
import { type SandboxServer, startSandboxServer } from '../../../shared/sandbox/sandbox.js';
import { FIXTURE_EVENT_SOURCE_ENV, privateIamEvent } from '../../support/apigateway-events.js';
import {
  ALLOW_ALL_POLICY,
  FIXTURE_ROLE_ARN,
  POLICY_PARAMETER,
} from '../../support/broker-transports.js';
import { type DynaliteHarness, startDynalite } from '../../support/dynalite.js';
import { fakeAwsJson } from '../../support/fake-aws-json.js';
import {
  installSealKey,
  kmsError,
  SHA256_DIGEST_INFO,
  TEST_KMS_KEY_ARN,
  TEST_SEAL_KEY_ARN,
  testRsaPrivateKey,
} from '../../support/kms-mock.js';

// The real Lambda entry point (functions/token/handler.ts: middy + Powertools Logger and Metrics),
// imported once with its environment set, invoked with API Gateway events; the EMF it writes to
// stdout is parsed and checked. Only KMS and Secrets Manager are mocked (class-level, so the
// clients the module builds itself are covered); Maskinporten is the sandbox, DynamoDB dynalite.

const ENVIRONMENT = 'emftest';
const FUNCTION_NAME = 'maskinporten-broker-token';
const JWT_SHAPED = /eyJ[\w-]+\.[\w-]+\.[\w-]+/;

interface Emf {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: Array<{
      Namespace: string;
      Dimensions: string[][];
      Metrics: Array<{ Name: string; Unit: string }>;
    }>;
  };
  [field: string]: unknown;
}

interface Invocation {
  status: number;
  headers: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: asserted field by field
  body: any;
  /** Every line the invocation wrote to stdout and stderr. */
  lines: string[];
  emf: Emf[];
  /** The log lines (JSON, not EMF). */
  logs: LogLine[];
  /** API Gateway's request id the event carried. */
  requestId: string;
  /** The Lambda invocation's own id (the context's `awsRequestId`). */
  functionRequestId: string;
}

interface LogLine {
  level: string;
  message: string;
  timestamp: string;
  [field: string]: unknown;
}

const kmsMock = mockClient(KMSClient);

/** The next Sign calls fail with these, in order (then Sign works again). */
const signFaults: Error[] = [];

/** KMS `Sign` as in DIGEST mode, with the test key; `GetPublicKey` returns its SPKI. */
function mockKms() {
  const privateKey = testRsaPrivateKey();
  kmsMock.on(GetPublicKeyCommand).resolves({
    KeyId: TEST_KMS_KEY_ARN,
    PublicKey: new Uint8Array(createPublicKey(privateKey).export({ format: 'der', type: 'spki' })),
    KeySpec: 'RSA_2048',
    KeyUsage: 'SIGN_VERIFY',
    SigningAlgorithms: ['RSASSA_PKCS1_V1_5_SHA_256'],
  });
  kmsMock.on(SignCommand).callsFake((input: SignCommandInput) => {
    const fault = signFaults.shift();
    if (fault) throw fault;
    const message = input.Message ?? new Uint8Array();
    if (input.KeyId !== TEST_KMS_KEY_ARN) throw kmsError('NotFoundException');
    if (input.MessageType !== 'DIGEST' || message.byteLength !== 32) {
      throw kmsError('ValidationException', 'Digest is invalid length for algorithm');
    }
    const signature = privateEncrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_PADDING },
      Buffer.concat([SHA256_DIGEST_INFO, message]),
    );
    return {
      KeyId: TEST_KMS_KEY_ARN,
      Signature: new Uint8Array(signature),
      SigningAlgorithm: input.SigningAlgorithm,
    };
  });
}

function apiEvent(body: unknown): ApiGatewayProxyEvent {
  const template = privateIamEvent();
  const headers = { 'Content-Type': 'application/json' };
  return {
    ...template,
    httpMethod: 'POST',
    path: '/v1/token',
    headers,
    multiValueHeaders: { 'Content-Type': ['application/json'] },
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}

function lambdaContext() {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-north-1:123456789012:function:${FUNCTION_NAME}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${FUNCTION_NAME}`,
    logStreamName: '2026/01/15/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => 10_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

describe('the Lambda handler writes its metrics as EMF', () => {
  let sandbox: SandboxServer;
  let db: DynaliteHarness;
  let fakes: Array<{ close(): Promise<void> }> = [];
  let miss: Invocation;
  let hit: Invocation;
  let forged: Invocation;
  let throttled: Invocation;
  let denied: Invocation;
  let planted: Invocation;
  let health: Invocation;
  let all: Invocation[];
  const body = { scope: DEMO.scopes[0], org: DEMO.customers.standard.orgNo };
  let jwk: PublicSigningJwk;

  beforeAll(async () => {
    [sandbox, db] = await Promise.all([
      startSandboxServer({ tokenLifetimeSeconds: 120 }),
      startDynalite(),
    ]);
    mockKms();
    installSealKey(kmsMock, { table: db.tableName });
    // Secrets Manager and SSM are read with signed requests, not SDK clients: loopback fakes that
    // check the signature (an unsigned or wrongly signed read gets a 403 and the start fails).
    const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
    const secret = await fakeAwsJson(
      'secretsmanager',
      [
        {
          status: 200,
          body: JSON.stringify({
            Name: 'maskinporten-broker/emf-test',
            SecretString: JSON.stringify({ clientId: DEMO.clientId }),
          }),
        },
      ],
      credentials,
    );
    const parameter = await fakeAwsJson(
      'ssm',
      [
        {
          status: 200,
          body: JSON.stringify({
            Parameter: {
              Name: POLICY_PARAMETER,
              Type: 'String',
              Value: JSON.stringify(ALLOW_ALL_POLICY),
            },
          }),
        },
      ],
      credentials,
    );
    fakes = [secret, parameter];
    jwk = await kmsPublicJwk(new KMSClient({ region: 'eu-north-1' }), TEST_KMS_KEY_ARN);
    seedDemo(sandbox, { publicJwk: jwk });

    const env: Record<string, string> = {
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      MASKINPORTEN_ISSUER: sandbox.issuer,
      SIGNING_KEY: `kms:${TEST_KMS_KEY_ARN}`,
      BROKER_CONFIG_SECRET: 'maskinporten-broker/emf-test',
      BROKER_POLICY_PARAMETER: POLICY_PARAMETER,
      BROKER_ENVIRONMENT: ENVIRONMENT,
      ...FIXTURE_EVENT_SOURCE_ENV,
      BROKER_DEADLINE_MS: '3000',
      TOKEN_CACHE_TABLE: db.tableName,
      TOKEN_CACHE_KMS_KEY: TEST_SEAL_KEY_ARN,
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secret.endpoint,
      AWS_ENDPOINT_URL_SSM: parameter.endpoint,
      AWS_REGION: 'eu-north-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    };
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    // POWERTOOLS_DEV would silence the metrics (aws-notes §6); ambient AWS settings must not leak in.
    for (const name of ['POWERTOOLS_DEV', 'POWERTOOLS_METRICS_DISABLED', 'AWS_SESSION_TOKEN']) {
      vi.stubEnv(name, undefined);
    }
    vi.stubEnv('AWS_PROFILE', undefined);

    const writes: string[] = [];
    const spies = [process.stdout, process.stderr].map((stream) =>
      vi.spyOn(stream, 'write').mockImplementation((chunk: unknown) => {
        writes.push(String(chunk));
        return true;
      }),
    );
    try {
      const { handler } = await import('../../../functions/token/handler.js');
      const invoke = async (event: ApiGatewayProxyEvent): Promise<Invocation> => {
        writes.length = 0;
        const requestId = randomUUID();
        const context = lambdaContext();
        const result = await handler(
          { ...event, requestContext: { ...event.requestContext, requestId } },
          context as never,
        );
        const lines = writes.join('').split('\n').filter(Boolean);
        const parsed = lines.map((line) => {
          try {
            return JSON.parse(line) as Record<string, unknown>;
          } catch {
            return undefined;
          }
        });
        const emf = parsed.filter(
          (line): line is Emf => (line as Emf | undefined)?._aws?.CloudWatchMetrics !== undefined,
        );
        const logs = parsed.filter(
          (line): line is LogLine => line !== undefined && !('_aws' in line),
        );
        return {
          status: result.statusCode,
          headers: Object.fromEntries(
            Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]),
          ),
          body: JSON.parse(result.body),
          lines,
          emf,
          logs,
          requestId,
          functionRequestId: context.awsRequestId,
        };
      };
      const cold = (name: string) => ({ ...body, resource: `https://api.example.no/emf/${name}` });
      miss = await invoke(apiEvent(body));
      hit = await invoke(apiEvent(body));
      const genuine = apiEvent(body);
      forged = await invoke({
        ...genuine,
        requestContext: { ...genuine.requestContext, stage: 'test-invoke-stage' },
      });
      signFaults.push(kmsError('ThrottlingException', 'Rate exceeded'));
      throttled = await invoke(apiEvent(cold('throttled')));
      signFaults.push(kmsError('AccessDeniedException', 'not authorized to perform kms:Sign'));
      denied = await invoke(apiEvent(cold('denied')));
      // A readable token planted under another request's key, claiming to live for years.
      const identity = { issuer: sandbox.issuer, clientId: DEMO.clientId, kid: jwk.kid };
      const plantedKey = tokenCacheKey(identity, parseTokenRequest(cold('planted')));
      const farFuture = Date.now() + 10 * 365 * 86_400_000;
      await db.client.send(
        new PutItemCommand({
          TableName: db.tableName,
          Item: {
            pk: { S: plantedKey },
            accessToken: { S: miss.body.access_token },
            tokenType: { S: 'Bearer' },
            scope: { S: DEMO.scopes[0] },
            expiresAt: { N: String(farFuture) },
            lifetime: { N: '120' },
          },
        }),
      );
      planted = await invoke(apiEvent(cold('planted')));
      health = await invoke({
        ...apiEvent(body),
        httpMethod: 'GET',
        path: '/v1/health',
        body: null,
      });
      all = [miss, hit, forged, throttled, denied, planted, health];
    } finally {
      for (const spy of spies) spy.mockRestore();
      vi.unstubAllEnvs();
    }
  });

  afterAll(async () => {
    kmsMock.restore();
    await Promise.all(fakes.map((fake) => fake.close()));
    await Promise.all([sandbox?.close(), db?.close()]);
  });

  /** The broker's own metrics line of an invocation (not the ColdStart single metric). */
  const brokerLine = (invocation: Invocation): Emf => {
    const lines = invocation.emf.filter((line) => !('ColdStart' in line));
    expect(lines).toHaveLength(1);
    return lines[0] as Emf;
  };
  const metricNames = (line: Emf) =>
    line._aws.CloudWatchMetrics.flatMap((m) => m.Metrics.map((x) => x.Name));
  const unitOf = (line: Emf, name: string) =>
    line._aws.CloudWatchMetrics.flatMap((m) => m.Metrics).find((m) => m.Name === name)?.Unit;

  it('answers a miss, then a memory hit', () => {
    expect(miss.status).toBe(200);
    expect(miss.headers['broker-token-source']).toBe('maskinporten');
    expect(hit.status).toBe(200);
    expect(hit.headers['broker-token-source']).toBe('memory');
    expect(hit.body.access_token).toBe(miss.body.access_token);
  });

  it('uses namespace MaskinportenBroker and exactly the service and environment dimensions', () => {
    for (const invocation of all.filter((i) => i !== health)) {
      const line = brokerLine(invocation);
      expect(line._aws.CloudWatchMetrics.map((m) => m.Namespace)).toEqual(['MaskinportenBroker']);
      expect(line._aws.CloudWatchMetrics.map((m) => m.Dimensions)).toEqual([
        [['service', 'environment']],
      ]);
      expect(line['service']).toBe('maskinporten-broker');
      expect(line['environment']).toBe(ENVIRONMENT);
    }
  });

  it('counts the miss: request, miss, Maskinporten call and latency, signature and signing latency', () => {
    const line = brokerLine(miss);
    expect(metricNames(line)).toEqual(
      expect.arrayContaining([
        'TokenRequests',
        'CacheMiss',
        'MaskinportenCalls',
        'MaskinportenLatency',
        'Signatures',
        'SigningLatency',
      ]),
    );
    expect(line).toMatchObject({
      TokenRequests: 1,
      CacheMiss: 1,
      MaskinportenCalls: 1,
      Signatures: 1,
    });
    expect(unitOf(line, 'TokenRequests')).toBe('Count');
    expect(unitOf(line, 'MaskinportenLatency')).toBe('Milliseconds');
    expect(unitOf(line, 'SigningLatency')).toBe('Milliseconds');
    expect(typeof line['MaskinportenLatency']).toBe('number');
    expect(metricNames(line)).not.toContain('CacheHitMemory');
    // The DynamoDB cache from the environment worked: no errors degraded it.
    expect(metricNames(line)).not.toContain('CacheErrors');
  });

  it('counts the hit as CacheHitMemory, without a miss or a Maskinporten call', () => {
    const line = brokerLine(hit);
    expect(line).toMatchObject({ TokenRequests: 1, CacheHitMemory: 1 });
    expect(metricNames(line)).not.toContain('CacheMiss');
    expect(metricNames(line)).not.toContain('MaskinportenCalls');
    expect(metricNames(line)).not.toContain('Signatures');
  });

  it('emits ColdStart once, on the first invocation only', () => {
    const coldStarts = all.flatMap((i) => i.emf.filter((line) => 'ColdStart' in line));
    expect(coldStarts).toHaveLength(1);
    expect(miss.emf.some((line) => 'ColdStart' in line)).toBe(true);
    const [coldStart] = coldStarts;
    expect(coldStart?._aws.CloudWatchMetrics[0]?.Namespace).toBe('MaskinportenBroker');
    // Powertools' own single metric: the default dimensions plus the function name.
    expect(coldStart?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([
      ['service', 'environment', 'function_name'],
    ]);
    expect(coldStart).toMatchObject({
      ColdStart: 1,
      service: 'maskinporten-broker',
      environment: ENVIRONMENT,
      function_name: FUNCTION_NAME,
    });
  });

  it('never makes an org a dimension', () => {
    for (const line of all.flatMap((i) => i.emf)) {
      const dimensions = line._aws.CloudWatchMetrics.flatMap((m) => m.Dimensions.flat());
      expect(dimensions.some((d) => /org/i.test(d))).toBe(false);
      for (const name of dimensions) expect(line[name]).not.toBe(body.org);
    }
  });

  it('writes no access token, grant or other JWT to stdout', () => {
    const text = all.flatMap((i) => i.lines).join('\n');
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toMatch(JWT_SHAPED);
    expect(text).not.toContain(miss.body.access_token);
    // The pattern does catch the broker's tokens: the check above is not vacuous.
    expect(miss.body.access_token).toMatch(JWT_SHAPED);
  });

  it('puts API Gateway’s request id on every log line of its invocation, as requestId, and only its own', () => {
    const ids = all.map((i) => i.requestId);
    for (const invocation of all) {
      // A health check writes nothing at all; every other invocation writes something.
      if (invocation !== health) expect(invocation.logs.length).toBeGreaterThan(0);
      for (const line of invocation.logs) {
        expect(line['requestId'], line.message).toBe(invocation.requestId);
      }
      // The metrics line carries it too (metadata, not a dimension).
      for (const line of invocation.emf.filter((l) => !('ColdStart' in l))) {
        expect(line['requestId']).toBe(invocation.requestId);
      }
      const text = invocation.lines.join('\n');
      for (const other of ids.filter((id) => id !== invocation.requestId)) {
        expect(text).not.toContain(other);
      }
    }
    // The audit line's own requestId is the same value under the same name.
    const audit = miss.logs.find((line) => line.message === 'token request');
    expect(audit).toMatchObject({ requestId: miss.requestId, caller: FIXTURE_ROLE_ARN });
    // The cold start's own lines (the runtime is built in the first invocation) carry it as well.
    expect(miss.logs.find((line) => line.message === 'broker ready')?.['requestId']).toBe(
      miss.requestId,
    );
  });

  it('logs JSON lines Lambda’s JSON log format and level filter read: level, RFC 3339 timestamp, message', () => {
    const logs = all.flatMap((i) => i.logs.map((line) => ({ line, invocation: i })));
    expect(logs.length).toBeGreaterThan(all.length);
    for (const { line, invocation } of logs) {
      expect(['DEBUG', 'INFO', 'WARN', 'ERROR']).toContain(line.level);
      expect(line.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(typeof line.message).toBe('string');
      expect(line).toMatchObject({
        service: 'maskinporten-broker',
        function_request_id: invocation.functionRequestId,
      });
    }
    // Nothing but JSON: every line of output is a log line or a metrics line.
    for (const invocation of all) {
      expect(invocation.lines).toHaveLength(invocation.logs.length + invocation.emf.length);
    }
  });

  it('refuses a forged event (another stage) with 403 and counts UntrustedEvents on the same dimensions', () => {
    expect(forged.status).toBe(403);
    expect(forged.body.error).toBe('access_denied');
    const line = brokerLine(forged);
    expect(line).toMatchObject({ UntrustedEvents: 1, environment: ENVIRONMENT });
    expect(unitOf(line, 'UntrustedEvents')).toBe('Count');
    expect(metricNames(line)).not.toContain('TokenRequests');
    expect(forged.logs).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        message: 'untrusted event refused',
        field: 'stage',
        claimed: 'test-invoke-stage',
      }),
    );
  });

  it('counts a failed KMS Sign once, by kind: throttled and denied, never as Signatures', () => {
    const throttledLine = brokerLine(throttled);
    expect(throttled.status).toBe(502);
    expect(throttledLine).toMatchObject({ SigningThrottled: 1 });
    expect(metricNames(throttledLine)).not.toContain('Signatures');
    expect(metricNames(throttledLine)).not.toContain('SigningDenied');
    expect(metricNames(throttledLine)).not.toContain('SigningErrors');
    const deniedLine = brokerLine(denied);
    expect(denied.status).toBe(500);
    expect(deniedLine).toMatchObject({ SigningDenied: 1 });
    expect(metricNames(deniedLine)).not.toContain('Signatures');
    expect(metricNames(deniedLine)).not.toContain('SigningThrottled');
    expect(unitOf(deniedLine, 'SigningDenied')).toBe('Count');
  });

  it('refuses a planted readable token (CacheSealFailures), and the table holds no readable token', async () => {
    expect(planted.status).toBe(200);
    expect(planted.headers['broker-token-source']).toBe('maskinporten');
    expect(planted.body.access_token).not.toBe(miss.body.access_token);
    const line = brokerLine(planted);
    expect(line).toMatchObject({ CacheSealFailures: 1, CacheMiss: 1, MaskinportenCalls: 1 });
    expect(unitOf(line, 'CacheSealFailures')).toBe('Count');
    const scan = await db.client.send(new ScanCommand({ TableName: db.tableName }));
    const values = (scan.Items ?? []).flatMap((item) =>
      Object.values(item).map((v) => v.S ?? v.N ?? ''),
    );
    expect(values.some((v) => v.startsWith('mpb1:'))).toBe(true);
    for (const value of values) expect(value).not.toMatch(JWT_SHAPED);
  });

  it('writes no metrics line and no warning for a request that counts nothing', () => {
    expect(health.status).toBe(200);
    expect(health.emf).toEqual([]);
    expect(health.logs.filter((line) => line.level === 'WARN')).toEqual([]);
  });
});
