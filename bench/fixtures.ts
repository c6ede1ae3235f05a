import { randomBytes } from 'node:crypto';
import { InMemoryMetrics } from '../shared/adapters/metrics/in-memory-metrics.js';
import { createDerivedTokenSealer } from '../shared/adapters/sealing/derived-token-sealer.js';
import { createFileGrantSigner } from '../shared/adapters/signing/file-grant-signer.js';
import { generateRsaKeyPemAsync } from '../shared/adapters/signing/signing-key-spec.js';
import { DEFAULT_DEADLINE_MS } from '../shared/config/env-config.js';
import { OPEN_POLICY } from '../shared/domain/caller-policy.js';
import type { ApiRequest } from '../shared/http/api-types.js';
import { type Clock, systemClock } from '../shared/ports/clock.js';
import { Deadline } from '../shared/ports/deadline.js';
import type { GrantSigner } from '../shared/ports/grant-signer.js';
import { type BrokerLogger, silentLogger } from '../shared/ports/logger.js';
import type { SharedTokenCache } from '../shared/ports/token-cache.js';
import { type BrokerRuntime, composeBroker } from '../shared/runtime/compose-broker.js';
import { DEMO, seedDemo } from '../shared/sandbox/demo.js';
import { type SandboxServer, startSandboxServer } from '../shared/sandbox/sandbox.js';

/** A system-user token request for the demo customer: the broker's main use case. */
export const HIT_BODY = {
  scope: DEMO.scopes[0],
  org: DEMO.customers.standard.orgNo,
} as const;

/** The same request with its own RFC 8707 audience: a distinct cache key per `i`. */
export const bodyForResource = (i: number, prefix = 'bench') => ({
  ...HIT_BODY,
  resource: `https://api.example.no/${prefix}/${i}`,
});

/** The sandbox (simulated Maskinporten on loopback) with the demo data and one registered signer. */
export interface BenchSandbox {
  server: SandboxServer;
  signer: GrantSigner;
  close(): Promise<void>;
}

export async function startBenchSandbox(options: {
  signer?: GrantSigner;
  tokenLifetimeSeconds?: number;
  /** The sandbox's clock (default the system clock). */
  clock?: Clock;
}): Promise<BenchSandbox> {
  const server = await startSandboxServer({
    tokenLifetimeSeconds: options.tokenLifetimeSeconds,
    clock: options.clock,
  });
  const signer =
    options.signer ?? (await createFileGrantSigner({ key: await generateRsaKeyPemAsync() }));
  seedDemo(server, { clientId: DEMO.clientId, publicJwk: await signer.publicJwk() });
  return { server, signer, close: () => server.close() };
}

/**
 * The seal every bench instance shares on the table: the local server's derived-key sealer (what
 * it costs is AES-256-GCM per write and per shared read), from one secret per bench run.
 */
const BENCH_SEALER = createDerivedTokenSealer({ secret: randomBytes(32), table: 'bench-tokens' });

/** One broker instance: the composition root the Lambda and the local server use, on the sandbox. */
export interface BenchBroker {
  runtime: BrokerRuntime;
  metrics: InMemoryMetrics;
}

export function createBenchBroker(
  sandbox: BenchSandbox,
  options: {
    shared?: SharedTokenCache;
    memoryEntries?: number;
    logger?: BrokerLogger;
    clock?: Clock;
  } = {},
): BenchBroker {
  const metrics = new InMemoryMetrics();
  const runtime = composeBroker(
    {
      issuer: sandbox.server.issuer,
      clientId: DEMO.clientId,
      policy: OPEN_POLICY,
      deadlineMs: DEFAULT_DEADLINE_MS,
      memoryEntries: options.memoryEntries,
    },
    {
      keys: { active: sandbox.signer, published: [sandbox.signer] },
      clock: options.clock ?? systemClock,
      logger: options.logger ?? silentLogger,
      metrics,
      sharedCache: options.shared,
      tokenSealer: options.shared && BENCH_SEALER,
    },
  );
  return { runtime, metrics };
}

/** A transport-neutral `POST /v1/token` as the node listener would hand it to the API. */
export function tokenApiRequest(body: unknown): ApiRequest {
  return {
    method: 'POST',
    path: '/v1/token',
    query: new URLSearchParams(),
    headers: { 'content-type': 'application/json' },
    caller: { id: 'local', source: 'local-default' },
    body: Buffer.from(JSON.stringify(body)),
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The deadline a benchmark hands `getToken` (the API handler makes its own): long enough never to
 * matter, and made once so the in-process figures measure the service, not a timer per call.
 */
const BENCH_DEADLINE = Deadline.after(24 * 3_600_000);
export const benchDeadline = (): Deadline => BENCH_DEADLINE;
