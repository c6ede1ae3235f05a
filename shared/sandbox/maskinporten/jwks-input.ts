import { createPublicKey } from 'node:crypto';
import type { JWK } from 'jose';
import { type ApiError, badRequest, fieldError } from './api-error-response.js';

/** Digdir: "inntil 5" keys per client (FD `oidc_api_admin`, `clientreg`). */
export const SELF_SERVICE_KEY_LIMIT = 5;

const MEMBERS = new Set(['kty', 'kid', 'use', 'alg', 'n', 'e', 'x5c']);
const PRIVATE = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'];
const KID = /^[A-Za-z0-9._-]{1,255}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Reads a `POST`/`PUT .../jwks` body strictly: `{"keys": [...]}` and nothing else, 1 to 5 keys,
 * each `kty: RSA`, `alg: RS256`, `use: sig`, a 2048-bit RSA modulus, a `kid` of letters, digits and
 * `._-` used once, optionally `x5c`, and no other member (private members get their own message).
 * Any failure is one 400 listing every problem; the stored set is left as it was.
 *
 * Where Digdir is silent the sandbox picks the strict side: an empty set, a server-set member such
 * as `exp`, and RS512 (allowed by FD `clientreg` and the Altinn-only spec, not by FD
 * `oidc_api_admin`) are all refused.
 *
 * @see https://docs.digdir.no/docs/idporten/oidc/oidc_api_admin
 */
export function parseJwksBody(body: unknown): JWK[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('The body must be a JWK set: {"keys": [...]}');
  }
  const extra = Object.keys(body).filter((name) => name !== 'keys');
  if (extra.length > 0) throw badRequest(`Unknown member in the JWK set: ${extra.join(', ')}`);
  const keys = (body as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) throw badRequest('The JWK set must have a "keys" array');
  if (keys.length === 0) throw badRequest('The JWK set must hold at least one key');
  if (keys.length > SELF_SERVICE_KEY_LIMIT) {
    throw badRequest(
      `A client can have at most ${SELF_SERVICE_KEY_LIMIT} keys; the set holds ${keys.length}`,
      [fieldError('keys', `at most ${SELF_SERVICE_KEY_LIMIT} keys`)],
    );
  }
  const errors: ApiError[] = [];
  const kids = new Set<string>();
  keys.forEach((key, index) => {
    const problems = keyProblems(key);
    for (const problem of problems) errors.push(fieldError(`keys[${index}]`, problem));
    const kid = (key as { kid?: unknown } | null)?.kid;
    if (typeof kid === 'string') {
      if (kids.has(kid))
        errors.push(fieldError(`keys[${index}].kid`, `kid ${kid} is listed twice`));
      kids.add(kid);
    }
  });
  if (errors.length > 0) throw badRequest('The JWK set has invalid keys', errors);
  return keys as JWK[];
}

function keyProblems(key: unknown): string[] {
  if (typeof key !== 'object' || key === null || Array.isArray(key)) return ['must be an object'];
  const jwk = key as Record<string, unknown>;
  const problems: string[] = [];
  const leaked = PRIVATE.filter((member) => member in jwk);
  if (leaked.length > 0) {
    problems.push(`private key members are not accepted (${leaked.join(', ')})`);
  }
  const unknown = Object.keys(jwk).filter((name) => !MEMBERS.has(name) && !PRIVATE.includes(name));
  if (unknown.length > 0) problems.push(`unknown members: ${unknown.join(', ')}`);
  if (typeof jwk['kid'] !== 'string' || !KID.test(jwk['kid'])) {
    problems.push('kid must be letters, digits, ".", "_" or "-"');
  }
  if (jwk['kty'] !== 'RSA') problems.push('kty must be RSA');
  if (jwk['alg'] !== 'RS256') problems.push('alg must be RS256');
  if (jwk['use'] !== 'sig') problems.push('use must be sig');
  if (modulusLength(jwk) !== 2048) problems.push('the key must be a 2048-bit RSA key (n, e)');
  const x5c = jwk['x5c'];
  if (
    x5c !== undefined &&
    !(
      Array.isArray(x5c) &&
      x5c.length > 0 &&
      x5c.every((c) => typeof c === 'string' && BASE64.test(c))
    )
  ) {
    problems.push('x5c must be a non-empty array of base64 certificates');
  }
  return problems;
}

function modulusLength(jwk: Record<string, unknown>): number | undefined {
  const { n, e } = jwk;
  if (typeof n !== 'string' || typeof e !== 'string') return undefined;
  try {
    const key = createPublicKey({ key: { kty: 'RSA', n, e }, format: 'jwk' });
    return key.asymmetricKeyDetails?.modulusLength;
  } catch {
    return undefined;
  }
}
