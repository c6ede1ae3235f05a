import type { CachedToken } from '../domain/cache-policy.js';
import type { Deadline } from '../ports/deadline.js';
import type { BrokerLogger } from '../ports/logger.js';
import type { BrokerMetrics } from '../ports/metrics.js';
import type { LeaseRequest, PutOptions, SharedTokenCache } from '../ports/token-cache.js';
import { BrokenSealError, type TokenSealer } from '../ports/token-sealer.js';

/** Options for {@link SealedSharedCache}. */
export interface SealedSharedCacheOptions {
  inner: SharedTokenCache;
  sealer: TokenSealer;
  metrics: BrokerMetrics;
  logger: BrokerLogger;
  /**
   * Keys whose stored item could not be read (refused, or the sealer failed), remembered until a
   * read or a write succeeds (default 1,000).
   */
  maxUnreadableKeys?: number;
}

/** The token as sealed: every field, so none of them can be altered in the table unnoticed. */
interface SealedRecord {
  accessToken: string;
  tokenType: string;
  scope: string;
  expiresAt: number;
  lifetime: number;
}

/**
 * The shared cache with every token sealed before it leaves the process ({@link TokenSealer}): the
 * store keeps `accessToken` as the sealed record, bound to the cache key; the other attributes stay
 * readable because the store's conditions need `expiresAt` (and the rest is not secret), and they
 * must agree with the sealed copy. The lease calls pass through.
 *
 * An item that does not open (planted, moved from another key, altered, sealed under another key)
 * is a miss: counted in `CacheSealFailures` and logged with the cache key and the reason, never the
 * value; the next write replaces it, even if it claims to expire later. The sealer's own failures
 * (KMS unreachable or throttled) propagate, for `GuardedSharedCache` to count and degrade.
 *
 * Either way the key gets no coordination from the store until a read or write of it succeeds: the
 * lease is granted at once (as when the store is down), because the item that blocks the lease is
 * one this instance cannot read; waiting on it would only burn the request's time.
 */
export class SealedSharedCache implements SharedTokenCache {
  readonly #inner: SharedTokenCache;
  readonly #sealer: TokenSealer;
  readonly #metrics: BrokerMetrics;
  readonly #logger: BrokerLogger;
  readonly #maxUnreadable: number;
  /** Keys whose stored item could not be read, oldest first: refused, or the sealer failed. */
  readonly #unreadable = new Map<string, 'refused' | 'sealer-failed'>();

  constructor(options: SealedSharedCacheOptions) {
    this.#inner = options.inner;
    this.#sealer = options.sealer;
    this.#metrics = options.metrics;
    this.#logger = options.logger;
    this.#maxUnreadable = options.maxUnreadableKeys ?? 1_000;
  }

  async get(
    key: string,
    options: { consistent?: boolean },
    deadline: Deadline,
  ): Promise<CachedToken | undefined> {
    const stored = await this.#inner.get(key, options, deadline);
    if (!stored) return undefined;
    let record: SealedRecord;
    try {
      record = parseRecord(await this.#sealer.open(stored.accessToken, key, deadline));
    } catch (error) {
      if (!(error instanceof BrokenSealError)) {
        this.#mark(key, 'sealer-failed');
        throw error;
      }
      return this.#refuse(key, error.message);
    }
    if (
      record.expiresAt !== stored.expiresAt ||
      record.lifetime !== stored.lifetime ||
      record.tokenType !== stored.tokenType ||
      record.scope !== stored.scope
    ) {
      return this.#refuse(key, 'its attributes differ from its sealed record');
    }
    this.#unreadable.delete(key);
    return record;
  }

  tryAcquireLease(key: string, lease: LeaseRequest, deadline: Deadline): Promise<boolean> {
    if (this.#unreadable.has(key)) return Promise.resolve(true);
    return this.#inner.tryAcquireLease(key, lease, deadline);
  }

  async put(
    key: string,
    token: CachedToken,
    options: PutOptions,
    deadline: Deadline,
  ): Promise<void> {
    let sealed: string;
    try {
      sealed = await this.#sealer.seal(encodeRecord(token), key, deadline);
    } catch (error) {
      // Nothing will be written: let waiters go now rather than when the lease expires.
      if (options.owner !== undefined) {
        await this.#inner.releaseLease(key, options.owner, deadline).catch(() => {});
      }
      throw error;
    }
    const stored = { ...token, accessToken: sealed };
    const unreadable = this.#unreadable.get(key);
    if (unreadable === undefined) {
      await this.#inner.put(key, stored, options, deadline);
      return;
    }
    // No lease was taken in the store for this key. Over a refused item whatever expiry it
    // claims; over one we could not read, only if ours is newer (it may be another's good token).
    const replace = unreadable === 'refused' || options.replace;
    await this.#inner.put(key, stored, { replace }, deadline);
    this.#unreadable.delete(key);
  }

  releaseLease(key: string, owner: string, deadline: Deadline): Promise<void> {
    return this.#inner.releaseLease(key, owner, deadline);
  }

  #refuse(key: string, reason: string): undefined {
    this.#metrics.count('CacheSealFailures');
    this.#logger.error('cached token refused: its seal does not open', { cacheKey: key, reason });
    this.#mark(key, 'refused');
    return undefined;
  }

  #mark(key: string, why: 'refused' | 'sealer-failed'): void {
    this.#unreadable.delete(key);
    this.#unreadable.set(key, why);
    if (this.#unreadable.size > this.#maxUnreadable) {
      this.#unreadable.delete(this.#unreadable.keys().next().value as string);
    }
  }
}

function encodeRecord(token: CachedToken): Uint8Array {
  const record: SealedRecord = {
    accessToken: token.accessToken,
    tokenType: token.tokenType,
    scope: token.scope,
    expiresAt: token.expiresAt,
    lifetime: token.lifetime,
  };
  return Buffer.from(JSON.stringify(record));
}

/** The sealed record; one that opened but is not a token record is broken too. */
function parseRecord(plaintext: Uint8Array): SealedRecord {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(plaintext).toString('utf8'));
  } catch {
    throw new BrokenSealError('its sealed record is not JSON');
  }
  const record = value as Partial<SealedRecord> | null;
  if (
    typeof record?.accessToken !== 'string' ||
    record.accessToken === '' ||
    typeof record.tokenType !== 'string' ||
    typeof record.scope !== 'string' ||
    !Number.isFinite(record.expiresAt) ||
    !Number.isFinite(record.lifetime)
  ) {
    throw new BrokenSealError('its sealed record is not a token');
  }
  return record as SealedRecord;
}
