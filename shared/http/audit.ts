import { CachedRefusal } from '../app/refusal-cache.js';
import { BrokerError } from '../domain/errors.js';
import type { BrokerMetrics } from '../ports/metrics.js';
import type { ApiRequest } from './api-types.js';

/**
 * The request's one audit line as it starts: who called. The route adds what it learns (never a
 * token: routes put only identifiers in it), the API handler how it ended and how long it took.
 * One object from start to end, written as it is: no copy per request.
 */
export function auditRecord(request: ApiRequest): Record<string, unknown> {
  return { caller: request.caller?.id, requestId: request.requestId };
}

/** What a failure adds to the audit line: its kind and message, and what upstream said. */
export function failureFields(error: unknown): Record<string, unknown> {
  if (!(error instanceof BrokerError)) return { outcome: 'internal' };
  const code = error.upstream?.code;
  return {
    outcome: error.kind,
    reason: error.message,
    upstreamStatus: error.upstream?.status,
    upstreamError: error.upstream?.error,
    [error.upstreamSource === 'altinn' ? 'altinnCode' : 'mpCode']: code,
    refusalCached: error instanceof CachedRefusal || undefined,
  };
}

/** Refusals of the caller's input or identity, counted for the dashboard. */
export function countRefusal(metrics: BrokerMetrics, error: unknown): void {
  if (!(error instanceof BrokerError)) return;
  if (error.kind === 'invalid_request') metrics.count('InvalidRequests');
  if (error.kind === 'access_denied') metrics.count('AccessDenied');
  if (error.kind === 'rate_limited') metrics.count('RateLimited');
}
