import type { BrokerEnvironmentConfig } from './config.js';

/**
 * Time the function gets beyond the broker's own deadline before Lambda stops it. The broker answers
 * by its deadline whatever Maskinporten does; this margin covers what runs outside that deadline
 * (the first invocation's configuration reads, serialising the answer, flushing metrics) and leaves
 * the gateway's integration timeout (below) room to answer first.
 */
export const FUNCTION_TIMEOUT_MARGIN_MS = 4_000;

/**
 * Time API Gateway waits beyond the deadline before it answers 504 itself. Shorter than the
 * function's margin, so a broker that misses its deadline gets the gateway's 504 in the broker's
 * error shape rather than a Lambda timeout (which API Gateway reports as a 502).
 */
export const INTEGRATION_TIMEOUT_MARGIN_MS = 3_000;

/** The Lambda timeout in whole seconds: deadline + `FUNCTION_TIMEOUT_MARGIN_MS`, rounded up. */
export function functionTimeoutSeconds(
  config: Pick<BrokerEnvironmentConfig, 'deadlineMs'>,
): number {
  return Math.ceil((config.deadlineMs + FUNCTION_TIMEOUT_MARGIN_MS) / 1000);
}

/** API Gateway's integration timeout in ms: deadline + `INTEGRATION_TIMEOUT_MARGIN_MS`. */
export function integrationTimeoutMs(config: Pick<BrokerEnvironmentConfig, 'deadlineMs'>): number {
  return config.deadlineMs + INTEGRATION_TIMEOUT_MARGIN_MS;
}

/**
 * Reserved concurrency, sized for a Maskinporten outage rather than normal load: every request then
 * runs until the deadline, so the function holds peak rps × deadline (s) instances at once (Little's
 * law). Normal traffic, mostly cache hits of a few ms, needs a small fraction of it.
 */
export function reservedConcurrency(
  config: Pick<BrokerEnvironmentConfig, 'deadlineMs' | 'function'>,
): number {
  return Math.ceil(config.function.peakRequestsPerSecond * (config.deadlineMs / 1000));
}

/**
 * Lambda keeps this much of the account's concurrency unreserved: a reservation that would leave
 * less fails the deploy ("...decreases account's UnreservedConcurrentExecution below its minimum
 * value of [100]").
 */
export const LAMBDA_MIN_UNRESERVED_CONCURRENCY = 100;
