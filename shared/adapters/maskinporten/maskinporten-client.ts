import { redactJwts } from '../../domain/redact.js';
import { requireSecureUrl } from '../../domain/secure-url.js';
import {
  type AuthorizationServer,
  type AuthorizationServerMetadata,
  type TokenEndpointResponse,
  UpstreamError,
} from '../../ports/authorization-server.js';
import type { Clock } from '../../ports/clock.js';
import { Deadline, untilAborted } from '../../ports/deadline.js';
import { readLimited } from '../upstream-http.js';
import { parseOAuthErrorBody, parseRetryAfter, toTransportError } from './http-errors.js';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const METADATA_PATH = '.well-known/oauth-authorization-server';
const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;

export interface MaskinportenClientOptions {
  /** The configured issuer, e.g. `https://test.maskinporten.no/` (trailing slash included). */
  issuer: string;
  clock: Clock;
  fetch?: typeof fetch;
  /** How long metadata is trusted before it is read again (default one hour). */
  metadataTtlMs?: number;
  /** Timeout for one metadata read (default 2000 ms). */
  metadataTimeoutMs?: number;
}

/**
 * Maskinporten over HTTP: RFC 8414 metadata, cached with the last good copy kept when a refresh
 * fails, and the RFC 7523 jwt-bearer token request. Retrying is the caller's job, because every
 * attempt needs a fresh grant.
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_func_wellknown
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_protocol_token
 */
export class MaskinportenHttpClient implements AuthorizationServer {
  readonly #issuer: string;
  readonly #metadataUrl: string;
  readonly #clock: Clock;
  readonly #fetch: typeof fetch;
  readonly #metadataTtlMs: number;
  readonly #metadataTimeoutMs: number;
  #metadata?: { value: AuthorizationServerMetadata; fetchedAt: number };
  #metadataInFlight?: Promise<AuthorizationServerMetadata>;

  constructor(options: MaskinportenClientOptions) {
    const issuerUrl = requireSecureUrl(options.issuer, 'MASKINPORTEN_ISSUER');
    // Used verbatim as the grant `aud`; `new URL('https://x').pathname` is '/' even without one.
    if (!options.issuer.endsWith('/') || issuerUrl.search || issuerUrl.hash) {
      throw new TypeError(`MASKINPORTEN_ISSUER must end with "/": ${issuerUrl.href}`);
    }
    this.#issuer = options.issuer;
    this.#metadataUrl = new URL(METADATA_PATH, issuerUrl).href;
    this.#clock = options.clock;
    this.#fetch = options.fetch ?? fetch;
    this.#metadataTtlMs = options.metadataTtlMs ?? 3_600_000;
    this.#metadataTimeoutMs = options.metadataTimeoutMs ?? 2_000;
  }

  async metadata(deadline: Deadline): Promise<AuthorizationServerMetadata> {
    const cached = this.#metadata;
    if (cached && this.#clock() - cached.fetchedAt < this.#metadataTtlMs) return cached.value;
    // The shared refresh runs on the client's own timeout: one caller's deadline must not cancel it
    // for the others who joined; each caller stops waiting at its own deadline instead.
    this.#metadataInFlight ??= this.#refreshMetadata().finally(() => {
      this.#metadataInFlight = undefined;
    });
    try {
      return await untilAborted(this.#metadataInFlight, deadline.signal);
    } catch (error) {
      if (cached) return cached.value;
      throw error instanceof UpstreamError ? error : toTransportError(error, deadline.signal);
    }
  }

  async requestToken(assertion: string, deadline: Deadline): Promise<TokenEndpointResponse> {
    const { token_endpoint: endpoint } = await this.metadata(deadline);
    const { signal } = deadline;
    const body = new URLSearchParams({ grant_type: JWT_BEARER, assertion });
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body,
        signal,
        // A grant goes to the token endpoint the metadata names, nowhere else (a 3xx fails).
        redirect: 'error',
      });
      text = await readBody(response);
    } catch (error) {
      throw toTransportError(error, signal);
    }
    const contentType = response.headers.get('content-type');
    if (response.status !== 200) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.#clock());
      throw new UpstreamError({
        kind: 'http',
        status: response.status,
        body: parseOAuthErrorBody(text, contentType),
        retryAfterMs,
      });
    }
    return parseTokenResponse(text, response.status);
  }

  async #refreshMetadata(): Promise<AuthorizationServerMetadata> {
    const own = Deadline.after(this.#metadataTimeoutMs, this.#clock);
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(this.#metadataUrl, {
        headers: { accept: 'application/json' },
        signal: own.signal,
        redirect: 'error',
      });
      text = await readBody(response);
    } catch (error) {
      throw toTransportError(error, own.signal);
    } finally {
      own.dispose();
    }
    if (response.status !== 200) {
      throw new UpstreamError({
        kind: 'http',
        status: response.status,
        body: parseOAuthErrorBody(text, response.headers.get('content-type')),
      });
    }
    const value = this.#parseMetadata(text, response.status);
    this.#metadata = { value, fetchedAt: this.#clock() };
    return value;
  }

  #parseMetadata(text: string, status: number): AuthorizationServerMetadata {
    const parsed = parseJsonObject(text);
    const issuer = parsed?.['issuer'];
    const endpoint = parsed?.['token_endpoint'];
    if (typeof issuer !== 'string' || typeof endpoint !== 'string') {
      throw new UpstreamError({
        kind: 'malformed',
        status,
        message: 'metadata without issuer or token_endpoint',
      });
    }
    // RFC 8414 §3.3: the metadata must name exactly the issuer we were configured with.
    if (issuer !== this.#issuer) {
      throw new UpstreamError({
        kind: 'malformed',
        status,
        message: redactJwts(`metadata names another issuer: ${issuer.slice(0, 200)}`),
      });
    }
    try {
      requireSecureUrl(endpoint, 'token_endpoint');
    } catch (error) {
      throw new UpstreamError({
        kind: 'malformed',
        status,
        message: redactJwts((error as Error).message),
      });
    }
    return { issuer, token_endpoint: endpoint };
  }
}

function parseTokenResponse(text: string, status: number): TokenEndpointResponse {
  const parsed = parseJsonObject(text);
  const token = parsed?.['access_token'];
  const expiresIn = parsed?.['expires_in'];
  if (typeof token !== 'string' || token.length === 0) {
    throw new UpstreamError({
      kind: 'malformed',
      status,
      message: 'token response without access_token',
    });
  }
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0) {
    throw new UpstreamError({
      kind: 'malformed',
      status,
      message: 'token response without a positive expires_in',
    });
  }
  const tokenType = parsed?.['token_type'];
  const scope = parsed?.['scope'];
  const response: TokenEndpointResponse = {
    access_token: token,
    token_type: typeof tokenType === 'string' ? tokenType : 'Bearer',
    expires_in: Math.floor(expiresIn),
  };
  if (typeof scope === 'string') response.scope = scope;
  return response;
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The body, read as empty when a misbehaving server sends more than `limit` bytes. */
async function readBody(response: Response): Promise<string> {
  return (await readLimited(response, MAX_TOKEN_RESPONSE_BYTES)) ?? '';
}
