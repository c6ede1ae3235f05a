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
  /** Keys whose stored item was refused, remembered until a token replaces it (default 1,000). */
  maxRefusedKeys?: number;
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
 * value. Until a token replaces it, its key gets no coordination from the store (the lease is
 * granted at once, as when the store is down: the item there says nothing trustworthy about a
 * fetch in flight) and the next write replaces it, even if it claims to expire later. The
 * sealer's own failures (KMS unreachable) propagate, for `GuardedSharedCache` to count and degrade.
 */
export class SealedSharedCache implements SharedTokenCache {
  readonly #inner: SharedTokenCache;
  readonly #sealer: TokenSealer;
  readonly #metrics: BrokerMetrics;
  readonly #logger: BrokerLogger;
  readonly #maxRefused: number;
  /** Keys whose stored item did not open, oldest first. */
  readonly #refused = new Set<string>();

  constructor(options: SealedSharedCacheOptions) {
    this.#inner = options.inner;
    this.#sealer = options.sealer;
    this.#metrics = options.metrics;
    this.#logger = options.logger;
    this.#maxRefused = options.maxRefusedKeys ?? 1_000;
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
      if (!(error instanceof BrokenSealError)) throw error;
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
    this.#refused.delete(key);
    return record;
  }

  tryAcquireLease(key: string, lease: LeaseRequest, deadline: Deadline): Promise<boolean> {
    if (this.#refused.has(key)) return Promise.resolve(true);
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
    if (this.#refused.delete(key)) {
      // Over the refused item, whatever expiry it claims; our own lease was never taken there.
      await this.#inner.put(key, stored, { replace: true }, deadline);
      return;
    }
    await this.#inner.put(key, stored, options, deadline);
  }

  releaseLease(key: string, owner: string, deadline: Deadline): Promise<void> {
    return this.#inner.releaseLease(key, owner, deadline);
  }

  #refuse(key: string, reason: string): undefined {
    this.#metrics.count('CacheSealFailures');
    this.#logger.error('cached token refused: its seal does not open', { cacheKey: key, reason });
    this.#refused.delete(key);
    this.#refused.add(key);
    if (this.#refused.size > this.#maxRefused) {
      this.#refused.delete(this.#refused.values().next().value as string);
    }
    return undefined;
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
