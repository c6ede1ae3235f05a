/**
 * Metric names emitted by the broker (namespace `MaskinportenBroker`, dimensions `service` and
 * `environment` only). Kinds of Maskinporten error are separate names, not a dimension:
 * `MaskinportenErrors` counts them all. `Signatures` counts successful signatures; a failed one
 * counts once in exactly one of `SigningThrottled` (KMS throttling), `SigningDenied` (access denied,
 * key disabled or not found) or `SigningErrors` (anything else). `CacheSealFailures` counts cached
 * items that fail to decrypt (planted, swapped or corrupted: served as a miss), `UntrustedEvents`
 * events refused because they did not come through the configured API, stage and VPC endpoints.
 * `RefreshAhead` counts refreshes started because a served token was inside its refresh window,
 * `RefreshAheadFailures` those that could not be handed off or did not renew the token.
 * `RefusalCacheHits` counts Maskinporten refusals answered from memory instead of asking again,
 * `RateLimited` token requests refused (429) for going over their rule's `maxMissesPerMinute`, and
 * `PolicyRefreshFailures` reads of the caller policy that failed or found an invalid policy (the
 * last good policy stayed in force).
 */
export type BrokerMetricName =
  | 'TokenRequests'
  | 'CacheHitMemory'
  | 'CacheHitShared'
  | 'CacheMiss'
  | 'StaleServed'
  | 'LeaseWaits'
  | 'RefreshAhead'
  | 'RefreshAheadFailures'
  | 'MaskinportenCalls'
  | 'MaskinportenLatency'
  | 'MaskinportenErrors'
  | 'MaskinportenRefused'
  | 'MaskinportenGrantRejected'
  | 'MaskinportenUnavailable'
  | 'MaskinportenTimeouts'
  | 'SigningLatency'
  | 'Signatures'
  | 'SigningThrottled'
  | 'SigningDenied'
  | 'SigningErrors'
  | 'CacheErrors'
  | 'CacheSealFailures'
  | 'UntrustedEvents'
  | 'AccessDenied'
  | 'InvalidRequests'
  | 'AltinnExchanges'
  | 'AltinnErrors'
  | 'RefusalCacheHits'
  | 'RateLimited'
  | 'PolicyRefreshFailures';

/** Where metrics go: EMF through Powertools in Lambda, in-memory counters locally and in tests. */
export interface BrokerMetrics {
  count(name: BrokerMetricName, value?: number): void;
  /** A duration in milliseconds. */
  timing(name: BrokerMetricName, ms: number): void;
}

export const noMetrics: BrokerMetrics = { count() {}, timing() {} };
