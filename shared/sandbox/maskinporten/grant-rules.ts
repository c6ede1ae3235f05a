import { isValidOrgnr } from '../../domain/orgnr.js';
import { parseAuthorizationDetails, type SystemUserGrantRequest } from './authorization-details.js';
import type { JsonObject } from './jws-decode.js';
import {
  invalidAssertion,
  invalidAudience,
  invalidParameter,
  issuedInFuture,
  jwtExpired,
} from './mp-errors.js';

/** Digdir: `iat` is accepted only within 10 s of Maskinporten's clock. */
export const IAT_SKEW_SECONDS = 10;
/** Digdir: `exp` at most 120 s after `iat`. */
export const MAX_GRANT_LIFETIME_SECONDS = 120;

/** Header algorithms Maskinporten accepts (its metadata's signing algs). */
export const GRANT_ALGORITHMS = ['RS256', 'RS384', 'RS512'] as const;

/**
 * The grant claims Digdir documents. `nbf`, `sub` and the deprecated `iss_onbehalfof` are not
 * listed, so the simulator rejects them: "Adding claims not present in the following documentation
 * will result in a response of 400 Bad request with error description containing Invalid assertion".
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_protocol_jwtgrant
 */
export const ALLOWED_GRANT_CLAIMS: ReadonlySet<string> = new Set([
  'aud',
  'iss',
  'scope',
  'iat',
  'exp',
  'jti',
  'resource',
  'pid',
  'consumer_org',
  'authorization_details',
]);

const HEADER_MEMBERS = new Set(['alg', 'kid', 'typ']);

/**
 * The header must be `alg` (RS256/384/512) and `kid`, optionally `typ: JWT`. Clients with a
 * registered key must use `kid`; the simulator does not model `x5c` (business certificates).
 */
export function checkGrantHeader(header: JsonObject): { alg: string; kid: string } {
  const extra = Object.keys(header).find((key) => !HEADER_MEMBERS.has(key));
  if (extra !== undefined) throw invalidAssertion(`JWT header ${extra} is not allowed`);
  const { alg, kid, typ } = header;
  if (typeof alg !== 'string' || !(GRANT_ALGORITHMS as readonly string[]).includes(alg)) {
    throw invalidAssertion('JWT header alg must be RS256, RS384 or RS512');
  }
  if (typeof kid !== 'string' || kid === '') throw invalidAssertion('JWT header kid is required');
  if (typ !== undefined && typ !== 'JWT') throw invalidAssertion('JWT header typ must be JWT');
  return { alg, kid };
}

export interface GrantTimes {
  iat: number;
  exp: number;
  jti: string;
}

/**
 * The JWT-level rules, after the signature verified: only documented claims, `aud` exactly the
 * issuer (not the token endpoint, not without its trailing slash), `iat` within 10 s of `now`,
 * `exp` after `now` and at most 120 s after `iat`, and a `jti`.
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_protocol_jwtgrant
 */
export function checkGrantClaims(claims: JsonObject, issuer: string, now: number): GrantTimes {
  const extra = Object.keys(claims).find((key) => !ALLOWED_GRANT_CLAIMS.has(key));
  if (extra !== undefined) throw invalidAssertion(`claim ${extra} is not allowed`);
  if (claims['aud'] !== issuer) throw invalidAudience(`aud must be exactly ${issuer}`);
  const iat = numericDate(claims['iat'], 'iat');
  const exp = numericDate(claims['exp'], 'exp');
  if (iat - now > IAT_SKEW_SECONDS) throw issuedInFuture();
  if (now - iat > IAT_SKEW_SECONDS) throw jwtExpired('iat is too old');
  if (exp <= iat || exp - iat > MAX_GRANT_LIFETIME_SECONDS) {
    throw invalidAssertion(
      `exp must be after iat and at most ${MAX_GRANT_LIFETIME_SECONDS} s later`,
    );
  }
  if (exp <= now) throw jwtExpired();
  const jti = claims['jti'];
  if (typeof jti !== 'string' || jti.trim() === '' || jti.length > 512) {
    throw invalidAssertion('jti is required');
  }
  return { iat, exp, jti };
}

/** What the grant asks for, once its JWT-level rules passed. */
export interface GrantRequest {
  scopes: string[];
  resource?: string[];
  pid?: string;
  consumerOrg?: string;
  systemUser?: SystemUserGrantRequest;
}

/**
 * Shapes of the request claims: a non-empty space-separated `scope`, `resource` as an array of
 * absolute URIs ("Currently only array supported"), `pid` an 11-digit fødselsnummer, `consumer_org`
 * a bare orgno, `authorization_details` one system-user element. Combining `consumer_org` with a
 * system user is undocumented, so the simulator refuses it.
 */
export function parseGrantRequest(claims: JsonObject): GrantRequest {
  const scope = claims['scope'];
  if (typeof scope !== 'string') throw invalidParameter('scope is required');
  const scopes = [...new Set(scope.split(' ').filter(Boolean))];
  if (scopes.length === 0) throw invalidParameter('scope must name at least one scope');
  const request: GrantRequest = { scopes };
  if (claims['resource'] !== undefined) request.resource = parseResource(claims['resource']);
  const pid = claims['pid'];
  if (pid !== undefined) {
    if (typeof pid !== 'string' || !/^\d{11}$/.test(pid)) {
      throw invalidParameter('pid must be an 11-digit string');
    }
    request.pid = pid;
  }
  const consumerOrg = claims['consumer_org'];
  if (consumerOrg !== undefined) {
    if (typeof consumerOrg !== 'string' || !isValidOrgnr(consumerOrg)) {
      throw invalidParameter('consumer_org must be a 9-digit orgno with a valid check digit');
    }
    request.consumerOrg = consumerOrg;
  }
  if (claims['authorization_details'] !== undefined) {
    request.systemUser = parseAuthorizationDetails(claims['authorization_details']);
  }
  if (request.systemUser && request.consumerOrg) {
    throw invalidParameter('consumer_org cannot be combined with urn:altinn:systemuser');
  }
  return request;
}

function parseResource(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw invalidParameter('resource must be a non-empty array');
  }
  return value.map((item) => {
    if (typeof item !== 'string' || !URL.canParse(item)) {
      throw invalidParameter('resource entries must be absolute URIs');
    }
    return item;
  });
}

function numericDate(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalidAssertion(`${name} must be a NumericDate`);
  }
  return value;
}
