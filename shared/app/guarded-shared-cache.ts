import type { CachedToken } from '../domain/cache-policy.js';
import type { Clock } from '../ports/clock.js';
import type { BrokerLogger } from '../ports/logger.js';
import type { BrokerMetrics } from '../ports/metrics.js';
import type { LeaseRequest, PutOptions, SharedTokenCache } from '../ports/token-cache.js';

/** Options for {@link GuardedSharedCache}. */
export interface GuardedSharedCacheOptions {
  inner: SharedTokenCache;
  /** Drives the open → half-open transition (the operation timeout uses real timers). */
  clock: Clock;
  metrics: BrokerMetrics;
  logger: BrokerLogger;
  /** Consecutive failures that open the circuit. Default 3. */
  failureThreshold?: number;
  /** How long the circuit stays open before one probe call is let through. Default 30 000 ms. */
  openMs?: number;
  /** A call slower than this counts as a failure: a slow table must not stall issuing. Default 1000 ms. */
  operationTimeoutMs?: number;
}

/** Circuit state: closed (normal), open (inner not called), half-open (one probe call allowed). */
export type CircuitState = 'closed' | 'open' | 'half-open';

type Operation = 'get' | 'tryAcquireLease' | 'put' | 'releaseLease';

/** Rejection used when the inner call exceeds `operationTimeoutMs`. */
class SharedCacheTimeoutError extends Error {
  override name = 'SharedCacheTimeoutError';
}

/**
 * Wraps a {@link SharedTokenCache} so that a failing, throttled or slow store never breaks token
 * issuing and is not hammered while it is down. Any error or timeout counts `CacheErrors`, logs a
 * warning with the error's name only (SDK messages are not trusted to be token-free) and degrades:
 * `get` → undefined (a miss), `tryAcquireLease` → true (no coordination possible, the caller fetches
 * itself), `put`/`releaseLease` → resolve. After `failureThreshold` consecutive failures the
 * circuit opens and calls get the degraded answer without reaching the store (not counted as
 * `CacheErrors`: nothing failed); after `openMs` one probe goes through, and its success closes the
 * circuit, its failure re-opens it.
 */
export class GuardedSharedCache implements SharedTokenCache {
  readonly #inner: SharedTokenCache;
  readonly #clock: Clock;
  readonly #metrics: BrokerMetrics;
  readonly #logger: BrokerLogger;
  readonly #failureThreshold: number;
  readonly #openMs: number;
  readonly #timeoutMs: number;
  #consecutiveFailures = 0;
  /** Epoch ms until which the circuit is open; undefined while closed. */
  #openUntil: number | undefined;
  #probeInFlight = false;

  constructor(options: GuardedSharedCacheOptions) {
    this.#inner = options.inner;
    this.#clock = options.clock;
    this.#metrics = options.metrics;
    this.#logger = options.logger;
    this.#failureThreshold = positive(options.failureThreshold ?? 3, 'failureThreshold');
    this.#openMs = positive(options.openMs ?? 30_000, 'openMs');
    this.#timeoutMs = positive(options.operationTimeoutMs ?? 1000, 'operationTimeoutMs');
  }

  /** The circuit state now (for tests and health checks). */
  state(): CircuitState {
    if (this.#openUntil === undefined) return 'closed';
    return this.#clock() < this.#openUntil ? 'open' : 'half-open';
  }

  get(key: string, options?: { consistent?: boolean }): Promise<CachedToken | undefined> {
    return this.#guard('get', () => this.#inner.get(key, options), undefined);
  }

  tryAcquireLease(key: string, lease: LeaseRequest): Promise<boolean> {
    return this.#guard('tryAcquireLease', () => this.#inner.tryAcquireLease(key, lease), true);
  }

  put(key: string, token: CachedToken, owner?: string, options?: PutOptions): Promise<void> {
    return this.#guard('put', () => this.#inner.put(key, token, owner, options), undefined);
  }

  releaseLease(key: string, owner: string): Promise<void> {
    return this.#guard('releaseLease', () => this.#inner.releaseLease(key, owner), undefined);
  }

  async #guard<T>(operation: Operation, call: () => Promise<T>, degraded: T): Promise<T> {
    const state = this.state();
    if (state === 'open' || (state === 'half-open' && this.#probeInFlight)) return degraded;
    const probe = state === 'half-open';
    if (probe) this.#probeInFlight = true;
    try {
      const result = await this.#withTimeout(call);
      this.#onSuccess(probe);
      return result;
    } catch (error) {
      this.#onFailure(operation, error, probe);
      return degraded;
    } finally {
      if (probe) this.#probeInFlight = false;
    }
  }

  #withTimeout<T>(call: () => Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SharedCacheTimeoutError()), this.#timeoutMs);
    });
    // A synchronous throw from `call` becomes a rejection like any other failure.
    const pending = Promise.resolve().then(call);
    // The abandoned call may still settle later: swallow its outcome, it was already accounted for.
    pending.catch(() => {});
    return Promise.race([pending, timeout]).finally(() => clearTimeout(timer));
  }

  #onSuccess(probe: boolean): void {
    this.#consecutiveFailures = 0;
    if (this.#openUntil !== undefined && probe) {
      this.#openUntil = undefined;
      this.#logger.info('Shared token cache circuit closed');
    }
  }

  #onFailure(operation: Operation, error: unknown, probe: boolean): void {
    this.#metrics.count('CacheErrors');
    const errorName = error instanceof Error ? error.name : typeof error;
    this.#logger.warn('Shared token cache call failed; degrading', { operation, error: errorName });
    this.#consecutiveFailures += 1;
    if (probe || this.#consecutiveFailures >= this.#failureThreshold) {
      // A failed probe re-opens immediately; a call that was already in flight when the circuit
      // opened just extends the open window (and is not logged again).
      const wasOpen = this.#openUntil !== undefined;
      this.#openUntil = this.#clock() + this.#openMs;
      if (probe || !wasOpen) {
        this.#logger.warn('Shared token cache circuit open', {
          openMs: this.#openMs,
          consecutiveFailures: this.#consecutiveFailures,
        });
      }
    }
  }
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new TypeError(`${name} must be a positive number`);
  return value;
}
