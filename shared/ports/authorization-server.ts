import type { Deadline } from './deadline.js';

/**
 * The parts of Maskinporten's RFC 8414 metadata the broker uses.
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_func_wellknown
 */
export interface AuthorizationServerMetadata {
  /** The issuer identifier; used verbatim as the grant `aud` (with its trailing slash). */
  issuer: string;
  token_endpoint: string;
}

/**
 * A successful token response.
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_protocol_token
 */
export interface TokenEndpointResponse {
  access_token: string;
  token_type: string;
  /** Seconds until the token expires, counted from when Maskinporten answered. */
  expires_in: number;
  scope?: string;
}

/** Maskinporten's error body: `error`, and an `error_description` that often starts with `MP-nnn`. */
export interface OAuthErrorBody {
  error?: string;
  error_description?: string;
}

/** Why one call to the authorization server failed; the app layer decides whether to retry. */
export type UpstreamFailure =
  | { kind: 'network'; message: string }
  | { kind: 'timeout'; message: string }
  | {
      kind: 'http';
      status: number;
      body: OAuthErrorBody;
      /** From a `Retry-After` header, in milliseconds. */
      retryAfterMs?: number;
    }
  | { kind: 'malformed'; status: number; message: string };

/** Thrown by `AuthorizationServer` implementations; carries no token, grant or key material. */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  readonly failure: UpstreamFailure;

  constructor(failure: UpstreamFailure) {
    super(describeFailure(failure));
    this.failure = failure;
  }
}

function describeFailure(failure: UpstreamFailure): string {
  switch (failure.kind) {
    case 'http':
      return `HTTP ${failure.status}${failure.body.error ? ` ${failure.body.error}` : ''}`;
    case 'malformed':
      return `HTTP ${failure.status}: ${failure.message}`;
    default:
      return failure.message;
  }
}

/** Maskinporten (or the sandbox) seen from the broker. */
export interface AuthorizationServer {
  /**
   * Metadata, cached by the adapter; the last good copy is kept when a refresh fails. A caller
   * stops waiting at its deadline (a refresh shared with others is not cancelled by it).
   */
  metadata(deadline: Deadline): Promise<AuthorizationServerMetadata>;
  /** `POST token_endpoint` with the jwt-bearer grant. Throws `UpstreamError`. */
  requestToken(assertion: string, deadline: Deadline): Promise<TokenEndpointResponse>;
}
