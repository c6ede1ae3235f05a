/** Metric names emitted by the broker (namespace `MaskinportenBroker`). */
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
