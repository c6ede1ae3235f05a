/**
 * Metric names emitted by the broker (namespace `MaskinportenBroker`, dimensions `service` and
 * `environment` only). Kinds of Maskinporten error are separate names, not a dimension:
 * `MaskinportenErrors` counts them all.
 */
export type BrokerMetricName =
  | 'TokenRequests'
  | 'CacheHitMemory'
  | 'CacheHitShared'
  | 'CacheMiss'
  | 'StaleServed'
  | 'LeaseWaits'
  | 'MaskinportenCalls'
  | 'MaskinportenLatency'
  | 'MaskinportenErrors'
  | 'MaskinportenRefused'
  | 'MaskinportenGrantRejected'
  | 'MaskinportenUnavailable'
  | 'MaskinportenTimeouts'
  | 'SigningLatency'
  | 'Signatures'
  | 'CacheErrors'
  | 'AccessDenied'
  | 'InvalidRequests'
  | 'AltinnExchanges'
  | 'AltinnErrors';

/** Where metrics go: EMF through Powertools in Lambda, in-memory counters locally and in tests. */
export interface BrokerMetrics {
  count(name: BrokerMetricName, value?: number): void;
  /** A duration in milliseconds. */
  timing(name: BrokerMetricName, ms: number): void;
}

export const noMetrics: BrokerMetrics = { count() {}, timing() {} };
