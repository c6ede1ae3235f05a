import { isReusable } from '../client/src/token-cache.js';
import { InMemoryMetrics } from '../shared/adapters/metrics/in-memory-metrics.js';
import { BrokerService, type TokenSource } from '../shared/app/broker-service.js';
import { MemoryTokenCache } from '../shared/app/memory-token-cache.js';
import { TokenFetcher } from '../shared/app/token-fetcher.js';
import type { CachedToken } from '../shared/domain/cache-policy.js';
import { parseTokenRequest, type TokenRequest } from '../shared/domain/token-request.js';
import type { AuthorizationServer } from '../shared/ports/authorization-server.js';
import { Deadline } from '../shared/ports/deadline.js';
import type { GrantSigner } from '../shared/ports/grant-signer.js';
import { silentLogger } from '../shared/ports/logger.js';
import type { LeaseRequest, PutOptions, SharedTokenCache } from '../shared/ports/token-cache.js';

/** One simulated hour (or `seconds`) of traffic against the real `BrokerService`. */
export interface SimulationOptions {
  keys: number;
  /** Token requests per second over all keys (each for a key drawn at random). */
  requestsPerSecond: number;
  lifetime: number;
  /** Broker instances (each with its own memory cache) sharing one shared cache. */
  instances: number;
  seconds?: number;
  seed?: number;
  /**
   * Callers with the client library's cache: each of `callers` processes holds the tokens it got
   * and asks the broker only when `client/`'s `isReusable` says so (requests spread evenly).
   */
  clientCallers?: number;
}

export interface SimulationResult {
  /** Requests made by the callers (before any client cache). */
  callerRequests: number;
  /** Requests that reached the broker. */
  brokerRequests: number;
  maskinportenCalls: number;
  signatures: number;
  sources: Record<TokenSource, number>;
  refreshesStarted: number;
  wallMs: number;
}

/**
 * The capacity model's check: the real `BrokerService` (memory cache, shared cache with the
 * table's lease contract, refresh ahead in the background, the real `TokenFetcher`) on a virtual
 * clock, under Poisson traffic spread evenly over `keys` keys and `instances` instances. The
 * upstreams answer at once (a Maskinporten that counts token requests, a signer that counts
 * signatures), every port resolves without a timer, and background refreshes finish before the
 * next request: an hour of 10,000 keys takes seconds. Deterministic for a seed.
 */
