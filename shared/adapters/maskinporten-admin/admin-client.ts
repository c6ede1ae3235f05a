import { publicJwkMembers, type RsaPublicJwk } from '../../domain/public-jwk.js';
import { requireSecureUrl } from '../../domain/secure-url.js';
import type { Deadline } from '../../ports/deadline.js';
import {
  type AdminClientInfo,
  type AdminFailureKind,
  type AdminTokenProvider,
  MASKINPORTEN_ADMIN_SCOPE,
  type MaskinportenAdminApi,
  MaskinportenAdminError,
  type RegisteredKeySet,
} from '../../ports/maskinporten-admin.js';
import { readLimited } from '../upstream-http.js';
import { parseJson, readApiError, readClient, readKeySet } from './admin-json.js';

/** Five JWKs with certificate chains fit many times over; a client object too. */
const MAX_RESPONSE_BYTES = 256 * 1024;

/**
 * Digdir's self-service bases for `--env test|prod`. Digdir's docs give `/clients/` on these
 * hosts; production clients use versioned prefixes, and which one Digdir recommends is not stated
 * (maskinporten-admin-api.md §1, inferred). `/api/v1/` is the one NAV's digdirator has used in
 * production since 2025-04.
 */
export const DIGDIR_ADMIN_BASE_URLS = {
  test: 'https://api.test.samarbeid.digdir.no/api/v1/',
  prod: 'https://api.samarbeid.digdir.no/api/v1/',
} as const;

export interface MaskinportenAdminClientOptions {
  /** `MASKINPORTEN_ADMIN_URL`: `clients/{id}/...` is appended (https, or http on loopback). */
  baseUrl: string;
  /** The broker's own Maskinporten client. */
  clientId: string;
  /** A Maskinporten token with `idporten:dcr.write` for the broker's own client. */
  tokenProvider: AdminTokenProvider;
  fetch?: typeof fetch;
}

type Answer = { status: number; text: string };

/**
 * Digdir's self-service API for the broker's own client, over HTTP: read the registered JWK set,
 * replace it as a whole, read the client (for `access_token_lifetime`). Each call carries a
 * Maskinporten bearer token with the admin scope and ends at the caller's deadline,
 * never follows a redirect (the token must not travel to another host), reads at most 256 KiB,
 * and sends only the public members of each key. No retries: the scheduled sync runs again, and
 * a person running `keys` sees the error.
 *
 * @see https://docs.digdir.no/docs/idporten/oidc/oidc_api_admin
 */
export class MaskinportenAdminClient implements MaskinportenAdminApi {
  readonly #jwksUrl: string;
  readonly #clientUrl: string;
  readonly #tokens: AdminTokenProvider;
  readonly #fetch: typeof fetch;

  constructor(options: MaskinportenAdminClientOptions) {
    const base = requireSecureUrl(options.baseUrl, 'MASKINPORTEN_ADMIN_URL');
    if (base.search || base.hash) {
      throw new TypeError('MASKINPORTEN_ADMIN_URL must not have a query or fragment');
    }
    if (options.clientId.trim() === '') throw new TypeError('The client id must not be empty');
    const root = base.href.endsWith('/') ? base.href : `${base.href}/`;
    this.#clientUrl = new URL(`clients/${encodeURIComponent(options.clientId)}`, root).href;
    this.#jwksUrl = `${this.#clientUrl}/jwks`;
    this.#tokens = options.tokenProvider;
    this.#fetch = options.fetch ?? fetch;
  }

  async getKeys(deadline: Deadline): Promise<RegisteredKeySet> {
    const answer = await this.#call('GET', this.#jwksUrl, deadline);
    return keySetFrom(answer, 'its key set');
  }

  /**
   * Digdir answers 201 with the stored set (the Altinn-only spec; inferred for the general API).
   * If the answer cannot be read, the set may still have been stored: read it back with GET.
   */
  async replaceKeys(keys: readonly RsaPublicJwk[], deadline: Deadline): Promise<RegisteredKeySet> {
    const body = { keys: keys.map(publicJwkMembers) };
    const answer = await this.#call('POST', this.#jwksUrl, deadline, body);
    return keySetFrom(answer, 'the stored key set (the write may have happened)');
  }

  async getClient(deadline: Deadline): Promise<AdminClientInfo> {
    const answer = await this.#call('GET', this.#clientUrl, deadline);
    const client = readClient(parseJson(answer.text));
    if (!client) throw malformed(answer, 'a client without client_id');
    return client;
  }

  async #call(method: 'GET' | 'POST', url: string, deadline: Deadline, body?: unknown) {
    const token = await this.#tokens([MASKINPORTEN_ADMIN_SCOPE], deadline);
    const { signal } = deadline;
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
        redirect: 'error',
      });
      // Over the limit reads as empty: a 2xx then fails as malformed, an error keeps its status.
      text = (await readLimited(response, MAX_RESPONSE_BYTES)) ?? '';
    } catch (error) {
      throw transportError(error, signal);
    }
    if (response.status >= 200 && response.status < 300) return { status: response.status, text };
    const detail = readApiError(text);
    const code = detail.error ? ` ${detail.error}` : '';
    const said = detail.errorDescription ? `: ${detail.errorDescription}` : '';
    throw new MaskinportenAdminError(
      kindOf(response.status),
      `Digdir's self-service API answered HTTP ${response.status}${code}${said}`,
      { status: response.status, detail },
    );
  }
}

function kindOf(status: number): AdminFailureKind {
  switch (status) {
    case 400:
      return 'bad_request';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 409:
      return 'conflict';
    case 429:
      return 'unavailable';
    default:
      return status >= 500 ? 'unavailable' : 'rejected';
  }
}

function keySetFrom(answer: Answer, what: string): RegisteredKeySet {
  const set = readKeySet(parseJson(answer.text));
  if (!set) throw malformed(answer, `something other than ${what}`);
  return set;
}

function malformed(answer: Answer, what: string): MaskinportenAdminError {
  return new MaskinportenAdminError(
    'malformed',
    `Digdir's self-service API answered HTTP ${answer.status} with ${what}`,
    { status: answer.status },
  );
}

/** A fetch rejection as a network or timeout error, naming the cause but nothing sent. */
function transportError(error: unknown, signal: AbortSignal): MaskinportenAdminError {
  if (error instanceof MaskinportenAdminError) return error;
  const name = error instanceof Error ? error.name : 'Error';
  if (signal.aborted || name === 'TimeoutError' || name === 'AbortError') {
    return new MaskinportenAdminError(
      'timeout',
      "no answer from Digdir's self-service API in time",
    );
  }
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown; message?: unknown }) : undefined;
  if (typeof cause?.message === 'string' && /redirect/i.test(cause.message)) {
    return new MaskinportenAdminError(
      'network',
      "Digdir's self-service API answered with a redirect, which the broker does not follow",
    );
  }
  const code = typeof cause?.code === 'string' ? ` (${cause.code})` : '';
  return new MaskinportenAdminError(
    'network',
    `Digdir's self-service API could not be reached${code}`,
  );
}
