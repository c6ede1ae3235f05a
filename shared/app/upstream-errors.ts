import {
  BrokerError,
  type BrokerErrorKind,
  maskinportenCode,
  type UpstreamErrorDetail,
} from '../domain/errors.js';
import { AltinnError } from '../ports/altinn.js';
import type { UpstreamFailure } from '../ports/authorization-server.js';

/**
 * Every upstream answer becomes a broker error kind here, and nowhere else; the kind's status and
 * wire `error` are in `ERROR_KINDS` (`shared/domain/errors.ts`).
 *
 * | upstream    | answer                                                  | kind                      | HTTP |
 * |-------------|---------------------------------------------------------|---------------------------|------|
 * | Maskinporten| refusal of what was asked (MP-2xx/3xx, `invalid_scope`) | `upstream_refused`        | 403  |
 * | Maskinporten| a 403 that is not its OAuth JSON (an HTML page, a proxy) | `upstream_unavailable` (retried) | 502 |
 * | Maskinporten| any other 4xx (the broker's grant: MP-1xx, MP-01x)      | `upstream_rejected_grant` | 502  |
 * | Maskinporten| 5xx, 429, network, junk, after the retries              | `upstream_unavailable`    | 502  |
 * | Maskinporten| nothing before the deadline                             | `upstream_timeout`        | 504  |
 * | KMS         | throttled (`SigningThrottled`)                          | `upstream_unavailable`    | 502  |
 * | KMS         | KMS's own trouble: internal error, key unavailable, dependency timeout (`SigningErrors`) | `upstream_unavailable` | 502 |
 * | KMS         | nothing before the deadline (`SigningErrors`)           | `upstream_timeout`        | 504  |
 * | KMS         | access denied, key disabled/not found/invalid state (`SigningDenied`) | `signing_failed` | 500 |
 * | KMS         | any other failure (`SigningErrors`)                     | `signing_failed`          | 500  |
 * | Altinn      | 4xx about the caller's input                            | `invalid_request`, `not_found`, `conflict` | 400/404/409 |
 * | Altinn      | 401/403, AUTH-00011 for the broker's own system id, a refused exchange; no vendor token | `broker_misconfigured` | 502 |
 * | Altinn      | a read or delete by id: AUTH-00010, AUTH-00011 (another vendor's), another system's | `not_found` (no detail, `SystemUserService`) | 404 |
 * | Altinn      | 5xx, 429, network, junk                                 | `upstream_unavailable`    | 502  |
 * | Altinn      | nothing before the deadline                             | `upstream_timeout`        | 504  |
 * | DynamoDB    | anything (error, throttling, no answer)                 | never an error: the shared cache degrades to a miss (`GuardedSharedCache`) | — |
 */

// ── Maskinporten ────────────────────────────────────────────────────────────────────────────────

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
 * without a token, unreadable metadata, a 403 that is not Maskinporten's own JSON) are worth
 * another attempt, with a fresh grant.
 */
export function isRetryable(failure: UpstreamFailure): boolean {
  switch (failure.kind) {
    case 'network':
    case 'timeout':
    case 'malformed':
      return true;
    case 'http':
      return failure.status >= 500 || failure.status === 429 || isForeignForbidden(failure);
  }
}

/**
 * A 403 without Maskinporten's OAuth error body (`error`): an HTML page or a proxy's or firewall's
 * answer in front of Maskinporten, not Maskinporten refusing what was asked. It says nothing about
 * the caller's request, so it is an upstream failure (502 after the attempts), not a 403 refusal.
 */