export async function simulate(options: SimulationOptions): Promise<SimulationResult> {
  const started = performance.now();
  const seconds = options.seconds ?? 3600;
  const random = mulberry32(options.seed ?? 13);
  let now = 1_800_000_000_000;
  const clock = () => now;
  const counts = { maskinporten: 0, signatures: 0 };
  const server: AuthorizationServer = {
    metadata: async () => ({ issuer: 'https://sim.maskinporten.no/', token_endpoint: 'x' }),
    requestToken: async () => {
      counts.maskinporten++;
      return {
        access_token: `token-${counts.maskinporten}`,
        token_type: 'Bearer',
        expires_in: options.lifetime,
      };
    },
  };
  const signer: GrantSigner = {
    kid: 'sim',
    sign: async () => {
      counts.signatures++;
      return 'header.payload.signature';
    },
    publicJwk: async () => {
      throw new Error('not used');
    },
  };
  const shared = new InstantSharedCache();
  const brokers = Array.from({ length: options.instances }, () => {
    const metrics = new InMemoryMetrics();
    const fetcher = new TokenFetcher({
      server,
      signer,
      clientId: 'sim',
      clock,
      metrics,
      logger: silentLogger,
      random,
    });
    const service = new BrokerService({
      identity: { issuer: 'https://sim.maskinporten.no/', clientId: 'sim' },
      fetcher,
      memory: new MemoryTokenCache(Math.max(10_000, options.keys)),
      shared,
      clock,
      metrics,
      logger: silentLogger,
      random,
    });
    return { service, metrics };
  });
  const requests: TokenRequest[] = Array.from({ length: options.keys }, (_, k) =>
    Object.freeze(
      parseTokenRequest({
        scope: 'krr:global/kontaktinformasjon.read',
        resource: `https://api.example.no/sim/${k}`,
      }),
    ),
  );
  const callers = options.clientCallers ?? 0;
  const held = new Map<
    number,
    {
      accessToken: string;
      tokenType: string;
      scope: string;
      expiresAt: number;
      lifetime: number;
      source: 'memory';
    }
  >();
  const sources: Record<TokenSource, number> = {
    memory: 0,
    shared: 0,
    maskinporten: 0,
    altinn: 0,
    stale: 0,
  };
  let callerRequests = 0;
  let brokerRequests = 0;
  const start = now;
  const end = start + seconds * 1000;
  let t = start;
  for (;;) {
    t += (-Math.log(1 - random()) / options.requestsPerSecond) * 1000;
    if (t >= end) break;
    now = Math.floor(t);
    callerRequests++;
    const key = Math.floor(random() * options.keys);
    if (callers > 0) {
      const caller = Math.floor(random() * callers);
      const slot = caller * options.keys + key;
      const token = held.get(slot);
      if (token && isReusable(token, now, 0)) continue;
      const answer = await ask(key);
      // A Maskinporten token is a JWT: the client sizes its margin by the whole lifetime.
      held.set(slot, {
        accessToken: answer.token.accessToken,
        tokenType: 'Bearer',
        scope: answer.token.scope,
        expiresAt: now + answer.expiresIn * 1000,
        lifetime: answer.token.lifetime,
        source: 'memory',
      });
    } else {
      await ask(key);
    }
  }

  async function ask(key: number) {
    brokerRequests++;
    const broker = brokers[Math.floor(random() * brokers.length)] as (typeof brokers)[number];
    const deadline = Deadline.after(6_000, clock);
    const refreshes = broker.metrics.get('RefreshAhead');
    try {
      const answer = await broker.service.getToken(requests[key] as TokenRequest, deadline);
      sources[answer.source]++;
      // A refresh it started runs on resolved promises: let it finish before time moves on.
      if (broker.metrics.get('RefreshAhead') !== refreshes) {
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      return answer;
    } finally {
      deadline.dispose();
    }
  }

  return {
    callerRequests,
    brokerRequests,
    maskinportenCalls: counts.maskinporten,
    signatures: counts.signatures,
    sources,
    refreshesStarted: brokers.reduce((n, b) => n + b.metrics.get('RefreshAhead'), 0),
    wallMs: performance.now() - started,
  };
}

/**
 * The shared cache's contract (the DynamoDB adapter's conditions) in a map, answering on resolved
 * promises: the lease is taken only if free (or mine) and no stored token lives past
 * `freshAfter`; a stored token never moves backwards unless replaced; only the owner releases.
 */
class InstantSharedCache implements SharedTokenCache {
  readonly #items = new Map<string, { token?: CachedToken; owner?: string; until?: number }>();

  async get(key: string): Promise<CachedToken | undefined> {
    return this.#items.get(key)?.token;
  }

  async tryAcquireLease(key: string, lease: LeaseRequest): Promise<boolean> {
    const item = this.#items.get(key) ?? {};
    const free = item.until === undefined || item.until < lease.now || item.owner === lease.owner;
    const stale = !item.token || item.token.expiresAt < lease.freshAfter;
    if (!free || !stale) return false;
    this.#items.set(key, { ...item, owner: lease.owner, until: lease.leaseUntil });
    return true;
  }

  async put(key: string, token: CachedToken, options: PutOptions): Promise<void> {
    const item = this.#items.get(key) ?? {};
    const mine = options.owner === undefined || !item.owner || item.owner === options.owner;
    const forward = options.replace || !item.token || item.token.expiresAt <= token.expiresAt;
    if (!mine || !forward) return;
    const released = item.owner === options.owner ? {} : { owner: item.owner, until: item.until };
    this.#items.set(key, { token, ...released });
  }

  async releaseLease(key: string, owner: string): Promise<void> {
    const item = this.#items.get(key);
    if (item?.owner === owner) this.#items.set(key, { token: item.token });
  }
}

/** A small seeded PRNG (mulberry32): the same traffic for the same seed. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
