import { BrokerError, type BrokerErrorKind, type UpstreamErrorDetail } from '../domain/errors.js';
import { AltinnError } from '../ports/altinn.js';

/** Altinn's "a system user already exists for (system, org, externalRef)". */
export const SYSTEM_USER_EXISTS = 'AUTH-00004';
/** Altinn's "the Id does not refer to a Registered System" (404 in code, 400 in the docs). */
export const SYSTEM_NOT_FOUND = 'AUTH-00011';
/** Altinn's "a standard request id was asked for on the agent route" (and the other way round). */
export const WRONG_REQUEST_TYPE = 'AUTH-00025';

export interface AltinnFailureContext {
  /** What the broker was doing, for the message: `creating the request`, `the token exchange`. */
  what: string;
  /**
   * True where a 4xx is about the caller's input (the vendor APIs); false where it can only be the
   * broker's own fault (the token exchange: Altinn refused the broker's Maskinporten token).
   */
  callerFault: boolean;
}

/**
 * An Altinn failure as the caller sees it, with `altinn_error` carrying Altinn's status, code and
 * message. Altinn's 4xx about the input stay 4xx; Altinn refusing the broker's own token (401/403)
 * or not knowing the broker's system (AUTH-00011) is a broker fault (502, logged loudly); 5xx,
 * network trouble and unreadable answers are 502, timeouts 504. Anything else is returned as is.
 *
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/systemuserrequest/external/
 */
export function altinnToBrokerError(error: unknown, context: AltinnFailureContext): unknown {
  if (!(error instanceof AltinnError)) return error;
  const { what } = context;
  switch (error.kind) {
    case 'timeout':
      return new BrokerError(
        'upstream_timeout',
        `no answer from Altinn (${what}) before the deadline`,
        {
          retryAfter: 1,
          upstreamSource: 'altinn',
        },
      );
    case 'network':
    case 'malformed':
      return new BrokerError('upstream_unavailable', `Altinn failed (${what}): ${error.message}`, {
        retryAfter: 1,
        upstreamSource: 'altinn',
        ...(error.status === undefined ? {} : { upstream: { status: error.status } }),
      });
    case 'http':
      return httpError(error, context);
  }
}

function httpError(error: AltinnError, context: AltinnFailureContext): BrokerError {
  const status = error.status ?? 0;
  const upstream = upstreamDetail(error, status);
  const said =
    [error.code, upstream.error_description].filter(Boolean).join(' ') || `HTTP ${status}`;
  const options = { upstream, upstreamSource: 'altinn' as const };
  if (status >= 500 || status === 429) {
    return new BrokerError('upstream_unavailable', `Altinn failed (${context.what}): ${said}`, {
      ...options,
      retryAfter: 1,
    });
  }
  if (status === 401 || status === 403) {
    return brokerFault(
      `Altinn refused the broker's own token (${context.what}): ${said}. Check the client's altinn:authentication scopes and that the system belongs to the broker's org`,
      options,
    );
  }
  if (error.code === SYSTEM_NOT_FOUND) {
    return brokerFault(
      `Altinn does not know the broker's system (${context.what}): ${said}. Check ALTINN_SYSTEM_ID and the system register`,
      options,
    );
  }
  if (!context.callerFault) return brokerFault(`Altinn refused ${context.what}: ${said}`, options);
  const kind: BrokerErrorKind =
    status === 404
      ? 'not_found'
      : status === 409 || error.code === SYSTEM_USER_EXISTS
        ? 'conflict'
        : 'invalid_request';
  return new BrokerError(kind, `Altinn refused ${context.what}: ${said}`, options);
}

/** 502 `server_error`: the broker's configuration is wrong (logged as a broker fault). */
function brokerFault(
  message: string,
  options: { upstream: UpstreamErrorDetail; upstreamSource: 'altinn' },
): BrokerError {
  return new BrokerError('upstream_rejected_grant', message, { ...options, error: 'server_error' });
}

function upstreamDetail(error: AltinnError, status: number): UpstreamErrorDetail {
  const detail: UpstreamErrorDetail = { status };
  if (error.code) {
    detail.error = error.code;
    detail.code = error.code;
  }
  const description = error.description;
  if (description) detail.error_description = description;
  return detail;
}

/**
 * The broker could not get its own vendor token for an Altinn call (the client lacks an
 * `altinn:authentication/...` scope, or its tokens live too short): a configuration fault, 502, not
 * the caller's 400 or 403. Other failures (Maskinporten down) pass as they are.
 */
export function vendorTokenError(error: unknown, scopes: readonly string[]): unknown {
  if (
    !(error instanceof BrokerError) ||
    (error.kind !== 'upstream_refused' && error.kind !== 'invalid_request')
  ) {
    return error;
  }
  return new BrokerError(
    'upstream_rejected_grant',
    `the broker could not get its vendor token for Altinn (${scopes.join(' ')}): ${error.message}`,
    {
      error: 'server_error',
      cause: error,
      ...(error.upstream ? { upstream: error.upstream } : {}),
    },
  );
}
