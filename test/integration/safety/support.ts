import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { SignCommand } from '@aws-sdk/client-kms';
import { type LocalServer, startLocalServer } from '../../../functions/local/server.js';
import {
  createLambdaGate,
  createLambdaRuntime,
  createProxyHandler,
  type LambdaRuntime,
} from '../../../functions/token/create-handler.js';
import type {
  ApiGatewayProxyEvent,
  ApiGatewayProxyResult,
} from '../../../shared/adapters/http/apigateway-event.js';
import { InMemoryMetrics } from '../../../shared/adapters/metrics/in-memory-metrics.js';
import { kmsPublicJwk } from '../../../shared/adapters/signing/kms-grant-signer.js';
import { systemClock } from '../../../shared/ports/clock.js';
import type { BrokerLogger } from '../../../shared/ports/logger.js';
import type { SharedTokenCache } from '../../../shared/ports/token-cache.js';
import { DEMO, seedDemo } from '../../../shared/sandbox/demo.js';
import type { Sandbox } from '../../../shared/sandbox/sandbox.js';
import { startSandboxServer } from '../../../shared/sandbox/sandbox.js';
import { FIXTURE_EVENT_SOURCE_ENV, privateIamEvent } from '../../support/apigateway-events.js';
import {
  ALLOW_ALL_POLICY,
  type CallOptions,
  type CallResult,
  POLICY_PARAMETER,
  policyText,
} from '../../support/broker-transports.js';
import { mockKmsWithRealKey, TEST_KMS_KEY_ARN, TEST_SEAL_KEY_ARN } from '../../support/kms-mock.js';
import { assertConforms } from '../../support/openapi-conformance.js';
import { RecordingLogger } from '../../support/recording-logger.js';

export const SCOPE = 'krr:global/kontaktinformasjon.read';
export const OTHER_SCOPE = 'skatteetaten:mvameldinger';
export const { standard, withExternalRef, agent, withoutSystemUser } = DEMO.customers;

/** JWT-shaped text, a PEM private key, or a private JWK member: none may ever be logged. */
export const SECRET_PATTERNS: readonly RegExp[] = [
  /eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*/,
  /PRIVATE KEY/,
  /"d":"/,
];

/** Every secret-shaped hit in `text`, and every given token value (or one of its parts) found in it. */
export function secretHits(text: string, tokens: Iterable<string> = []): string[] {
  const hits: string[] = [];
  for (const pattern of SECRET_PATTERNS) {
    const match = new RegExp(pattern.source, 'g');
    for (const found of text.matchAll(match))
      hits.push(`${pattern.source}: ${found[0].slice(0, 40)}`);
  }
  for (const token of tokens) {
    const signature = token.split('.')[2] ?? token;
    if (text.includes(token) || (signature.length > 20 && text.includes(signature))) {
      hits.push(`token value ${token.slice(0, 12)}...`);
    }
  }
  return hits;
}

let unique = 0;
/** A resource no other request asked for: a cold cache key. */
export const freshResource = (tag = 'safety') =>
  `https://api.example.no/${tag}/${process.pid}/${Date.now()}/${++unique}`;

/** Writes a policy (or any text) to a temp file; `cleanup` removes the folder. */
export function tempPolicyFile(content: unknown): { path: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'broker-policy-'));
  const path = join(dir, 'policy.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Harness {
  name: 'local-server' | 'lambda';
  sandbox: Sandbox;
  logger: RecordingLogger;
  metrics: InMemoryMetrics;
  call(options: CallOptions): Promise<CallResult>;
  close(): Promise<void>;
}

export interface LocalHarness extends Harness {
  name: 'local-server';
  server: LocalServer;
}

export interface LocalHarnessOptions {
  env?: Record<string, string>;
  /** Also gets every log line (e.g. a Powertools logger writing to stdout). */
  tee?: BrokerLogger;
}

