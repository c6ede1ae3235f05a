import type { components } from './generated/openapi.js';

/** What Maskinporten or Altinn answered the broker, passed on in the broker's error body. */
export type UpstreamError = components['schemas']['UpstreamError'];

/** The stable codes of the client's errors, for `switch (error.code)`. */
export type BrokerClientErrorCode =
  | 'ERR_BROKER_RESPONSE'
  | 'ERR_BROKER_TIMEOUT'
  | 'ERR_BROKER_CONNECTION'
  | 'ERR_BROKER_PROTOCOL'
  | 'ERR_BROKER_SIGNING';

/**
 * Every failure of {@link BrokerClient.getToken} is one of its subclasses. Messages and fields
 * never hold a token: the broker never puts one in an error, and the client never copies a
 * response body into one.
 */
export abstract class BrokerClientError extends Error {
  abstract readonly code: BrokerClientErrorCode;
  /** HTTP attempts made before giving up. */
  readonly attempts: number;

  constructor(message: string, attempts: number, options?: ErrorOptions) {
    super(message, options);
    this.attempts = attempts;
  }
}

/**
 * The broker answered with an error (`{"error", "error_description"}`, RFC 6749 §5.2 style): a
 * 4xx other than 429 at once, a 429/502/503/504 once the deadline or the attempts ran out.
 *
 * @example
 * ```ts
 * try {
 *   await broker.getToken({ scope: 'krr:global/kontaktinformasjon.read', org: '910753614' });
 * } catch (error) {
 *   if (error instanceof BrokerResponseError && error.error === 'invalid_altinn_customer_configuration') {
 *     // no system user for this org (Maskinporten MP-303): onboard the customer first
 *   }
 *   throw error;
 * }
 * ```
 */
export class BrokerResponseError extends BrokerClientError {
  override readonly name = 'BrokerResponseError';
  readonly code = 'ERR_BROKER_RESPONSE';
  /** The HTTP status. */
  readonly status: number;
  /** The broker's `error` (`invalid_request`, `access_denied`, Maskinporten's `invalid_scope`, ...), or `http_<status>` when the body had none. */
  readonly error: string;
  /** The broker's `error_description`. */
  readonly errorDescription: string;
  /** What Maskinporten answered the broker, when it did (with its `MP-nnn` id in `error_description`). */
  readonly maskinportenError?: UpstreamError;
  /** What Altinn answered the broker, when it did (its `AUTH-nnnnn` code as `error`). */
  readonly altinnError?: UpstreamError;
  /** Seconds the broker asked to wait (`Retry-After`), when it did. */
  readonly retryAfter?: number;

  constructor(
    fields: {
      status: number;
      error: string;
      errorDescription: string;
      maskinportenError?: UpstreamError;
      altinnError?: UpstreamError;
      retryAfter?: number;
    },
    attempts: number,
  ) {
    super(
      `the broker answered ${fields.status} ${fields.error}: ${fields.errorDescription}`,
      attempts,
    );
    this.status = fields.status;
    this.error = fields.error;
    this.errorDescription = fields.errorDescription;
    if (fields.maskinportenError) this.maskinportenError = fields.maskinportenError;
    if (fields.altinnError) this.altinnError = fields.altinnError;
    if (fields.retryAfter !== undefined) this.retryAfter = fields.retryAfter;
  }

  /** True for the statuses the client retries (429, 502, 503, 504). */
  get retryable(): boolean {
    return RETRYABLE_STATUSES.has(this.status);
  }
}

/** No answer within the deadline. `cause` is the last failure before it, if there was one. */
export class BrokerTimeoutError extends BrokerClientError {
  override readonly name = 'BrokerTimeoutError';
  readonly code = 'ERR_BROKER_TIMEOUT';
  readonly deadlineMs: number;

  constructor(deadlineMs: number, attempts: number, options?: ErrorOptions) {
    super(`no answer from the broker within ${deadlineMs} ms`, attempts, options);
    this.deadlineMs = deadlineMs;
  }
}

/** The broker could not be reached (DNS, refused or reset connections, TLS). `cause` says how. */
export class BrokerConnectionError extends BrokerClientError {
  override readonly name = 'BrokerConnectionError';
  readonly code = 'ERR_BROKER_CONNECTION';
}

/** A success status with a body that is not a token answer (a proxy in the way?). Never retried. */
export class BrokerProtocolError extends BrokerClientError {
  override readonly name = 'BrokerProtocolError';
  readonly code = 'ERR_BROKER_PROTOCOL';
}

/** No AWS credentials to sign with (the default chain found none, or the provider failed). */
export class BrokerSigningError extends BrokerClientError {
  override readonly name = 'BrokerSigningError';
  readonly code = 'ERR_BROKER_SIGNING';
}

/** The statuses worth another attempt: throttling and gateway failures. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);
