import { randomUUID } from 'node:crypto';
import {
  altinnTokenCacheKey,
  type BrokerIdentity,
  ownTokenCacheKey,
  tokenCacheKey,
} from '../domain/cache-key.js';
import {
  type CachedToken,
  isInRefreshWindow,
  isServable,
  isUsableWhenStale,
  remainingSeconds,
  requiredRemainingMs,
} from '../domain/cache-policy.js';
import { BrokerError, invalidRequest } from '../domain/errors.js';
import { tokenRefreshWindowSeconds } from '../domain/refresh-margin.js';
import type { TokenRequest } from '../domain/token-request.js';
import type { Clock } from '../ports/clock.js';
import { Deadline, sleep, untilAborted } from '../ports/deadline.js';
import type { BrokerLogger } from '../ports/logger.js';
import type { BrokerMetrics } from '../ports/metrics.js';
import type { RefreshScheduler } from '../ports/refresh-scheduler.js';
import type { SharedTokenCache } from '../ports/token-cache.js';
import type { MemoryTokenCache } from './memory-token-cache.js';
import { RefusalCache } from './refusal-cache.js';
import type { TokenExchanger } from './token-exchanger.js';
import type { TokenFetcher } from './token-fetcher.js';
import { deadlinePassed } from './upstream-errors.js';

/**
 * Where the returned token came from; `stale` means Maskinporten failed and a still-valid token was
 * served; `altinn` is a freshly exchanged Altinn token.
 */
export type TokenSource = 'memory' | 'shared' | 'maskinporten' | 'altinn' | 'stale';

export interface TokenResult {
  token: CachedToken;
  source: TokenSource;
  /** Seconds the token has left, recomputed at answer time. */
  expiresIn: number;
  /**
   * Set when serving this token started a refresh ahead through a scheduler: settles (never
   * rejects) once the refresh is handed off. A transport that stops all work once it has answered
   * (Lambda) waits for it before answering; `getToken` already has.
   */
  handoff?: Promise<void>;
}

/** What a refresh ahead did. */
export type RefreshOutcome =
  /** The shared cache already held a token outside its window (another instance renewed it). */
  | 'fresh'
  /** This call fetched the new token and stored it. */
  | 'refreshed'
  /** Another instance holds the lease and its token did not arrive in time. */
  | 'busy'
  /** Nothing is cached for the key any more: a refresh ahead only renews a token still served. */
  | 'gone';

export interface BrokerServiceOptions {
  identity: { issuer: string; clientId: string };
  fetcher: TokenFetcher;
  memory: MemoryTokenCache;
  /** The cache shared across processes; absent means memory only. */
  shared?: SharedTokenCache;
  clock: Clock;
  metrics: BrokerMetrics;
  logger: BrokerLogger;
  /** How long a crashed holder's lease blocks others (default 8000 ms). */
  leaseMs?: number;
  /** Time kept back for fetching directly when the lease holder is slow (default 2500 ms). */
  fetchReserveMs?: number;
  /** Wait between lease polls: uniform in [min, max] ms (default 40..120). */
  leasePollMs?: readonly [number, number];
  random?: () => number;
  /** Serves `exchange: 'altinn'`: the Maskinporten token (from the cache too), exchanged. */
  exchangers?: { altinn?: TokenExchanger };
  /** Where refreshes ahead run (default: in this process, in the background). */
  refreshScheduler?: RefreshScheduler;
  /** The deadline of a refresh ahead run in this process, ms (default 6000). */
  refreshDeadlineMs?: number;
  /** How long Maskinporten's refusal of a request is answered from memory (default 30 000 ms). */
  refusalTtlMs?: number;
}

/**
 * Asked once per request, just before the request makes Maskinporten (or Altinn, and KMS) work of
 * its own: throws (`rate_limited`) to refuse. Cache hits and waits for another caller's fetch never
 * ask.
 */
export type AdmitMiss = () => void;

/**
 * The broker's one use case: a token for a validated request, from the memory cache, the shared
 * cache or Maskinporten, in that order. Maskinporten sees one request per key per token lifetime:
 * concurrent callers in a process share one fetch, and processes coordinate through a lease on the
 * shared cache item.
 */