function isForeignForbidden(failure: Extract<UpstreamFailure, { kind: 'http' }>): boolean {
  return failure.status === 403 && failure.body.error === undefined;
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
      upstream,
    });
  }
  return new BrokerError(
    'upstream_rejected_grant',
    `Maskinporten rejected the broker's grant: ${said}`,
    { upstream },
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
    { retryAfter: retryAfterSeconds(last), upstream },
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

// ── KMS (the grant signer) ──────────────────────────────────────────────────────────────────────

/**
 * What a failed signature was, and so which metric counts it (exactly one per failed `Sign`):
 * `throttled` → `SigningThrottled`, `denied` → `SigningDenied`, `other` → `SigningErrors`.
 * `denied` is the key or its policy refusing the broker: access denied, the key disabled, not found
 * or in a state that cannot sign (pending deletion, pending import). A signer that did not answer
 * before the deadline is `other`.
 *
 * @see https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html#API_Sign_Errors
 */
export type SigningFailureClass = 'throttled' | 'denied' | 'other';

const SIGNING_THROTTLED = /Throttl|TooManyRequests|LimitExceeded/;
/**
 * KMS's own trouble, which its API reference marks as retryable: the request may succeed later,
 * so the caller is told to come back (and a still-valid cached token may be served meanwhile).
 * The SDK's `TimeoutError` is a KMS endpoint that stopped answering.
 */
const SIGNING_TRANSIENT = new Set([
  'KMSInternalException',
  'KeyUnavailableException',
  'DependencyTimeoutException',
  'TimeoutError',
]);
const SIGNING_DENIED = new Set([
  'AccessDeniedException',
  'DisabledException',
  'NotFoundException',
  'KMSInvalidStateException',
]);

export function classifySigningFailure(error: unknown, timedOut: boolean): SigningFailureClass {
  if (timedOut) return 'other';
  const name = awsErrorName(error);
  if (SIGNING_THROTTLED.test(name)) return 'throttled';
  return SIGNING_DENIED.has(name) ? 'denied' : 'other';
}

/**
 * A signer failure: KMS throttling and KMS's own transient trouble are worth retrying later (502
 * with `Retry-After`); a signer that did not answer before the deadline is a timeout (504); anything
 * else (the key or its policy refusing, a misconfigured key) is the broker's own fault (500). The
 * KMS message is never passed on (it names ARNs); only the AWS error's name.
 */
export function signingFailure(error: unknown, timedOut: boolean): BrokerError {
  if (timedOut) {
    return new BrokerError(
      'upstream_timeout',
      'signing the grant took too long (no answer from the signer before the deadline)',
      { cause: error, retryAfter: 1 },
    );
  }
  const name = awsErrorName(error);
  if (classifySigningFailure(error, timedOut) === 'throttled') {
    return new BrokerError('upstream_unavailable', `signing the grant was throttled (${name})`, {
      cause: error,
      retryAfter: 1,
    });
  }
  if (SIGNING_TRANSIENT.has(name)) {
    return new BrokerError('upstream_unavailable', `KMS could not sign the grant now (${name})`, {
      cause: error,
      retryAfter: 1,
    });
  }
  return new BrokerError('signing_failed', `the broker could not sign the grant (${name})`, {
    cause: error,
  });
}

/** The AWS error's name: the adapter wraps SDK errors, keeping the SDK's as `cause`. */
function awsErrorName(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  const cause = error.cause instanceof Error ? error.cause.name : undefined;
  return cause && cause !== 'Error' ? cause : error.name;
}

// ── Altinn ──────────────────────────────────────────────────────────────────────────────────────

/** Altinn's "a system user already exists for (system, org, externalRef)". */
export const SYSTEM_USER_EXISTS = 'AUTH-00004';
/** Altinn's "no such request" (none, soft-deleted, or the other type's id): 404. */
export const REQUEST_NOT_FOUND = 'AUTH-00010';
/**
 * Altinn's "the system is not found, or belongs to another vendor" (404, reference §2). Where the
 * system id is the broker's own configuration (a create, a read by externalRef, a list) it is a
 * broker fault; on a read or delete by id it means "another vendor's id", which the use cases turn
 * into a plain 404 before this map is reached.
 */
export const SYSTEM_NOT_FOUND = 'AUTH-00011';
/** Older deployments' "a standard request id was asked for on the agent route" (now AUTH-00010). */
export const WRONG_REQUEST_TYPE = 'AUTH-00025';

export interface AltinnFailureContext {
  /** What the broker was doing, for the message: `creating the request`, `the token exchange`. */
  what: string;
  /**
   * True where a 4xx is about the caller's input (the vendor APIs); false where it can only be the
   * broker's own fault (the token exchange: Altinn refused the broker's Maskinporten token).
   */
  callerFault: boolean;
  /** The system user a create was for: an AUTH-00004 answer says which one exists already. */
  systemUser?: { org: string; externalRef?: string };
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
        { retryAfter: 1, upstreamSource: 'altinn' },
      );
    case 'network':
    case 'malformed':
      return new BrokerError('upstream_unavailable', `Altinn failed (${what}): ${error.message}`, {
        retryAfter: 1,
        upstreamSource: 'altinn',
        upstream: error.status === undefined ? undefined : { status: error.status },
      });
    case 'http':
      return altinnHttpError(error, context);
  }
}

