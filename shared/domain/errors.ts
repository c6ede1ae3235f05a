/**
 * What went wrong, for metrics and logs. The HTTP status and the RFC 6749 `error` code on the wire
 * follow from it (see `toErrorResponse`).
 */
export type BrokerErrorKind =
  | 'invalid_request'
  | 'access_denied'
  | 'not_found'
  | 'method_not_allowed'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'upstream_refused'
  | 'upstream_rejected_grant'
  | 'upstream_unavailable'
  | 'upstream_timeout'
  | 'conflict'
  | 'internal';

/** Maskinporten's (or Altinn's) answer, passed on so the caller sees exactly what upstream said. */
export interface UpstreamErrorDetail {
  status: number;
  /** The upstream's own error code (`invalid_scope`, `AUTH-00004`). */
  error?: string;
  error_description?: string;
  /** The `MP-nnn` id at the start of `error_description`, when there is one. */
  code?: string;
}

export interface BrokerErrorOptions extends ErrorOptions {
  upstream?: UpstreamErrorDetail;
  /** Overrides the wire `error` code (e.g. Maskinporten's own `invalid_scope`). */
  error?: string;
  /** Seconds, for a `Retry-After` header. */
  retryAfter?: number;
  /** Who `upstream` is (default Maskinporten). */
  upstreamSource?: 'maskinporten' | 'altinn';
  /** Extra response headers, e.g. `Allow` on a 405. */
  headers?: Readonly<Record<string, string>>;
}

/**
 * The one error type that crosses from the core to the HTTP edge. Its message is safe to show to
 * the caller: it never contains a token, grant, key or secret value.
 */
export class BrokerError extends Error {
  override readonly name = 'BrokerError';
  readonly upstream?: UpstreamErrorDetail;
  readonly error?: string;
  readonly retryAfter?: number;
  readonly upstreamSource?: 'maskinporten' | 'altinn';
  readonly headers?: Readonly<Record<string, string>>;
  readonly kind: BrokerErrorKind;

  constructor(kind: BrokerErrorKind, message: string, options: BrokerErrorOptions = {}) {
    super(message, options);
    this.kind = kind;
    if (options.upstream) this.upstream = options.upstream;
    if (options.error) this.error = options.error;
    if (options.retryAfter !== undefined) this.retryAfter = options.retryAfter;
    if (options.upstreamSource) this.upstreamSource = options.upstreamSource;
    if (options.headers) this.headers = options.headers;
  }
}

export const invalidRequest = (message: string) => new BrokerError('invalid_request', message);

const MP_CODE = /^\s*(MP-\d{3})\b/;

/** Pulls the `MP-nnn` id out of a Maskinporten `error_description`. */
export function maskinportenCode(description: string | undefined): string | undefined {
  return description ? MP_CODE.exec(description)?.[1] : undefined;
}