export class BrokerService {
  readonly #options: Required<
    Omit<BrokerServiceOptions, 'shared' | 'exchangers' | 'refreshScheduler'>
  > &
    Pick<BrokerServiceOptions, 'shared' | 'exchangers' | 'refreshScheduler'>;
  readonly #inFlight = new Map<string, Flight>();
  /** Cache keys by request object: the token route hands the same frozen request for one body. */
  readonly #keys = new WeakMap<TokenRequest, string>();
  /** Refreshes ahead this process started: key → the token they renew, and when to try again. */
  readonly #refreshes = new Map<string, { expiresAt: number; retryAt: number }>();
  readonly #refusals: RefusalCache;
  readonly #owner = randomUUID();
  #leaseCounter = 0;
  #identity?: BrokerIdentity;

  constructor(options: BrokerServiceOptions) {
    this.#options = {
      ...options,
      leaseMs: options.leaseMs ?? 8_000,
      fetchReserveMs: options.fetchReserveMs ?? 2_500,
      leasePollMs: options.leasePollMs ?? [40, 120],
      random: options.random ?? Math.random,
      refreshDeadlineMs: options.refreshDeadlineMs ?? 6_000,
      refusalTtlMs: options.refusalTtlMs ?? 30_000,
    };
    this.#refusals = new RefusalCache(this.#options.refusalTtlMs);
  }

  /** The identity tokens are minted under; part of every cache key. */
  get identity(): BrokerIdentity {
    // The signer (and so the kid) is fixed for the service's life: build the identity once.
    this.#identity ??= { ...this.#options.identity, kid: this.#options.fetcher.signer.kid };
    return this.#identity;
  }

  /**
   * Forgets Maskinporten's remembered refusals of requests for `org` (in this process): called when
   * the broker sees the org's customer approve a system user or a change of its rights, so the next
   * token request asks Maskinporten again instead of repeating a refusal that no longer holds.
   */
  forgetRefusals(org: string): void {
    this.#refusals.forgetOrg(org);
  }

  /**
   * A token for the request by `deadline` (or `BrokerError`). `admitMiss` is asked before the
   * request makes upstream work of its own (at most once).
   */
  async getToken(
    request: TokenRequest,
    deadline: Deadline,
    admitMiss?: AdmitMiss,
  ): Promise<TokenResult> {
    this.#options.metrics.count('TokenRequests');
    // Refused before any cache read or lease write: the answer cannot change by trying.
    if (request.exchange && !this.#options.exchangers?.[request.exchange]) {
      throw invalidRequest(`exchange: "${request.exchange}" is not configured on this broker`);
    }
    return this.#getToken(request, deadline, admitMiss && once(admitMiss));
  }

  /**
   * A plain token for the broker's own use (the self-service API's admin token, Altinn's vendor
   * token): fetched, cached and refreshed like any other, but under a key of its own
   * ({@link ownTokenCacheKey}), so a caller asking for the same scopes never gets this token from a
   * cache, nor the broker a caller's. No miss budget: it is not a caller's.
   */
  async getOwnToken(scopes: readonly string[], deadline: Deadline): Promise<TokenResult> {
    const request: TokenRequest = {
      scopes: [...new Set(scopes)].sort(),
      minTtl: OWN_TOKEN_MIN_TTL_SECONDS,
      skipCache: false,
    };
    this.#keys.set(request, ownTokenCacheKey(tokenCacheKey(this.identity, request)));
    return this.#getToken(request, deadline, undefined);
  }

  /**
   * What {@link getToken} answers when the token is in this process's memory, at once and without
   * a promise; `undefined` when it is not (then `getToken` goes on to the shared cache and
   * Maskinporten). The token route's hit path. Counts what `getToken` counts for a hit, and
   * throws what it throws for a `minTtl` longer than the token's lifetime.
   */
  fromMemory(request: TokenRequest): TokenResult | undefined {
    if (request.skipCache) return undefined;
    if (request.exchange && !this.#options.exchangers?.[request.exchange]) return undefined;
    const now = this.#options.clock();
    const key = this.#keyOf(request);
    const cached = this.#options.memory.get(key, now);
    if (!cached) return undefined;
    const servable = request.minTtl > cached.lifetime || isServable(cached, now, request.minTtl);
    if (!servable) return undefined;
    this.#options.metrics.count('TokenRequests');
    return this.#memoryHit(key, cached, request, now);
  }

  /** The cache key of a request, worked out once per request object. */
  #keyOf(request: TokenRequest): string {
    let key = this.#keys.get(request);
    if (key === undefined) {
      const plain = tokenCacheKey(this.identity, request);
      key = request.exchange ? altinnTokenCacheKey(plain) : plain;
      this.#keys.set(request, key);
    }
    return key;
  }

  /** A memory hit's answer (or the 400 for a `minTtl` no token of this lifetime can meet). */
  #memoryHit(key: string, cached: CachedToken, request: TokenRequest, now: number): TokenResult {
    requireLifetimeCovers(cached, request.minTtl);
    this.#options.metrics.count('CacheHitMemory');
    const result: TokenResult = {
      token: cached,
      source: 'memory',
      expiresIn: remainingSeconds(cached, now),
    };
    const handoff = this.#refreshIfDue(key, cached, request, now);
    if (handoff) result.handoff = handoff;
    return result;
  }

  /**
   * Refresh ahead: a token served inside its refresh window starts one refresh of its key in this
   * process (again only after {@link REFRESH_RETRY_MS} if that one did not renew it). Only a
   * served token can start one, so a key nobody asks for is never refreshed.
   */
  #refreshIfDue(
    key: string,
    token: CachedToken,
    request: TokenRequest,
    now: number,
  ): Promise<void> | undefined {
    if (request.skipCache || !isInRefreshWindow(token, now)) return undefined;
    const started = this.#refreshes.get(key);
    if (started && started.expiresAt === token.expiresAt && now < started.retryAt) return undefined;
    this.#refreshes.delete(key);
    this.#refreshes.set(key, { expiresAt: token.expiresAt, retryAt: now + REFRESH_RETRY_MS });
    if (this.#refreshes.size > MAX_TRACKED_REFRESHES) {
      this.#refreshes.delete(this.#refreshes.keys().next().value as string);
    }
    const { metrics, logger, refreshScheduler, clock } = this.#options;
    metrics.count('RefreshAhead');
    // The refresh renews the key, whatever this caller's own minTtl.
    const renew: TokenRequest = { ...request, minTtl: 0 };
    if (refreshScheduler) {
      return refreshScheduler.schedule(renew).catch((error: unknown) => {
        metrics.count('RefreshAheadFailures');
        logger.warn('refresh ahead could not be handed off', { error: errorName(error) });
      });
    }
    const deadline = Deadline.after(this.#options.refreshDeadlineMs, clock);
    this.refreshAhead(renew, deadline)
      .catch((error: unknown) => {
        metrics.count('RefreshAheadFailures');
        logger.warn('refresh ahead failed; the token is served until its margin', {
          error: error instanceof BrokerError ? error.kind : errorName(error),
        });
      })
      .finally(() => deadline.dispose());
    return undefined;
  }

  /**
   * Renews the key's token ahead of its expiry, once across instances: if the shared cache already
   * holds a token outside its refresh window (another instance renewed it), that one is taken into
   * memory; otherwise whoever takes the lease (free, and no stored token outside the window)
   * fetches and stores, and the others wait for its token. Never answers with a token: the Lambda
   * runs it for a refresh event, which must not return one.
   */
  async refreshAhead(request: TokenRequest, deadline: Deadline): Promise<RefreshOutcome> {
    const { shared, memory, clock, fetchReserveMs } = this.#options;
    const key = this.#keyOf(request);
    const known = memory.get(key, clock());
    if (!shared) {
      if (!known) return 'gone';
      await this.#renew(key, request, deadline);
      return 'refreshed';
    }
    const reserve = Math.min(fetchReserveMs, deadline.remaining() / 2);
    const cache = deadline.before(deadline.at - reserve);
    try {
      const stored = await shared.get(key, { consistent: true }, cache);
      const current = later(known, stored);
      let now = clock();
      if (!current || current.expiresAt <= now) return 'gone';
      if (!isInRefreshWindow(current, now)) {
        memory.set(key, current);
        return 'fresh';
      }
      const owner = `${this.#owner}:${++this.#leaseCounter}`;
      const windowMs = tokenRefreshWindowSeconds(current.lifetime) * 1000;
      for (;;) {
        now = clock();
        const leased = await shared.tryAcquireLease(
          key,
          { owner, now, leaseUntil: now + this.#options.leaseMs, freshAfter: now + windowMs },
          cache,
        );
        if (leased) {
          await this.#renew(key, request, deadline, owner);
          return 'refreshed';
        }
        if (cache.remaining() <= 0) return 'busy';
        this.#options.metrics.count('LeaseWaits');
        await sleep(this.#pollDelay());
        const renewed = await shared.get(key, { consistent: true }, cache);
        if (renewed && renewed.expiresAt > clock() && !isInRefreshWindow(renewed, clock())) {
          memory.set(key, renewed);
          return 'fresh';
        }
      }
    } finally {
      cache.dispose();
    }
  }

  /**
   * A refresh's fetch and store; a failed one releases the lease and leaves the old token.
   *
   * A refresh ahead is the broker's own work, started by a hit, so it spends no caller's miss
   * budget, and it asks Maskinporten even when a refusal is remembered for the key: that refusal
   * was of a request the cached token could not answer (a forced refresh, a longer `minTtl`), the
   * token being renewed shows Maskinporten granted the key, and a refresh asks at most once per
   * window per instance. Its answer then counts like any fetch's: a new token ends the remembered
   * refusal; a refusal is remembered, so callers the old token cannot serve get it without another
   * call, while hits keep getting the old token until its margin.
   */
  async #renew(key: string, request: TokenRequest, deadline: Deadline, owner?: string) {
    const { fetcher, memory, shared, clock } = this.#options;
    let token: CachedToken;
    try {
      token = await (request.exchange
        ? this.#exchange(request, deadline, undefined)
        : fetcher.fetch(request, deadline));
    } catch (error) {
      this.#refusals.remember(key, error, clock());
      if (owner && shared) {
        const cleanup = Deadline.after(SHARED_WRITE_WAIT_MS, clock);
        shared.releaseLease(key, owner, cleanup).finally(() => cleanup.dispose());
      }
      throw error;
    }
    memory.set(key, token);
    this.#refreshes.delete(key);
    this.#refusals.forget(key);
    if (shared) {
      const write = deadline.within(SHARED_WRITE_WAIT_MS);
      try {
        await shared.put(key, token, { owner }, write);
      } finally {
        write.dispose();
      }
    }
  }

  /** One token by `deadline`; an exchange's inner lookup shares its caller's. */
  async #getToken(
    request: TokenRequest,
    deadline: Deadline,
    admitMiss: AdmitMiss | undefined,
  ): Promise<TokenResult> {
    const { clock, memory, metrics } = this.#options;
    const key = this.#keyOf(request);
    const now = clock();
    if (!request.skipCache) {
      const cached = memory.get(key, now);
      if (cached) {
        requireLifetimeCovers(cached, request.minTtl);
        if (isServable(cached, now, request.minTtl)) {
          const hit = this.#memoryHit(key, cached, request, now);
          if (hit.handoff) await hit.handoff;
          return hit;
        }
      }
    }
    // Maskinporten refused this very request a moment ago: say so again instead of asking again.
    const refused = this.#refusals.get(key, now);
    if (refused) {
      metrics.count('RefusalCacheHits');
      throw refused;
    }
    // Callers share a flight only when they ask the same of it: same key, same minTtl, same refresh.
    const flightKey = `${key}#${request.minTtl}${request.skipCache ? '#refresh' : ''}`;
    const joined = this.#inFlight.get(flightKey);
    if (!joined) {
      const result = this.#resolve(key, request, deadline, admitMiss).finally(() => {
        this.#inFlight.delete(flightKey);
      });
      this.#inFlight.set(flightKey, { result, until: deadline.at });
      return this.#forCaller(await result, request);
    }
    try {
      // The flight ends by its first caller's deadline; a caller due sooner stops waiting sooner.
      if (joined.until <= deadline.at) return this.#forCaller(await joined.result, request);
      return this.#forCaller(await untilAborted(joined.result, deadline.signal), request);
    } catch (error) {
      // The flight's first caller was over its miss budget: that is not this caller's answer.
      if (error instanceof BrokerError && error.kind === 'rate_limited') {
        return this.#getToken(request, deadline, admitMiss);
      }
      if (error instanceof BrokerError || !deadline.signal.aborted) throw error;
      throw deadlinePassed('waiting for the token another request is fetching');
    }
  }

  /** A shared flight's result, checked against this caller's own `minTtl`. */
  #forCaller(result: TokenResult, request: TokenRequest): TokenResult {
    const now = this.#options.clock();
    requireLifetimeCovers(result.token, request.minTtl);
    return { ...result, expiresIn: remainingSeconds(result.token, now) };
  }

  async #resolve(
    key: string,
    request: TokenRequest,
    deadline: Deadline,
    admitMiss: AdmitMiss | undefined,
  ): Promise<TokenResult> {
    const { shared, memory, clock, fetchReserveMs } = this.#options;
    const stale = request.skipCache ? undefined : memory.get(key, clock());
    const fetch: Fetch = { key, request, deadline, stale, admitMiss };
    if (!shared) return this.#fetchAndStore(fetch);
    // A slow table may not eat the fetch's time: reads and lease attempts stop at this sub-deadline.
    const reserve = Math.min(fetchReserveMs, deadline.remaining() / 2);
    const cache = deadline.before(deadline.at - reserve);
    try {
      return await this.#coordinate(shared, fetch, cache);
    } finally {
      cache.dispose();
    }
  }

  /**
   * Through the shared cache: a token another process stored, or the lease to fetch one, or a wait
   * for the holder's token; a caller whose deadline nears fetches itself.
   */
  async #coordinate(shared: SharedTokenCache, fetch: Fetch, cache: Deadline): Promise<TokenResult> {
    const { clock, fetchReserveMs } = this.#options;
    const { key, request, deadline } = fetch;
    let stale = fetch.stale;
    if (!request.skipCache) {
      const hit = await this.#readShared(key, request, false, cache);
      if (hit.servable) return hit.servable;
      stale = later(stale, hit.stale);
    }
    const owner = `${this.#owner}:${++this.#leaseCounter}`;
    // A refresh waiting on another holder's lease accepts only a token fetched after it was asked.
    const receivedSince = request.skipCache ? clock() : undefined;
    for (;;) {
      const now = clock();
      const freshAfter = request.skipCache
        ? Number.MAX_SAFE_INTEGER
        : now + requiredRemainingMs(stale ?? { lifetime: Number.MAX_SAFE_INTEGER }, request.minTtl);
      // No answer in time means no coordination is possible: fetch as if the lease were ours.
      const leased = await shared.tryAcquireLease(
        key,
        { owner, now, leaseUntil: now + this.#options.leaseMs, freshAfter },
        cache,
      );
      if (leased) return this.#fetchAndStore({ ...fetch, stale, owner });
      if (deadline.remaining() <= fetchReserveMs) {
        // The holder is slow or gone: answer within the deadline rather than wait for it.
        return this.#fetchAndStore({ ...fetch, stale });
      }
      this.#options.metrics.count('LeaseWaits');
      await sleep(this.#pollDelay());
      const hit = await this.#readShared(key, request, true, cache, receivedSince);
      if (hit.servable) return hit.servable;
      stale = later(stale, hit.stale);
    }
  }

  async #readShared(
    key: string,
    request: TokenRequest,
    consistent: boolean,
    cache: Deadline,
    receivedSince?: number,
  ): Promise<{ servable?: TokenResult; stale?: CachedToken }> {
    const { shared, memory, clock, metrics } = this.#options;
    if (!shared) return {};
    const token = await shared.get(key, { consistent }, cache);
    if (!token) return {};
    const now = clock();
    if (token.expiresAt <= now) return {};
    if (receivedSince !== undefined && receivedAt(token) < receivedSince) return {};
    // A minTtl beyond the token's lifetime is refused per caller (400); fetching again cannot help
    // it, so such a token counts as servable as long as it is outside the refresh margin.
    const minTtl = request.minTtl > token.lifetime ? 0 : request.minTtl;
    if (!isServable(token, now, minTtl)) return { stale: token };
    memory.set(key, token);
    metrics.count('CacheHitShared');
    const servable: TokenResult = {
      token,
      source: 'shared',
      expiresIn: remainingSeconds(token, now),
    };
    const handoff = this.#refreshIfDue(key, token, request, now);
    if (handoff) await handoff;
    return { servable };
  }

  async #fetchAndStore(fetch: Fetch): Promise<TokenResult> {
    const { key, request, deadline, stale, owner, admitMiss } = fetch;
    const { fetcher, memory, shared, clock, metrics, logger } = this.#options;
    let token: CachedToken;
    try {
      admitMiss?.();
      metrics.count('CacheMiss');
      token = await (request.exchange
        ? this.#exchange(request, deadline, admitMiss)
        : fetcher.fetch(request, deadline));
    } catch (error) {
      this.#refusals.remember(key, error, clock(), request.org);
      // Not awaited, and on its own short deadline (the caller's may be spent): the answer must
      // not wait on the table, and a lost release just expires.
      if (owner && shared) {
        const cleanup = Deadline.after(SHARED_WRITE_WAIT_MS, clock);
        shared.releaseLease(key, owner, cleanup).finally(() => cleanup.dispose());
      }
      const now = clock();
      if (isTransient(error) && stale && isUsableWhenStale(stale, now, request.minTtl)) {
        metrics.count('StaleServed');
        logger.warn('serving a still-valid token while Maskinporten fails', {
          reason: (error as Error).message,
          expiresIn: remainingSeconds(stale, now),
        });
        return { token: stale, source: 'stale', expiresIn: remainingSeconds(stale, now) };
      }
      throw error;
    }
    this.#refusals.forget(key);
    // A refresh replaces the cached token even if that one would have lived longer.
    if (request.skipCache) memory.replace(key, token);
    else memory.set(key, token);
    if (shared) {
      // Others may be waiting for this write, but a token in hand is not held back by a dead table.
      const write = deadline.within(SHARED_WRITE_WAIT_MS);
      try {
        await shared.put(key, token, { owner, replace: request.skipCache }, write);
      } finally {
        write.dispose();
      }
    }
    const source = request.exchange ? 'altinn' : 'maskinporten';
    return { token, source, expiresIn: remainingSeconds(token, clock()) };
  }

  /** The fetch step of an exchanged token: the Maskinporten token as usual, then exchanged. */
  async #exchange(
    request: TokenRequest,
    deadline: Deadline,
    admitMiss: AdmitMiss | undefined,
  ): Promise<CachedToken> {
    const exchanger = request.exchange ? this.#options.exchangers?.[request.exchange] : undefined;
    if (!exchanger) throw new TypeError('exchange requested without an exchanger'); // checked in getToken
    const plain: TokenRequest = { ...request, minTtl: 0 };
    delete plain.exchange;
    const { token } = await this.#getToken(plain, deadline, admitMiss);
    return exchanger.exchange(token, deadline);
  }

  #pollDelay(): number {
    const [min, max] = this.#options.leasePollMs;
    return min + Math.floor(this.#options.random() * (max - min));
  }
}

