import { toIso6523 } from './orgnr.js';
import type { TokenRequest } from './token-request.js';

/**
 * Seconds between `iat` and `exp`. Digdir allows at most 120; a shorter life keeps a leaked grant
 * useless sooner while leaving room for clock skew and a retry.
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_protocol_jwtgrant
 */
export const GRANT_LIFETIME_SECONDS = 60;

/** The `authorization_details` type for Altinn system users. */
export const SYSTEM_USER_TYPE = 'urn:altinn:systemuser';

/**
 * One `urn:altinn:systemuser` entry (RFC 9396 rich authorization request).
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_func_systembruker
 */
export interface SystemUserAuthorizationDetail {
  type: typeof SYSTEM_USER_TYPE;
  systemuser_org: { authority: 'iso6523-actorid-upis'; ID: string };
  externalRef?: string;
}

/**
 * The claims of a Maskinporten JWT grant. Nothing else may be added: Maskinporten answers
 * undocumented claims with `400 invalid_grant` ("Invalid assertion").
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_protocol_jwtgrant
 */
export interface GrantClaims {
  aud: string;
  iss: string;
  scope: string;
  iat: number;
  exp: number;
  jti: string;
  resource?: string[];
  consumer_org?: string;
  authorization_details?: SystemUserAuthorizationDetail[];
}

export interface GrantContext {
  /** The issuer identifier from Maskinporten's metadata, used as `aud`. */
  issuer: string;
  clientId: string;
  /** Epoch milliseconds. */
  now: number;
  /** A fresh UUID: a grant, and so its `jti`, is never reused. */
  jti: string;
}

/** The JOSE header of every grant: RS256 with the registered `kid`. */
export function grantHeader(kid: string) {
  return { alg: 'RS256', typ: 'JWT', kid } as const;
}

/** Builds the grant claims for one token request. Pure: the clock and the `jti` come in. */
export function buildGrantClaims(request: TokenRequest, context: GrantContext): GrantClaims {
  const iat = Math.floor(context.now / 1000);
  const claims: GrantClaims = {
    aud: context.issuer,
    iss: context.clientId,
    scope: request.scopes.join(' '),
    iat,
    exp: iat + GRANT_LIFETIME_SECONDS,
    jti: context.jti,
  };
  if (request.resource) claims.resource = [...request.resource];
  if (request.consumerOrg) claims.consumer_org = request.consumerOrg;
  if (request.org)
    claims.authorization_details = [systemUserDetail(request.org, request.externalRef)];
  return claims;
}

function systemUserDetail(
  org: string,
  externalRef: string | undefined,
): SystemUserAuthorizationDetail {
  const detail: SystemUserAuthorizationDetail = {
    type: SYSTEM_USER_TYPE,
    systemuser_org: { authority: 'iso6523-actorid-upis', ID: toIso6523(org) },
  };
  if (externalRef !== undefined) detail.externalRef = externalRef;
  return detail;
}
