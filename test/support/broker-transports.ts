import { startLocalServer } from '../../functions/local/server.js';
import {
  createLambdaGate,
  createLambdaRuntime,
  createProxyHandler,
} from '../../functions/token/create-handler.js';
import type { ApiGatewayProxyEvent } from '../../shared/adapters/http/apigateway-event.js';
import { InMemoryMetrics } from '../../shared/adapters/metrics/in-memory-metrics.js';
import { kmsPublicJwk } from '../../shared/adapters/signing/kms-grant-signer.js';
import { systemClock } from '../../shared/ports/clock.js';
import type { SharedTokenCache } from '../../shared/ports/token-cache.js';
import { DEMO, seedDemo } from '../../shared/sandbox/demo.js';
import { type Sandbox, startSandboxServer } from '../../shared/sandbox/sandbox.js';
import { FIXTURE_EVENT_SOURCE_ENV, privateIamEvent } from './apigateway-events.js';
import { mockKmsWithRealKey, TEST_KMS_KEY_ARN, TEST_SEAL_KEY_ARN } from './kms-mock.js';
import { assertConforms } from './openapi-conformance.js';
import { RecordingLogger } from './recording-logger.js';

export interface CallOptions {
  method?: string;
  path: string;
  /** An object is sent as JSON; a string or bytes as is. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  headers: Record<string, string>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
  json: any;
}

/** The broker behind one transport, with the sandbox it talks to and what it recorded. */
export interface BrokerTransport {
  name: 'local-server' | 'lambda';
  sandbox: Sandbox;
  logger: RecordingLogger;
  metrics: InMemoryMetrics;
  call(options: CallOptions): Promise<CallResult>;
  close(): Promise<void>;
}

export interface TransportOptions {
  env?: Record<string, string>;
  /**
   * Lambda only: the caller policy in the SSM parameter (default: the fixture's role may do
   * anything); a string is the parameter's text as it is.
   */
  policy?: unknown;
  sharedCache?: SharedTokenCache;
  /** Lambda only: what the invocation context says is left of its time (default: plenty). */
  remainingTimeMs?: number;
}

/** The IAM principal of the recorded SigV4 event, mapped from its STS session to the role. */
export const FIXTURE_ROLE_ARN = 'arn:aws:iam::123456789012:role/Admin';

/** The SSM parameter the Lambda transports name in `BROKER_POLICY_PARAMETER`. */
export const POLICY_PARAMETER = '/maskinporten-broker/test/caller-policy';

export const ALLOW_ALL_POLICY = {
  rules: [
    {
      name: 'tests',
      callers: [FIXTURE_ROLE_ARN],
      // Administrative scopes are never matched by a wildcard: a test that acts as the vendor at
      // Altinn (another system's requests) names them.
      scopes: [
        '*',
        'altinn:authentication/systemregister.write',
        'altinn:authentication/systemuser.request.read',
        'altinn:authentication/systemuser.request.write',
      ],
      orgs: '*',
      vendorTokens: true,
      skipCache: true,
      systemUserRequests: true,
      exchange: ['altinn'],
      externalRefs: '*',
      maxMissesPerMinute: 100_000,
    },
  ],
};

/** A policy as the parameter's text: a string as it is, anything else as JSON. */
export const policyText = (policy: unknown): string =>
  typeof policy === 'string' ? policy : JSON.stringify(policy);

export async function startLocalTransport(
  options: TransportOptions = {},
): Promise<BrokerTransport> {
  const logger = new RecordingLogger();
  const metrics = new InMemoryMetrics();
  const server = await startLocalServer({
    env: { PORT: '0', BROKER_DEADLINE_MS: '1500', ...options.env },
    logger,
    metrics,
  });
  const sandbox = server.sandbox;
  if (!sandbox) throw new Error('expected sandbox mode');
  return {
    name: 'local-server',
    sandbox,
    logger,
    metrics,
    close: () => server.close(),
    async call({ method = 'POST', path, body, headers = {} }) {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: { ...(isJson(body) ? { 'content-type': 'application/json' } : {}), ...headers },
        body: body === undefined ? undefined : encode(body),
      });
      const text = await response.text();
      return assertConforms(
        { method, path },
        toResult(response.status, Object.fromEntries(response.headers), text),
      );
    },
  };
}