/** How long a caller with a fresh token waits for it to reach the shared cache (or to release). */
const SHARED_WRITE_WAIT_MS = 500;

/** What the broker's own tokens must still be valid for: a few admin calls, with room to spare. */
const OWN_TOKEN_MIN_TTL_SECONDS = 30;

/** A refresh ahead that did not renew the token may be started again after this long. */
const REFRESH_RETRY_MS = 5_000;
/** Refreshes remembered per process (the memory cache's default bound). */
const MAX_TRACKED_REFRESHES = 10_000;

const errorName = (error: unknown) => (error instanceof Error ? error.name : typeof error);

/** What a fetch is for, and what it may fall back on. */
interface Fetch {
  key: string;
  request: TokenRequest;
  deadline: Deadline;
  /** A still-valid token to serve if Maskinporten fails. */
  stale: CachedToken | undefined;
  /** The shared-cache lease this fetch holds, if any. */
  owner?: string;
  admitMiss: AdmitMiss | undefined;
}

/** `admit`, asked at most once (an exchange's inner fetch is part of the same request). */
function once(admit: AdmitMiss): AdmitMiss {
  let admitted = false;
  return () => {
    if (admitted) return;
    admit();
    admitted = true;
  };
}

/** A single flight for one key: its result, and the epoch ms by which it settles. */
interface Flight {
  result: Promise<TokenResult>;
  until: number;
}

/** A token that lives shorter than `minTtl` can never satisfy it: say so instead of refetching. */
function requireLifetimeCovers(token: CachedToken, minTtl: number): void {
  if (minTtl > token.lifetime) {
    throw invalidRequest(
      `minTtl: ${minTtl} s is longer than the ${token.lifetime} s lifetime Maskinporten gives this token`,
    );
  }
}

function isTransient(error: unknown): boolean {
  return (
    error instanceof BrokerError &&
    (error.kind === 'upstream_unavailable' || error.kind === 'upstream_timeout')
  );
}

/** Epoch ms when Maskinporten issued the token (`expiresAt` is receipt time + `expires_in`). */
const receivedAt = (token: CachedToken) => token.expiresAt - token.lifetime * 1000;

function later(a: CachedToken | undefined, b: CachedToken | undefined): CachedToken | undefined {
  if (!a) return b;
  if (!b) return a;
  return b.expiresAt > a.expiresAt ? b : a;
}