function altinnHttpError(error: AltinnError, context: AltinnFailureContext): BrokerError {
  const status = error.status ?? 0;
  const upstream = altinnDetail(error, status);
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
    return new BrokerError(
      'broker_misconfigured',
      `Altinn refused the broker's own token (${context.what}): ${said}. Check the client's altinn:authentication scopes and that the system belongs to the broker's org`,
      options,
    );
  }
  if (error.code === SYSTEM_NOT_FOUND) {
    return new BrokerError(
      'broker_misconfigured',
      `Altinn does not know the broker's system (${context.what}): ${said}. Check ALTINN_SYSTEM_ID and the system register`,
      options,
    );
  }
  if (!context.callerFault) {
    return new BrokerError(
      'broker_misconfigured',
      `Altinn refused ${context.what}: ${said}`,
      options,
    );
  }
  if (error.code === SYSTEM_USER_EXISTS && context.systemUser) {
    const { org, externalRef } = context.systemUser;
    const ref = externalRef ? ` and externalRef ${externalRef}` : '';
    return new BrokerError(
      'conflict',
      `a system user already exists for org ${org}${ref}, so Altinn takes no new request (see GET /v1/systemusers?org=${org}); to change it, the customer deletes it in Altinn first`,
      options,
    );
  }
  const kind: BrokerErrorKind =
    status === 404
      ? 'not_found'
      : status === 409 || error.code === SYSTEM_USER_EXISTS
        ? 'conflict'
        : 'invalid_request';
  return new BrokerError(kind, `Altinn refused ${context.what}: ${said}`, options);
}

function altinnDetail(error: AltinnError, status: number): UpstreamErrorDetail {
  const detail: UpstreamErrorDetail = { status };
  if (error.code) {
    detail.error = error.code;
    detail.code = error.code;
  }
  const description = error.description;
  if (description) detail.error_description = description;
  return detail;
}

/** Altinn answered the exchange with something that is not a usable token. */
export function altinnExchangeUnusable(what: string): BrokerError {
  return new BrokerError(
    'upstream_unavailable',
    `Altinn answered the token exchange with ${what}`,
    {
      upstreamSource: 'altinn',
    },
  );
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
    'broker_misconfigured',
    `the broker could not get its vendor token for Altinn (${scopes.join(' ')}): ${error.message}`,
    { cause: error, upstream: error.upstream },
  );
}

// ── The request's deadline ──────────────────────────────────────────────────────────────────────

/**
 * The deadline passed while the broker waited on something that is not an upstream call of its
 * own (another request's fetch, or a step that ignored the deadline): a timeout like any other.
 */
export function deadlinePassed(what: string): BrokerError {
  return new BrokerError('upstream_timeout', `no answer before the deadline (${what})`, {
    retryAfter: 1,
  });
}
