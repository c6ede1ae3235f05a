import type { RegisteredKey } from '../../domain/key-set-plan.js';
import type { RsaPublicJwk } from '../../domain/public-jwk.js';
import type {
  AdminClientInfo,
  AdminErrorDetail,
  RegisteredKeySet,
} from '../../ports/maskinporten-admin.js';

const MAX_TEXT = 500;
const MAX_FIELD_ERRORS = 20;

type JsonObject = Record<string, unknown>;

/** `JSON.parse`, or undefined when the text is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A JWK set as `GET`/`POST .../jwks` return it: `{"keys": [...], "created", "last_updated"}`,
 * each key with `kty, kid, use, alg, n, e`, maybe `x5c`, and Digdir's `exp` (epoch seconds) and
 * `created`. Strict where it matters: the set is the basis of a whole-set replacement, so a
 * missing `keys` array or a key that cannot be read makes the whole answer unreadable (undefined)
 * rather than a shorter set that would drop a key on the next write.
 *
 * A key's registration time is its own `created`, else the set's `last_updated`: every key in
 * the set was registered by then, so the promotion check errs on the side of waiting.
 *
 * @see https://docs.digdir.no/docs/idporten/oidc/oidc_api_admin
 */
export function readKeySet(value: unknown): RegisteredKeySet | undefined {
  if (!isObject(value) || !Array.isArray(value['keys'])) return undefined;
  const created = dateOf(value['created']);
  const lastUpdated = dateOf(value['last_updated']);
  const keys: RegisteredKey[] = [];
  for (const raw of value['keys']) {
    const key = readKey(raw, lastUpdated);
    if (!key) return undefined;
    keys.push(key);
  }
  const set: RegisteredKeySet = { keys };
  if (created !== undefined) set.created = created;
  if (lastUpdated !== undefined) set.lastUpdated = lastUpdated;
  return set;
}

function readKey(raw: unknown, setUpdated: number | undefined): RegisteredKey | undefined {
  if (!isObject(raw)) return undefined;
  const { kty, kid, n, e, alg, use, x5c, exp } = raw;
  if (kty !== 'RSA' || typeof kid !== 'string' || kid === '') return undefined;
  if (typeof n !== 'string' || typeof e !== 'string') return undefined;
  const jwk: RsaPublicJwk = { kty, kid, n, e };
  if (typeof alg === 'string') jwk.alg = alg;
  if (typeof use === 'string') jwk.use = use;
  if (Array.isArray(x5c) && x5c.every((cert) => typeof cert === 'string')) jwk.x5c = x5c;
  const key: RegisteredKey = { jwk };
  if (typeof exp === 'number' && Number.isFinite(exp)) key.expiresAt = exp * 1000;
  const registeredAt = dateOf(raw['created']) ?? setUpdated;
  if (registeredAt !== undefined) key.registeredAt = registeredAt;
  return key;
}

/** `GET /clients/{id}` (AO spec `ClientResponse`); undefined without a `client_id`. */
export function readClient(value: unknown): AdminClientInfo | undefined {
  if (!isObject(value) || typeof value['client_id'] !== 'string') return undefined;
  const info: AdminClientInfo = { clientId: value['client_id'] };
  const { client_orgno: orgNo, scopes, access_token_lifetime: lifetime } = value;
  if (typeof orgNo === 'string') info.orgNo = orgNo;
  if (Array.isArray(scopes)) info.scopes = scopes.filter((s): s is string => typeof s === 'string');
  if (typeof lifetime === 'number' && Number.isInteger(lifetime) && lifetime > 0) {
    info.accessTokenLifetimeSeconds = lifetime;
  }
  return info;
}

/**
 * Digdir's `ApiErrorResponse` (`status, timestamp, correlation_id, error, error_description,
 * errors[{errorMessage, isFieldError, objectName, fieldIdentifier}]`), tolerating HTML and junk:
 * only short strings are kept.
 */
export function readApiError(text: string): AdminErrorDetail {
  const parsed = parseJson(text);
  if (!isObject(parsed)) return {};
  const detail: AdminErrorDetail = {};
  const error = short(parsed['error'], 100);
  const description = short(parsed['error_description'], MAX_TEXT);
  const correlationId = short(parsed['correlation_id'], 100);
  if (error) detail.error = error;
  if (description) detail.errorDescription = description;
  if (correlationId) detail.correlationId = correlationId;
  const errors = parsed['errors'];
  if (Array.isArray(errors)) {
    detail.fieldErrors = errors
      .filter(isObject)
      .slice(0, MAX_FIELD_ERRORS)
      .flatMap((entry) => {
        const message = short(entry['errorMessage'], MAX_TEXT);
        if (!message) return [];
        const field = short(entry['fieldIdentifier'], 200);
        return [field ? { field, message } : { message }];
      });
  }
  return detail;
}

function short(value: unknown, max: number): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.slice(0, max) : undefined;
}

function dateOf(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
