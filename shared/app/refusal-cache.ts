import { BrokerError } from '../domain/errors.js';

/**
 * Maskinporten's refusals of what a caller asked for (`upstream_refused`: an invalid scope, MP-2xx,
 * MP-3xx such as no system user or a missing delegation), remembered per cache key for a short
 * time, so a caller repeating a refused request gets the same answer without another grant, KMS
 * signature and Maskinporten call. Only refusals are remembered: an error that is the broker's or
 * Maskinporten's fault may be gone on the next try. Per process; a token for the key ends it.
 */
export class RefusalCache {
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, { error: BrokerError; until: number; org?: string }>();

  /** `ttlMs` 0 remembers nothing. */
  constructor(ttlMs: number, maxEntries = 10_000) {
    this.#ttlMs = ttlMs;
    this.#maxEntries = maxEntries;
  }

  /** The remembered refusal for `key` as the caller gets it again, or undefined. */
  get(key: string, now: number): CachedRefusal | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return new CachedRefusal(entry.error);
  }

  /**
   * Remembers `error` for `key` if it is a refusal of the request; anything else is ignored.
   * `org` is the customer org the request named, so a seen approval can end its refusals early.
   */
  remember(key: string, error: unknown, now: number, org?: string): void {
    if (this.#ttlMs <= 0 || !(error instanceof BrokerError) || error.kind !== 'upstream_refused') {
      return;
    }
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key, { error, until: now + this.#ttlMs, org });
  }

  forget(key: string): void {
    this.#entries.delete(key);
  }

  /**
   * Drops every refusal remembered for requests naming `org`: the broker has just seen that org's
   * customer approve something (a system user, a change of its rights), so Maskinporten may answer
   * differently now. A scan: it runs on an approval seen through the broker, never per token.
   */
  forgetOrg(org: string): void {
    for (const [key, entry] of this.#entries) {
      if (entry.org === org) this.#entries.delete(key);
    }
  }
}

/**
 * A remembered refusal, answered again: the same kind, message, `error` and upstream detail as the
 * original (nothing in them is per request). The audit line marks it (`refusalCached`).
 */
export class CachedRefusal extends BrokerError {
  constructor(original: BrokerError) {
    super(original.kind, original.message, {
      error: original.error,
      upstream: original.upstream,
      upstreamSource: original.upstreamSource,
      retryAfter: original.retryAfter,
      headers: original.headers,
    });
  }
}
