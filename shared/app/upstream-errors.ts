import { BrokerError, maskinportenCode, type UpstreamErrorDetail } from '../domain/errors.js';
import type { UpstreamFailure } from '../ports/authorization-server.js';

/** Maskinporten `error` codes that mean "the caller asked for something this client may not get". */
const REFUSAL_ERRORS = new Set([
  'invalid_scope',
  'invalid_altinn_customer_configuration',
  'access_denied',
  'unauthorized_client',
]);
/** MP-2xx (scopes) and MP-3xx (access, delegation, system users) are about what was asked for. */
const REFUSAL_CODE = /^MP-[23]\d\d$/;

/**
 * Network trouble, timeouts, 5xx, 429 and answers that are not what the protocol promises (a 200
 * without a token, unreadable metadata) are worth another attempt, with a fresh grant.
 */
export function isRetryable(failure: UpstreamFailure): boolean {
  switch (failure.kind) {
    case 'network':
    case 'timeout':
    case 'malformed':
      return true;
    case 'http':
      return failure.status >= 500 || failure.status === 429;
  }
}

/** How a failure is counted: the metric name for its kind. */
export type UpstreamFailureClass = 'refused' | 'grant_rejected' | 'unavailable' | 'timeout';

export function classifyFailure(failure: UpstreamFailure): UpstreamFailureClass {
  if (failure.kind === 'timeout') return 'timeout';
  if (isRetryable(failure) || failure.kind !== 'http') return 'unavailable';
  return isRefusal(failure.status, failure.body.error, failure.body.error_description)
    ? 'refused'
    : 'grant_rejected';
}

function isRefusal(status: number, error?: string, description?: string): boolean {
  const code = maskinportenCode(description);
  return (
    status === 403 ||
    (error !== undefined && REFUSAL_ERRORS.has(error)) ||
    (code !== undefined && REFUSAL_CODE.test(code)) ||
    (description?.includes('consumer_org') ?? false)
  );
}

/** Maskinporten's answer as passed on to the caller (no token or grant can be in it). */
export function upstreamDetail(failure: UpstreamFailure): UpstreamErrorDetail | undefined {
  if (failure.kind !== 'http') return undefined;
  const detail: UpstreamErrorDetail = { status: failure.status, ...failure.body };
  const code = maskinportenCode(failure.body.error_description);
  if (code) detail.code = code;
  return detail;
}

/**
 * A non-retryable answer from Maskinporten as the caller sees it: a refusal keeps Maskinporten's own
 * `error` (HTTP 403); a rejected grant is the broker's fault (HTTP 502).
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_feilsoking
 */
export function rejectionToBrokerError(failure: UpstreamFailure): BrokerError {
  const upstream = upstreamDetail(failure);
  const said =
    upstream?.error_description ??
    upstream?.error ??
    (failure.kind === 'http' ? `HTTP ${failure.status}` : failure.message);
  if (classifyFailure(failure) === 'refused') {
    return new BrokerError('upstream_refused', `Maskinporten refused the request: ${said}`, {
      error: upstream?.error ?? 'access_denied',
      ...(upstream ? { upstream } : {}),
    });
  }
  return new BrokerError(
    'upstream_rejected_grant',
    `Maskinporten rejected the broker's grant: ${said}`,
    upstream ? { upstream } : {},
  );
}

/** After the last attempt: 504 if the deadline ran out, else 502 "kept failing". */
export function exhaustedToBrokerError(
  last: UpstreamFailure | undefined,
  attempts: number,
): BrokerError {
  const upstream = last ? upstreamDetail(last) : undefined;
  if (!last || last.kind === 'timeout') {
    return new BrokerError(
      'upstream_timeout',
      `no answer from Maskinporten before the deadline (${attempts} attempt${attempts === 1 ? '' : 's'})`,
      { retryAfter: 1 },
    );
  }
  const said = last.kind === 'http' ? `HTTP ${last.status}` : last.message;
  return new BrokerError(
    'upstream_unavailable',
    `Maskinporten kept failing: ${said} after ${attempts} attempt${attempts === 1 ? '' : 's'}`,
    { retryAfter: retryAfterSeconds(last), ...(upstream ? { upstream } : {}) },
  );
}

/** Longest `Retry-After` passed on to callers: Maskinporten's own wait, within reason. */
const MAX_RETRY_AFTER_SECONDS = 300;

/**
 * A caller should wait as long as Maskinporten asked (a 429 or 503 with `Retry-After`), not retry
 * after one second into the same refusal; 1 s when Maskinporten named no wait.
 */
function retryAfterSeconds(last: UpstreamFailure): number {
  const ms = last.kind === 'http' ? last.retryAfterMs : undefined;
  if (ms === undefined || !Number.isFinite(ms)) return 1;
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil(ms / 1000)));
}
