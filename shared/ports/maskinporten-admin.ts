import type { RegisteredKey } from '../domain/key-set-plan.js';
import type { RsaPublicJwk } from '../domain/public-jwk.js';
import type { Deadline } from './deadline.js';

/**
 * The scope of the Maskinporten token the self-service API takes. Digdir's docs do not map scopes
 * to `/jwks`; Altinn's broker and NAV's digdirator use `idporten:dcr.write` for reading and
 * writing a client's keys (maskinporten-admin-api.md §2, inferred from those codebases).
 *
 * @see https://docs.digdir.no/docs/idporten/oidc/oidc_api_admin
 */
export const MASKINPORTEN_ADMIN_SCOPE = 'idporten:dcr.write';

/** The set registered on the client, as `GET`/`POST .../jwks` return it. */
export interface RegisteredKeySet {
  keys: RegisteredKey[];
  /** The set's `created`, epoch ms, when given. */
  created?: number;
  /** The set's `last_updated`, epoch ms, when given. */
  lastUpdated?: number;
}

/** The parts of `GET /clients/{id}` the broker uses. */
export interface AdminClientInfo {
  clientId: string;
  orgNo?: string;
  scopes?: string[];
  /** `access_token_lifetime` in seconds, when the API shows it (Digdir's default is 120). */
  accessTokenLifetimeSeconds?: number;
}

/**
 * Gets a Maskinporten access token for the broker's own client with these scopes, by the deadline
 * (the composition binds it to the broker's fetcher, under a cache key of its own).
 */
export type AdminTokenProvider = (scopes: readonly string[], deadline: Deadline) => Promise<string>;

/**
 * Digdir's self-service API for the broker's own Maskinporten client. Keys are handled only as a
 * whole set: `replaceKeys` replaces every registered key.
 *
 * @see https://docs.digdir.no/docs/idporten/oidc/oidc_api_admin
 */
export interface MaskinportenAdminApi {
  /** `GET {base}/clients/{id}/jwks`. */
  getKeys(deadline: Deadline): Promise<RegisteredKeySet>;
  /** `POST {base}/clients/{id}/jwks` with `{"keys": [...]}`; resolves the stored set (201). */
  replaceKeys(keys: readonly RsaPublicJwk[], deadline: Deadline): Promise<RegisteredKeySet>;
  /** `GET {base}/clients/{id}`. */
  getClient(deadline: Deadline): Promise<AdminClientInfo>;
}

/**
 * How a call failed. By status (Digdir's `error` codes are undocumented, so the status decides):
 * 400 `bad_request`, 401 `unauthorized`, 403 `forbidden`, 404 `not_found`, 409 `conflict`, 429
 * and 5xx `unavailable`, any other non-2xx `rejected`; and `network`, `timeout`, `malformed`.
 */
export type AdminFailureKind =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'unavailable'
  | 'rejected'
  | 'network'
  | 'timeout'
  | 'malformed';

/** One entry of `ApiErrorResponse.errors`. */
export interface AdminFieldError {
  field?: string;
  message: string;
}

/** What Digdir's `ApiErrorResponse` said, read tolerantly and cut short. */
export interface AdminErrorDetail {
  error?: string;
  errorDescription?: string;
  correlationId?: string;
  fieldErrors?: AdminFieldError[];
}

/** Thrown by the self-service adapter. Carries Digdir's answer, never a token or a key. */
export class MaskinportenAdminError extends Error {
  override readonly name = 'MaskinportenAdminError';
  readonly kind: AdminFailureKind;
  /** HTTP status, for answers. */
  readonly status?: number;
  readonly error?: string;
  readonly errorDescription?: string;
  /** Digdir's `correlation_id`, to quote to Digdir's service desk. */
  readonly correlationId?: string;
  readonly fieldErrors: readonly AdminFieldError[];

  constructor(
    kind: AdminFailureKind,
    message: string,
    options: { status?: number; detail?: AdminErrorDetail } = {},
  ) {
    super(message);
    this.kind = kind;
    const { status, detail = {} } = options;
    if (status !== undefined) this.status = status;
    if (detail.error !== undefined) this.error = detail.error;
    if (detail.errorDescription !== undefined) this.errorDescription = detail.errorDescription;
    if (detail.correlationId !== undefined) this.correlationId = detail.correlationId;
    this.fieldErrors = detail.fieldErrors ?? [];
  }
}
