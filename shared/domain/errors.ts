/**
 * What went wrong, and so what the caller gets: each kind has one HTTP status and one RFC 6749
 * `error` code ({@link ERROR_KINDS}). Upstream answers become kinds in `shared/app/upstream-errors.ts`.
 */
export type BrokerErrorKind =
  | 'invalid_request'
  | 'access_denied'
  | 'not_found'
  | 'method_not_allowed'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'conflict'
  | 'rate_limited'
  | 'upstream_refused'
  | 'upstream_rejected_grant'
  | 'broker_misconfigured'
  | 'upstream_unavailable'
  | 'upstream_timeout'
  | 'signing_failed'
  | 'internal';

/** How one kind goes on the wire. */
export interface ErrorKindMeaning {
  status: number;
  /** RFC 6749 §5.2 code where one fits, plain HTTP meanings otherwise; an error may override it. */
  error: string;
  /** The broker's own configuration or code is at fault: logged loudly (`broker fault`). */
  fault: boolean;
}

/**
 * The one table from kind to answer. Why did this become a 502? Find the kind in the audit line's
 * `outcome`, then its row here; what produces it is written beside it.
 */
export const ERROR_KINDS: Readonly<Record<BrokerErrorKind, ErrorKindMeaning>> = {
  /** The caller's input (the description names the field), or a `minTtl` no token can meet. */
  invalid_request: { status: 400, error: 'invalid_request', fault: false },
  /** The caller policy says no, or the caller has no identity. */
  access_denied: { status: 403, error: 'access_denied', fault: false },
  /** No such endpoint, or Altinn knows no such request. */
  not_found: { status: 404, error: 'not_found', fault: false },
  method_not_allowed: { status: 405, error: 'method_not_allowed', fault: false },
  /** Altinn has a system user for the key already (AUTH-00004), or another 409. */
  conflict: { status: 409, error: 'conflict', fault: false },
  payload_too_large: { status: 413, error: 'invalid_request', fault: false },
  unsupported_media_type: { status: 415, error: 'invalid_request', fault: false },
  /** The caller made more cache misses than its rule's `maxMissesPerMinute`; `Retry-After` says when. */
  rate_limited: { status: 429, error: 'temporarily_unavailable', fault: false },
  /** Maskinporten refused what was asked for (MP-2xx/3xx): its own `error` goes on the wire. */
  upstream_refused: { status: 403, error: 'access_denied', fault: false },
  /** Maskinporten rejected the broker's own grant (key, kid, client, clock: MP-1xx, MP-01x). */
  upstream_rejected_grant: { status: 502, error: 'server_error', fault: true },
  /**
   * Altinn refused the broker itself (its token, its system id, the exchange), or the broker could
   * not get its own vendor token: a configuration fault, not the caller's.
   */
  broker_misconfigured: { status: 502, error: 'server_error', fault: true },
  /** Maskinporten, Altinn or KMS failing: 5xx, 429, network, unreadable answers, throttling. */
  upstream_unavailable: { status: 502, error: 'temporarily_unavailable', fault: false },
  /** The request's deadline ran out before an upstream (or the signer) answered. */
  upstream_timeout: { status: 504, error: 'temporarily_unavailable', fault: false },
  /** The signer refused (KMS access denied, a disabled key): the grant could not be signed. */
  signing_failed: { status: 500, error: 'server_error', fault: true },
  /** A bug, or a broker that could not start (bad secret, bad policy). */
  internal: { status: 500, error: 'server_error', fault: true },
};

/** Maskinporten's (or Altinn's) answer, passed on so the caller sees exactly what upstream said. */
export interface UpstreamErrorDetail {
  status: number;
  /** The upstream's own error code (`invalid_scope`, `AUTH-00004`). */
  error?: string;
  error_description?: string;
  /** The `MP-nnn` id found in `error_description`, when there is one. */
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

const MP_CODE = /\b(MP-\d{3})\b/;

/**
 * Pulls the `MP-nnn` id out of a Maskinporten `error_description`, wherever it stands: Digdir's
 * examples start with it, but a prefix such as `Invalid assertion (MP-100)` must not lose it.
 */
export function maskinportenCode(description: string | undefined): string | undefined {
  return description ? MP_CODE.exec(description)?.[1] : undefined;
}
