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
 *
 * `TokenLifetime` is the lifetime of each token Maskinporten issues (`expires_in`, recorded in
 * milliseconds through `timing` so CloudWatch shows its minimum and maximum).
 *
 * The scheduled key sync (and `npm run keys`) emits the `Key*` and `ActiveKey*` names:
 * `KeySyncFailures` a sync that did not complete (Digdir or the network failed, or a rule
 * refused), `KeySyncWrites` a sync that replaced the registered set, `ActiveKeyAgeDays` the active
 * key's age in whole days and `ActiveKeyExpiresInDays` the days until Digdir's `exp` on it (a
 * value per run, as a Count: read their maximum and minimum).
 *
 * The canary (functions/canary) emits `CanarySuccess` once per run (1 when every check through
 * every VPC endpoint passed, else 0) and `CanaryFailures` (the checks that failed).
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
  | 'PolicyRefreshFailures'
  | 'TokenLifetime'
  | 'KeySyncFailures'
  | 'KeySyncWrites'
  | 'ActiveKeyAgeDays'
  | 'ActiveKeyExpiresInDays'
  | 'CanarySuccess'
  | 'CanaryFailures';

/** Where metrics go: EMF through Powertools in Lambda, in-memory counters locally and in tests. */
export interface BrokerMetrics {
  count(name: BrokerMetricName, value?: number): void;
  /** A duration in milliseconds. */
  timing(name: BrokerMetricName, ms: number): void;
}

export const noMetrics: BrokerMetrics = { count() {}, timing() {} };