export async function startLambdaTransport(
  options: TransportOptions = {},
): Promise<BrokerTransport> {
  const logger = new RecordingLogger();
  const metrics = new InMemoryMetrics();
  const sandbox = await startSandboxServer({ tokenLifetimeSeconds: 120 });
  const { client } = mockKmsWithRealKey();
  seedDemo(sandbox, {
    clientId: DEMO.clientId,
    publicJwk: await kmsPublicJwk(client, TEST_KMS_KEY_ARN),
  });
  const secret = { clientId: DEMO.clientId };
  const policy = policyText(options.policy ?? ALLOW_ALL_POLICY);
  const env = {
    MASKINPORTEN_ISSUER: sandbox.issuer,
    SIGNING_KEY: `kms:${TEST_KMS_KEY_ARN}`,
    BROKER_CONFIG_SECRET: 'maskinporten-broker/test',
    BROKER_ENVIRONMENT: 'test',
    ...FIXTURE_EVENT_SOURCE_ENV,
    BROKER_DEADLINE_MS: '1500',
    ALTINN_PLATFORM_URL: sandbox.altinnPlatformUrl,
    ALTINN_SYSTEM_ID: DEMO.systemId,
    TOKEN_CACHE_TABLE: options.sharedCache ? 'tokens' : undefined,
    TOKEN_CACHE_KMS_KEY: TEST_SEAL_KEY_ARN,
    BROKER_POLICY_PARAMETER: POLICY_PARAMETER,
    ...options.env,
  };
  const handler = createProxyHandler(
    () =>
      createLambdaRuntime({
        env,
        clock: systemClock,
        logger,
        metrics,
        secrets: { getJson: async () => secret },
        parameters: { getText: async () => policy },
        kmsClient: () => client,
        sharedCache: options.sharedCache && (() => options.sharedCache as SharedTokenCache),
      }),
    logger,
    () => createLambdaGate({ env, logger, metrics }),
  );
  const template = privateIamEvent();
  return {
    name: 'lambda',
    sandbox,
    logger,
    metrics,
    close: () => sandbox.close(),
    async call({ method = 'POST', path, body, headers = {} }) {
      const allHeaders = {
        ...(isJson(body) ? { 'Content-Type': 'application/json' } : {}),
        ...headers,
      };
      const bytes = body === undefined ? undefined : Buffer.from(encode(body));
      const event: ApiGatewayProxyEvent = {
        ...template,
        httpMethod: method,
        path,
        headers: allHeaders,
        multiValueHeaders: Object.fromEntries(Object.entries(allHeaders).map(([k, v]) => [k, [v]])),
        queryStringParameters: null,
        multiValueQueryStringParameters: null,
        body: bytes ? bytes.toString('base64') : null,
        isBase64Encoded: bytes !== undefined,
      };
      const [pathOnly, query] = path.split('?');
      event.path = pathOnly ?? path;
      if (query) {
        const params = new URLSearchParams(query);
        event.queryStringParameters = Object.fromEntries(params);
        event.multiValueQueryStringParameters = Object.fromEntries(
          [...new Set(params.keys())].map((key) => [key, params.getAll(key)]),
        );
      }
      const context = { getRemainingTimeInMillis: () => options.remainingTimeMs ?? 30_000 };
      const result = await handler(event, context);
      return assertConforms(
        { method, path },
        toResult(result.statusCode, lowerCaseKeys(result.headers), result.body),
      );
    },
  };
}

export const TRANSPORTS = [
  ['local-server', startLocalTransport],
  ['lambda', startLambdaTransport],
] as const;

function isJson(body: unknown): boolean {
  return body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array);
}

function encode(body: unknown): string | Uint8Array {
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  return JSON.stringify(body);
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function toResult(status: number, headers: Record<string, string>, text: string): CallResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status, headers, text, json };
}
