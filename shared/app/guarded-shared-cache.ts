import type { CachedToken } from '../domain/cache-policy.js';
import type { Clock } from '../ports/clock.js';
import { type Deadline, untilAborted } from '../ports/deadline.js';
import type { BrokerLogger } from '../ports/logger.js';
import type { BrokerMetrics } from '../ports/metrics.js';
import type { LeaseRequest, PutOptions, SharedTokenCache } from '../ports/token-cache.js';

/** Options for {@link GuardedSharedCache}. */
export interface GuardedSharedCacheOptions {
  inner: SharedTokenCache;
  /** Drives the open → half-open transition. */
  clock: Clock;
  metrics: BrokerMetrics;
  logger: BrokerLogger;
  /** Consecutive failures that open the circuit. Default 3. */
  failureThreshold?: number;
  /** How long the circuit stays open before one probe call is let through. Default 30 000 ms. */
  openMs?: number;
}

/** Circuit state: closed (normal), open (inner not called), half-open (one probe call allowed). */
export type CircuitState = 'closed' | 'open' | 'half-open';

type Operation = 'get' | 'tryAcquireLease' | 'put' | 'releaseLease';

/** What a call that did not answer by its deadline counts as. */
class SharedCacheTimeoutError extends Error {
  override name = 'SharedCacheTimeoutError';
}

/**
 * Wraps a {@link SharedTokenCache} so that a failing, throttled or slow store never breaks token
 * issuing and is not hammered while it is down. Each call is bounded by the deadline it is given
 * (the inner cache gets it too, to abort its request); a call with no time left is not made. Any
 * error, or no answer by the deadline, counts `CacheErrors`, logs a
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
  }

  /** The circuit state now (for tests and health checks). */
  state(): CircuitState {
    if (this.#openUntil === undefined) return 'closed';
    return this.#clock() < this.#openUntil ? 'open' : 'half-open';
  }

  get(
    key: string,
    options: { consistent?: boolean },
    deadline: Deadline,
  ): Promise<CachedToken | undefined> {
    return this.#guard('get', deadline, () => this.#inner.get(key, options, deadline), undefined);
  }

  tryAcquireLease(key: string, lease: LeaseRequest, deadline: Deadline): Promise<boolean> {
    return this.#guard(
      'tryAcquireLease',
      deadline,
      () => this.#inner.tryAcquireLease(key, lease, deadline),
      true,
    );
  }

  put(key: string, token: CachedToken, options: PutOptions, deadline: Deadline): Promise<void> {
    return this.#guard(
      'put',
      deadline,
      () => this.#inner.put(key, token, options, deadline),
      undefined,
    );
  }

  releaseLease(key: string, owner: string, deadline: Deadline): Promise<void> {
    return this.#guard(
      'releaseLease',
      deadline,
      () => this.#inner.releaseLease(key, owner, deadline),
      undefined,
    );
  }

  async #guard<T>(
    operation: Operation,
    deadline: Deadline,
    call: () => Promise<T>,
    degraded: T,
  ): Promise<T> {
    const state = this.state();
    if (state === 'open' || (state === 'half-open' && this.#probeInFlight)) return degraded;
    // No time left is the caller's budget, not the table's fault: nothing is called or counted.
    if (deadline.remaining() <= 0) return degraded;
    const probe = state === 'half-open';
    if (probe) this.#probeInFlight = true;
    try {
      // A synchronous throw from `call` becomes a rejection like any other failure.
      const result = await untilAborted(Promise.resolve().then(call), deadline.signal);
      this.#onSuccess(probe);
      return result;
    } catch (error) {
      this.#onFailure(
        operation,
        deadline.signal.aborted ? new SharedCacheTimeoutError() : error,
        probe,
      );
      return degraded;
    } finally {
      if (probe) this.#probeInFlight = false;
    }
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
