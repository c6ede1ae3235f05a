import { randomBytes } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { toIso6523 } from '../../domain/orgnr.js';
import { ISO6523_AUTHORITY, SYSTEM_USER_TYPE } from './authorization-details.js';
import type { GrantRequest } from './grant-rules.js';

/** The system user Altinn resolved for the grant. */
export interface ResolvedSystemUser {
  systemUserId: string;
  ownerOrgNo: string;
  systemId: string;
}

export interface AccessTokenInput {
  issuer: string;
  clientId: string;
  clientOrgNo: string;
  request: GrantRequest;
  systemUser?: ResolvedSystemUser;
  /** Epoch seconds. */
  now: number;
  lifetimeSeconds: number;
}

/**
 * Claims of an issued access token: `iss`, `client_id`, `client_amr`, `consumer` (the client's
 * org, or `consumer_org` with the client as `supplier`), `scope`, `token_type`, `iat`, `exp`,
 * `jti`, and `aud` = the requested `resource` (a string for one, an array for several, else
 * `"unspecified"`). A system-user token adds `authorization_details` with `systemuser_id` as an
 * array and no `externalRef`.
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_protocol_token
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_func_systembruker
 */
export function buildAccessTokenClaims(input: AccessTokenInput): JWTPayload {
  const { request, systemUser } = input;
  const consumerOrg = request.consumerOrg ?? input.clientOrgNo;
  const claims: JWTPayload = {
    iss: input.issuer,
    client_amr: 'private_key_jwt',
    token_type: 'Bearer',
    aud: audience(request.resource),
    scope: request.scopes.join(' '),
    consumer: { authority: ISO6523_AUTHORITY, ID: toIso6523(consumerOrg) },
    exp: input.now + input.lifetimeSeconds,
    iat: input.now,
    client_id: input.clientId,
    jti: randomBytes(32).toString('base64url'),
  };
  if (request.consumerOrg) {
    claims['supplier'] = { authority: ISO6523_AUTHORITY, ID: toIso6523(input.clientOrgNo) };
  }
  if (request.pid) claims['pid'] = request.pid;
  if (systemUser) {
    claims['authorization_details'] = [
      {
        type: SYSTEM_USER_TYPE,
        systemuser_id: [systemUser.systemUserId],
        systemuser_org: { authority: ISO6523_AUTHORITY, ID: toIso6523(systemUser.ownerOrgNo) },
        system_id: systemUser.systemId,
      },
    ];
  }
  return claims;
}

function audience(resource: string[] | undefined): string | string[] {
  if (!resource) return 'unspecified';
  return resource.length === 1 ? (resource[0] as string) : [...resource];
}
