import type { CachedToken } from '../domain/cache-policy.js';

export const DEFAULT_MEMORY_CACHE_ENTRIES = 10_000;

/**
 * The per-process cache in front of the shared one: a bounded LRU on a `Map` (insertion order is
 * recency). Expired entries are dropped when read; the bound keeps a busy container's memory flat.
 */
export class MemoryTokenCache {
  readonly #entries = new Map<string, CachedToken>();
  readonly #maxEntries: number;
  /**
   * The key a `get` or `set` last put at the end of the map's order: a hit on it moves nothing.
   * A deleted key cannot be hit, and comes back only through `set`, which names it again.
   */
  #last: string | undefined;

  constructor(maxEntries = DEFAULT_MEMORY_CACHE_ENTRIES) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new TypeError('maxEntries must be a positive integer');
    }
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The entry if it has not expired at `now`; refreshes its recency. */
  get(key: string, now: number): CachedToken | undefined {
    const token = this.#entries.get(key);
    if (!token) return undefined;
    if (token.expiresAt <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    // A hot key is asked for again and again: moving it to the end on every hit is a deletion and
    // an insertion (and in time a rehash of the map) for nothing.
    if (key !== this.#last) {
      this.#entries.delete(key);
      this.#entries.set(key, token);
      this.#last = key;
    }
    return token;
  }

  /** Stores the token unless a longer-lived one is already there. */
  set(key: string, token: CachedToken): void {
    const current = this.#entries.get(key);
    if (current && current.expiresAt > token.expiresAt) return;
    this.#entries.delete(key);
    this.#entries.set(key, token);
    this.#last = key;
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  /** Replaces the entry unconditionally (after a `skipCache` refresh). */
  replace(key: string, token: CachedToken): void {
    this.#entries.delete(key);
    this.set(key, token);
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }
}
