import { BrokerError } from '../domain/errors.js';
import type { Clock } from '../ports/clock.js';

/**
 * Per-caller budgets for cache misses: a token bucket per (rule, caller) holding `perMinute`
 * misses, refilled at `perMinute / 60` a second. Only misses spend it (a request the caches
 * answer never asks), so one caller cannot spend Maskinporten's, Altinn's and KMS's capacity for
 * everyone. The buckets live in this process: N instances admit up to N times the budget.
 */
export class MissLimiter {
  readonly #clock: Clock;
  readonly #maxBuckets: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(options: { clock: Clock; maxBuckets?: number }) {
    this.#clock = options.clock;
    this.#maxBuckets = options.maxBuckets ?? 10_000;
  }

  /**
   * Spends one miss from `key`'s budget, or throws `rate_limited` with `Retry-After` (whole seconds
   * until the bucket holds a miss again). `who` names the caller in the message.
   */
  admit(key: string, perMinute: number, who: string): void {
    const now = this.#clock();
    const perMs = perMinute / 60_000;
    const bucket = this.#buckets.get(key) ?? { tokens: perMinute, at: now };
    bucket.tokens = Math.min(perMinute, bucket.tokens + (now - bucket.at) * perMs);
    bucket.at = now;
    // Most recently used last, so the first key is the one to drop when there are too many.
    this.#buckets.delete(key);
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > this.#maxBuckets) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest !== undefined) this.#buckets.delete(oldest);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return;
    }
    const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
    throw new BrokerError(
      'rate_limited',
      `caller ${who} has asked for more than ${perMinute} tokens a minute that were not cached; try again in ${retryAfter} s (cached tokens are still served)`,
      { retryAfter },
    );
  }
}
