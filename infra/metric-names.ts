import { METRIC_NAMESPACE } from '../shared/config/env-names.js';
import type { BrokerMetricName } from '../shared/ports/metrics.js';
import { SERVICE_NAME } from './config.js';

/** The EMF namespace (`POWERTOOLS_METRICS_NAMESPACE`), defined beside the env names so the handler and infra cannot disagree. */
export { METRIC_NAMESPACE };

/**
 * Every metric the broker emits, with its unit. Keyed by `BrokerMetricName`, so adding a name to the
 * port without adding it here (or the reverse) fails the type check.
 */
export const BROKER_METRIC_UNITS = {
  TokenRequests: 'Count',
  CacheHitMemory: 'Count',
  CacheHitShared: 'Count',
  CacheMiss: 'Count',
  StaleServed: 'Count',
  LeaseWaits: 'Count',
  RefreshAhead: 'Count',
  RefreshAheadFailures: 'Count',
  MaskinportenCalls: 'Count',
  MaskinportenLatency: 'Milliseconds',
  MaskinportenErrors: 'Count',
  MaskinportenRefused: 'Count',
  MaskinportenGrantRejected: 'Count',
  MaskinportenUnavailable: 'Count',
  MaskinportenTimeouts: 'Count',
  SigningLatency: 'Milliseconds',
  Signatures: 'Count',
  SigningThrottled: 'Count',
  SigningDenied: 'Count',
  SigningErrors: 'Count',
  CacheErrors: 'Count',
  CacheSealFailures: 'Count',
  UntrustedEvents: 'Count',
  AccessDenied: 'Count',
  InvalidRequests: 'Count',
  AltinnExchanges: 'Count',
  AltinnErrors: 'Count',
  RefusalCacheHits: 'Count',
  RateLimited: 'Count',
  PolicyRefreshFailures: 'Count',
  TokenLifetime: 'Milliseconds',
  KeySyncFailures: 'Count',
  KeySyncWrites: 'Count',
  ActiveKeyAgeDays: 'Count',
  ActiveKeyExpiresInDays: 'Count',
  CanarySuccess: 'Count',
  CanaryFailures: 'Count',
} as const satisfies Record<BrokerMetricName, 'Count' | 'Milliseconds'>;

export const BROKER_METRIC_NAMES = Object.keys(BROKER_METRIC_UNITS) as BrokerMetricName[];

/**
 * The exact dimension set the code emits with every metric. A CloudWatch metric is identified by
 * its full dimension set, so a dashboard or alarm with any other set would show nothing.
 */
export function metricDimensions(environment: string): { service: string; environment: string } {
  return { service: SERVICE_NAME, environment };
}
