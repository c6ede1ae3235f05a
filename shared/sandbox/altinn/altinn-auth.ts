import type { IncomingMessage } from 'node:http';
import { createLocalJWKSet, decodeJwt, type JWK, type JWTPayload, jwtVerify } from 'jose';
import { parseOrgnr } from '../../domain/orgnr.js';
import type { Clock } from '../../ports/clock.js';
import { isObject } from './altinn-http.js';
import { AltinnProblem, AUTH, forbidden } from './altinn-problem.js';

/** Altinn validates token lifetimes with 10 s of clock skew. */
export const ALTINN_CLOCK_SKEW_SECONDS = 10;

/** An issuer whose RS256 tokens the simulated Altinn accepts, and its public keys. */
export interface TrustedIssuer {
  issuer: string;
  jwks: { keys: JWK[] };
}

/** The caller of a vendor API, as Altinn derives it from the bearer token. */
export interface VendorPrincipal {
  /** The token's `consumer` orgno (AA `RetrieveOrgNoFromToken`). */
  orgNo: string;
  scopes: ReadonlySet<string>;
  claims: JWTPayload;
}

/**
 * Verifies `Authorization: Bearer <JWT>` against the trusted issuers: RS256 signature, `iss`,
 * `exp` (required) and `nbf` with 10 s skew. Any failure is a 401; nothing from the token is logged
 * or echoed.
 */
export class BearerVerifier {
  readonly #trusted: Map<string, ReturnType<typeof createLocalJWKSet>>;
  readonly #clock: Clock;

  constructor(trusted: TrustedIssuer[], clock: Clock) {
    this.#trusted = new Map(trusted.map((t) => [t.issuer, createLocalJWKSet(t.jwks)]));
    this.#clock = clock;
  }

  async verify(req: IncomingMessage): Promise<JWTPayload> {
    const token = bearerToken(req);
    if (!token) throw unauthorized('Bearer token required');
    let issuer: unknown;
    try {
      issuer = decodeJwt(token).iss;
    } catch {
      throw unauthorized('Unreadable token');
    }
    const keys = typeof issuer === 'string' ? this.#trusted.get(issuer) : undefined;
    if (!keys || typeof issuer !== 'string') throw unauthorized('Untrusted issuer');
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer,
        algorithms: ['RS256'],
        requiredClaims: ['exp'],
        clockTolerance: ALTINN_CLOCK_SKEW_SECONDS,
        currentDate: new Date(this.#clock()),
      });
      return payload;
    } catch {
      throw unauthorized('Invalid token');
    }
  }

  /** Verifies the token and resolves the vendor from `consumer`; no consumer is AUTH-00023. */
  async vendor(req: IncomingMessage): Promise<VendorPrincipal> {
    const claims = await this.verify(req);
    const orgNo = consumerOrgNo(claims);
    if (!orgNo) throw AUTH.vendorOrgNoNotFound();
    return { orgNo, scopes: scopesOf(claims), claims };
  }
}

/** The orgno in `consumer: {authority: "iso6523-actorid-upis", ID: "0192:<orgno>"}`. */
export function consumerOrgNo(claims: JWTPayload): string | undefined {
  const consumer = claims['consumer'];
  if (!isObject(consumer)) return undefined;
  const id = consumer['ID'] ?? consumer['id'];
  return typeof id === 'string' && id.startsWith('0192:') ? parseOrgnr(id) : undefined;
}

/**
 * Altinn's scope policies: the token's `scope`, split on spaces, must hold one of `anyOf` exactly;
 * else 403 with an empty body, the policy's `Forbid` (reference §1 "Scope").
 */
export function requireScope(principal: VendorPrincipal, anyOf: readonly string[]): void {
  if (!anyOf.some((scope) => principal.scopes.has(scope))) throw forbidden();
}

function scopesOf(claims: JWTPayload): ReadonlySet<string> {
  const scope = claims['scope'];
  return new Set(typeof scope === 'string' ? scope.split(' ').filter(Boolean) : []);
}

function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const match = header ? /^Bearer +([A-Za-z0-9._~+/=-]+) *$/i.exec(header) : null;
  return match?.[1];
}

/**
 * Altinn's authentication middleware answers a bad token with a bare 401; the sandbox adds the
 * AUTH-00023 problem (the code Altinn uses when it cannot read the vendor from the token) and a
 * short `detail`, so clients see one consistent 401 shape.
 */
const unauthorized = (detail: string) =>
  new AltinnProblem(401, AUTH.vendorOrgNoNotFound().message, {
    code: 'AUTH-00023',
    detail,
    challenge: true,
  });
