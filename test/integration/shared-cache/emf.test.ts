import { constants, createPublicKey, privateEncrypt, randomUUID } from 'node:crypto';
import {
  GetPublicKeyCommand,
  KMSClient,
  SignCommand,
  type SignCommandInput,
} from '@aws-sdk/client-kms';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ApiGatewayProxyEvent } from '../../../shared/adapters/http/apigateway-event.js';
import { kmsPublicJwk } from '../../../shared/adapters/signing/kms-grant-signer.js';
import { DEMO, seedDemo } from '../../../shared/sandbox/demo.js';
import { type SandboxServer, startSandboxServer } from '../../../shared/sandbox/sandbox.js';
import { ALLOW_ALL_POLICY, POLICY_PARAMETER } from '../../support/broker-transports.js';
import { type DynaliteHarness, startDynalite } from '../../support/dynalite.js';
import { readFixture } from '../../support/fixtures.js';
import {
  kmsError,
  SHA256_DIGEST_INFO,
  TEST_KMS_KEY_ARN,
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
  /** Every line the invocation wrote to stdout. */
  lines: string[];
  emf: Emf[];
}

const kmsMock = mockClient(KMSClient);
const secretsMock = mockClient(SecretsManagerClient);
const ssmMock = mockClient(SSMClient);

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
  const template = readFixture<ApiGatewayProxyEvent>('apigateway/rest-v1-iam-auth.json');
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
  let miss: Invocation;
  let hit: Invocation;
  let all: Invocation[];
  const body = { scope: DEMO.scopes[0], org: DEMO.customers.standard.orgNo };

  beforeAll(async () => {
    [sandbox, db] = await Promise.all([
      startSandboxServer({ tokenLifetimeSeconds: 120 }),
      startDynalite(),
    ]);
    mockKms();
    secretsMock.on(GetSecretValueCommand).resolves({
      Name: 'maskinporten-broker/emf-test',
      SecretString: JSON.stringify({ clientId: DEMO.clientId }),
    });
    ssmMock.on(GetParameterCommand, { Name: POLICY_PARAMETER }).resolves({
      Parameter: {
        Name: POLICY_PARAMETER,
        Type: 'String',
        Value: JSON.stringify(ALLOW_ALL_POLICY),
      },
    });
    const jwk = await kmsPublicJwk(new KMSClient({ region: 'eu-north-1' }), TEST_KMS_KEY_ARN);
    seedDemo(sandbox, { publicJwk: jwk });

    const env: Record<string, string> = {
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      MASKINPORTEN_ISSUER: sandbox.issuer,
      SIGNING_KEY: `kms:${TEST_KMS_KEY_ARN}`,
      BROKER_CONFIG_SECRET: 'maskinporten-broker/emf-test',
      BROKER_POLICY_PARAMETER: POLICY_PARAMETER,
      BROKER_ENVIRONMENT: ENVIRONMENT,
      BROKER_DEADLINE_MS: '3000',
      TOKEN_CACHE_TABLE: db.tableName,
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
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
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      const { handler } = await import('../../../functions/token/handler.js');
      const invoke = async (): Promise<Invocation> => {
        writes.length = 0;
        const result = await handler(apiEvent(body), lambdaContext() as never);
        const lines = writes.join('').split('\n').filter(Boolean);
        const emf = lines
          .map((line) => {
            try {
              return JSON.parse(line) as Emf;
            } catch {
              return undefined;
            }
          })
          .filter((line): line is Emf => line?._aws?.CloudWatchMetrics !== undefined);
        return {
          status: result.statusCode,
          headers: Object.fromEntries(
            Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]),
          ),
          body: JSON.parse(result.body),
          lines,
          emf,
        };
      };
      miss = await invoke();
      hit = await invoke();
      all = [miss, hit];
    } finally {
      spy.mockRestore();
      vi.unstubAllEnvs();
    }
  });

  afterAll(async () => {
    kmsMock.restore();
    secretsMock.restore();
    ssmMock.restore();
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
    for (const invocation of all) {
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
});
