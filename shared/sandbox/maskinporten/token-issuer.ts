import { compactVerify } from 'jose';
import type { Clock } from '../../ports/clock.js';
import type {
  FindSystemUserQuery,
  FindSystemUserResult,
  ScopeAccess,
} from '../altinn/altinn-registry.js';
import type { SigningKey } from '../signing-key.js';
import { buildAccessTokenClaims, type ResolvedSystemUser } from './access-token.js';
import type { SystemUserGrantRequest } from './authorization-details.js';
import type { ClientRegistry, RegisteredClient } from './client-registry.js';
import { checkGrantClaims, checkGrantHeader, parseGrantRequest } from './grant-rules.js';
import type { JtiStore } from './jti-store.js';
import { decodeCompactJws } from './jws-decode.js';
import {
  altinnCustomerConfiguration,
  clientAuthFailed,
  expiredKey,
  grantReused,
  invalidParameter,
  invalidScopes,
  invalidSignature,
  scopeNotDelegated,
  scopeNotGranted,
} from './mp-errors.js';

/** How long a used `jti` is remembered beyond the grant's `exp`, so clock games cannot replay it. */
const JTI_RETENTION_SECONDS = 300;

/** The Altinn lookups Maskinporten makes for system-user grants. */
export interface SystemUserDirectory {
  findSystemUser(query: FindSystemUserQuery): FindSystemUserResult;
  scopeAccess(systemUserId: string, scope: string): ScopeAccess;
}

export interface TokenIssuerDeps {
  issuer: string;
  clock: Clock;
  clients: ClientRegistry;
  directory: SystemUserDirectory;
  jtis: JtiStore;
  signingKey: SigningKey;
  /** The token lifetime in seconds, read per request so it can change at runtime. */
  lifetimeSeconds: () => number;
  /** Called with the decoded claims of every grant that parses as a JWT. */
  onGrant?: (claims: Record<string, unknown>) => void;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

const LOOKUP_FAILURES: Record<Exclude<FindSystemUserResult, { ok: true }>['reason'], string> = {
  client_not_on_any_system: 'the client id is not listed on any system in the system register',
  vendor_mismatch: "the client's organisation is not the system's vendor",
  no_system_user: 'no active system user for this systemuser_org and externalRef',
};

/**
 * Validates a jwt-bearer grant in Maskinporten's order (client, key, signature, JWT rules, replay,
 * request claims, scopes, Altinn) and issues an access token. Throws `MaskinportenRejection`.
 * For a system-user grant Altinn is asked, after the system user is found (else MP-303), whether
 * each scope is delegated to it: MP-300 when the vendor's system offers nothing that gives the
 * scope, MP-301 when the customer has not given it to this system user (`ScopeAccess`).
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_protocol_jwtgrant
 */
export async function issueToken(deps: TokenIssuerDeps, assertion: string): Promise<TokenResponse> {
  const { header, payload } = decodeCompactJws(assertion);
  deps.onGrant?.(payload);
  const { alg, kid } = checkGrantHeader(header);
  const iss = payload['iss'];
  const client = typeof iss === 'string' ? deps.clients.get(iss) : undefined;
  if (!client) throw clientAuthFailed();
  const key = await deps.clients.verificationKey(client, kid, alg).catch(() => undefined);
  if (!key) throw invalidSignature('unknown kid for this client');
  try {
    await compactVerify(assertion, key, { algorithms: [alg] });
  } catch {
    throw invalidSignature();
  }

  const now = Math.floor(deps.clock() / 1000);
  const keyExp = client.keyExpiry.get(kid);
  if (keyExp !== undefined && keyExp <= now) throw expiredKey();
  const { exp, jti } = checkGrantClaims(payload, deps.issuer, now);
  if (!deps.jtis.remember(client.clientId, jti, exp + JTI_RETENTION_SECONDS, now)) {
    throw grantReused();
  }

  const request = parseGrantRequest(payload);
  if (request.scopes.some((scope) => !client.scopes.has(scope))) throw invalidScopes();
  if (request.consumerOrg === client.orgnr) {
    throw invalidParameter(
      'The combination consumer_org in claim and delegation scope on client is invalid',
    );
  }
  const systemUser = request.systemUser
    ? resolveSystemUser(deps.directory, client, request.systemUser, request.scopes)
    : undefined;

  const lifetimeSeconds = client.tokenLifetimeSeconds ?? deps.lifetimeSeconds();
  const claims = buildAccessTokenClaims({
    issuer: deps.issuer,
    clientId: client.clientId,
    clientOrgNo: client.orgnr,
    request,
    now,
    lifetimeSeconds,
    ...(systemUser ? { systemUser } : {}),
  });
  return {
    access_token: await deps.signingKey.sign(claims),
    token_type: 'Bearer',
    expires_in: lifetimeSeconds,
    scope: request.scopes.join(' '),
  };
}

function resolveSystemUser(
  directory: SystemUserDirectory,
  client: RegisteredClient,
  wanted: SystemUserGrantRequest,
  scopes: readonly string[],
): ResolvedSystemUser {
  const found = directory.findSystemUser({
    clientId: client.clientId,
    systemProviderOrgNo: client.orgnr,
    systemUserOwnerOrgNo: wanted.ownerOrgNo,
    ...(wanted.externalRef === undefined ? {} : { externalRef: wanted.externalRef }),
  });
  if (!found.ok) throw altinnCustomerConfiguration(LOOKUP_FAILURES[found.reason]);
  for (const scope of scopes) {
    const access = directory.scopeAccess(found.systemUser.id, scope);
    if (access === 'not_offered') throw scopeNotGranted(scope);
    if (access === 'not_delegated') {
      throw scopeNotDelegated(found.systemUser.reporteeOrgNo, scope, client.orgnr);
    }
  }
  return {
    systemUserId: found.systemUser.id,
    ownerOrgNo: found.systemUser.reporteeOrgNo,
    systemId: found.system.id,
  };
}