/** The local server in sandbox mode, with a recording logger (optionally teed) and the server itself. */
export async function startLocalHarness(options: LocalHarnessOptions = {}): Promise<LocalHarness> {
  const logger = new RecordingLogger();
  const metrics = new InMemoryMetrics();
  const server = await startLocalServer({
    env: { PORT: '0', BROKER_DEADLINE_MS: '1500', ...options.env },
    logger: options.tee ? teeLogger(logger, options.tee) : logger,
    metrics,
  });
  const sandbox = server.sandbox;
  if (!sandbox) throw new Error('expected sandbox mode');
  return {
    name: 'local-server',
    server,
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

export interface LambdaHarness extends Harness {
  name: 'lambda';
  handler(event: ApiGatewayProxyEvent): Promise<ApiGatewayProxyResult>;
  /** An event shaped like the recorded SigV4 capture; `userArn: null` drops the identity. */
  event(options: CallOptions & { userArn?: string | null }): ApiGatewayProxyEvent;
  callAs(userArn: string | null, options: CallOptions): Promise<CallResult>;
  /** Changes the caller policy in the SSM parameter (an object as JSON, a string as it is). */
  setPolicy(policy: unknown): void;
  /** The next `times` reads of the policy parameter fail with `error`. */
  failPolicyRead(error: Error, times?: number): void;
  /** Reads of the policy parameter so far. */
  policyReads(): number;
  /** The next `times` KMS Sign calls fail with `error` (or never answer, for `'hang'`). */
  failSign(error: Error | 'hang', times?: number): void;
  /** The runtime, once the first request has built it. */
  runtime(): LambdaRuntime | undefined;
  /** KMS Sign calls made so far. */
  signCalls(): number;
}

export interface LambdaHarnessOptions {
  /** The whole secret; default `{clientId}`. */
  secret?: Record<string, unknown>;
  /**
   * The caller policy in the SSM parameter (an object as JSON, a string as it is); default
   * `ALLOW_ALL_POLICY`; `null` configures no parameter (`BROKER_POLICY_PARAMETER` unset).
   */
  policy?: unknown;
  env?: Record<string, string>;
  sharedCache?: SharedTokenCache;
  tee?: BrokerLogger;
  clock?: () => number;
  /** Point the broker at the sandbox's Altinn (the exchange, the system-user endpoints). */
  altinn?: boolean;
}

/**
 * The Lambda proxy handler as `functions/token/handler.ts` builds it, over a sandbox on loopback
 * and a KMS mock with a real key, with control of the secret, the event and KMS Sign failures.
 */
export async function startLambdaHarness(
  options: LambdaHarnessOptions = {},
): Promise<LambdaHarness> {
  const recording = new RecordingLogger();
  const logger = options.tee ? teeLogger(recording, options.tee) : recording;
  const metrics = new InMemoryMetrics();
  // The sandbox shares the broker's clock, so a test may move time for both.
  const sandbox = await startSandboxServer({ tokenLifetimeSeconds: 120, clock: options.clock });
  const { client } = mockKmsWithRealKey();
  seedDemo(sandbox, {
    clientId: DEMO.clientId,
    publicJwk: await kmsPublicJwk(client, TEST_KMS_KEY_ARN),
  });

  // KMS Sign faults: wrap the (already mocked) client's send for Sign commands only.
  const signFaults: Array<Error | 'hang'> = [];
  let signCalls = 0;
  const mockedSend = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  (client as unknown as { send: (command: unknown) => Promise<unknown> }).send = (command) => {
    if (command instanceof SignCommand) {
      signCalls++;
      const fault = signFaults.shift();
      if (fault === 'hang') return new Promise(() => {});
      if (fault) return Promise.reject(fault);
    }
    return mockedSend(command);
  };

  const secret = options.secret ?? { clientId: DEMO.clientId };
  let policy = policyText(options.policy === undefined ? ALLOW_ALL_POLICY : options.policy);
  const policyFaults: Error[] = [];
  let policyReads = 0;
  let built: LambdaRuntime | undefined;
  const env = {
    MASKINPORTEN_ISSUER: sandbox.issuer,
    SIGNING_KEY: `kms:${TEST_KMS_KEY_ARN}`,
    BROKER_CONFIG_SECRET: 'maskinporten-broker/test/config',
    BROKER_ENVIRONMENT: 'test',
    ...FIXTURE_EVENT_SOURCE_ENV,
    BROKER_DEADLINE_MS: '1500',
    TOKEN_CACHE_TABLE: options.sharedCache ? 'tokens' : undefined,
    TOKEN_CACHE_KMS_KEY: TEST_SEAL_KEY_ARN,
    BROKER_POLICY_PARAMETER: options.policy === null ? undefined : POLICY_PARAMETER,
    ALTINN_PLATFORM_URL: options.altinn ? sandbox.altinnPlatformUrl : undefined,
    ALTINN_SYSTEM_ID: options.altinn ? DEMO.systemId : undefined,
    ...options.env,
  };
  const handler = createProxyHandler(
    async () => {
      built = await createLambdaRuntime({
        env,
        clock: options.clock ?? systemClock,
        logger,
        metrics,
        secrets: { getJson: async () => structuredClone(secret) },
        parameters: {
          getText: async (name) => {
            policyReads++;
            if (name !== POLICY_PARAMETER) throw new Error(`unexpected parameter ${name}`);
            const fault = policyFaults.shift();
            if (fault) throw fault;
            return policy;
          },
        },
        kmsClient: () => client,
        sharedCache: options.sharedCache && (() => options.sharedCache as SharedTokenCache),
      });
      return built;
    },
    logger,
    () => createLambdaGate({ env, logger, metrics }),
  );

  const template = privateIamEvent();
  const event = ({
    method = 'POST',
    path,
    body,
    headers = {},
    userArn,
  }: CallOptions & { userArn?: string | null }): ApiGatewayProxyEvent => {
    const allHeaders = {
      ...(isJson(body) ? { 'Content-Type': 'application/json' } : {}),
      ...headers,
    };
    const bytes = body === undefined ? undefined : Buffer.from(encode(body));
    const [pathOnly, query] = path.split('?');
    const params = new URLSearchParams(query ?? '');
    const identity = template.requestContext?.identity ?? {};
    return {
      ...template,
      httpMethod: method,
      path: pathOnly ?? path,
      headers: allHeaders,
      multiValueHeaders: Object.fromEntries(Object.entries(allHeaders).map(([k, v]) => [k, [v]])),
      queryStringParameters: query ? Object.fromEntries(params) : null,
      multiValueQueryStringParameters: query
        ? Object.fromEntries([...new Set(params.keys())].map((key) => [key, params.getAll(key)]))
        : null,
      body: bytes ? bytes.toString('base64') : null,
      isBase64Encoded: bytes !== undefined,
      requestContext: {
        ...template.requestContext,
        identity: userArn === undefined ? identity : { ...identity, userArn },
      },
    };
  };
  const invoke = async (ev: ApiGatewayProxyEvent) => {
    const result = await handler(ev);
    return assertConforms(
      { method: ev.httpMethod ?? 'GET', path: ev.path || '/' },
      toResult(result.statusCode, lowerCaseKeys(result.headers), result.body),
    );
  };
  return {
    name: 'lambda',
    sandbox,
    logger: recording,
    metrics,
    handler,
    event,
    call: (options) => invoke(event(options)),
    callAs: (userArn, options) => invoke(event({ ...options, userArn })),
    setPolicy(next) {
      policy = policyText(next);
    },
    failPolicyRead(error, times = 1) {
      for (let i = 0; i < times; i++) policyFaults.push(error);
    },
    policyReads: () => policyReads,
    failSign(error, times = 1) {
      for (let i = 0; i < times; i++) signFaults.push(error);
    },
    runtime: () => built,
    signCalls: () => signCalls,
    close: () => sandbox.close(),
  };
}

export const HARNESSES = [
  ['local-server', startLocalHarness],
  ['lambda', startLambdaHarness],
] as const;

/** Sends every line to both loggers. */
export function teeLogger(a: BrokerLogger, b: BrokerLogger): BrokerLogger {
  const both =
    (level: keyof BrokerLogger) =>
    (message: string, fields?: Record<string, unknown>): void => {
      a[level](message, fields);
      b[level](message, fields);
    };
  return { debug: both('debug'), info: both('info'), warn: both('warn'), error: both('error') };
}

/**
 * Everything written to this process's stdout and stderr, and every console call, until `stop()`.
 * With `passThrough: false` the writes are swallowed (the test output stays readable).
 */
export function captureOutput(options: { passThrough?: boolean } = {}): {
  text(): string;
  stop(): void;
} {
  const passThrough = options.passThrough ?? true;
  const chunks: string[] = [];
  const streams = [process.stdout, process.stderr] as const;
  const writes = streams.map((stream) => stream.write);
  streams.forEach((stream, i) => {
    const original = writes[i] as (...args: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]): boolean => {
      chunks.push(
        typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'),
      );
      if (passThrough) return original.call(stream, chunk, ...rest);
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof stream.write;
  });
  const methods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
  const consoleMethods = methods.map((name) => console[name]);
  methods.forEach((name, i) => {
    const original = consoleMethods[i] as (...args: unknown[]) => void;
    console[name] = (...args: unknown[]) => {
      chunks.push(
        `${args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg))).join(' ')}\n`,
      );
      if (passThrough) original.apply(console, args);
    };
  });
  return {
    text: () => chunks.join(''),
    stop() {
      streams.forEach((stream, i) => {
        stream.write = writes[i] as typeof stream.write;
      });
      methods.forEach((name, i) => {
        console[name] = consoleMethods[i] as (typeof console)[typeof name];
      });
    },
  };
}

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

export function toResult(
  status: number,
  headers: Record<string, string>,
  text: string,
): CallResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status, headers, text, json };
}
