import type { CachedToken } from '../domain/cache-policy.js';
import type { Deadline } from './deadline.js';

/** Input for taking the cross-process refresh lease on one cache key. */
export interface LeaseRequest {
  /** A unique id of the caller taking the lease; only it may release the lease. */
  owner: string;
  /** Epoch ms now. */
  now: number;
  /** Epoch ms until which the lease holds if the holder crashes. */
  leaseUntil: number;
  /**
   * Take the lease only if no cached token expires after this epoch ms: a token that expires later
   * is fresh enough, so the caller should read it instead of fetching.
   */
  freshAfter: number;
}

/** Options for {@link SharedTokenCache.put}. */
export interface PutOptions {
  /** The lease holder storing its token: the lease is released with the write. */
  owner?: string;
  /** Overwrite the stored token even if it expires later than this one. */
  replace?: boolean;
}

/**
 * The cache shared by every broker process (DynamoDB in AWS). Expiry is always checked by the
 * caller against `expiresAt`: the store's own TTL is garbage collection only. Every call takes the
 * deadline it must finish by.
 */
export interface SharedTokenCache {
  get(
    key: string,
    options: { consistent?: boolean },
    deadline: Deadline,
  ): Promise<CachedToken | undefined>;
  /** Conditional write: true if this owner now holds the lease. */
  tryAcquireLease(key: string, lease: LeaseRequest, deadline: Deadline): Promise<boolean>;
  /**
   * Stores the token and releases the lease if `owner` still holds it. A stored token that expires
   * later is kept, unless `replace` (a `skipCache` refresh, whose new token may expire sooner).
   */
  put(key: string, token: CachedToken, options: PutOptions, deadline: Deadline): Promise<void>;
  /** Releases the lease if `owner` still holds it (after a failed fetch). */
  releaseLease(key: string, owner: string, deadline: Deadline): Promise<void>;
}
