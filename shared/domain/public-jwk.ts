/**
 * An RSA public key as Digdir stores it on a Maskinporten client (RFC 7517 members only).
 *
 * @see https://docs.digdir.no/docs/idporten/oidc/oidc_api_admin
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-4
 */
export interface RsaPublicJwk {
  kty: 'RSA';
  kid: string;
  n: string;
  e: string;
  alg?: string;
  use?: string;
  /** A business certificate chain; locks the client to that certificate (FD `clientreg`). */
  x5c?: string[];
}

/** Members of an RSA private JWK (RFC 7518 §6.3.2); none of them may ever be sent to Digdir. */
export const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'] as const;

/** Digdir: a `kid` holds letters, digits and `._-` (FD `oidc_func_clientreg`). */
export const KID_PATTERN = /^[A-Za-z0-9._-]{1,255}$/;

/** Digdir: "RS256 only, key length 2048" (FD `oidc_api_admin`), accepted by every source. */
export const REGISTERED_KEY_ALG = 'RS256';
export const REGISTERED_KEY_BITS = 2048;

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * The public members of a key, rebuilt member by member, so nothing else (a private member, a
 * server-set `exp`) can travel with it. `x5c` is public and kept: dropping it would change how
 * Digdir authenticates a key someone else registered.
 */
export function publicJwkMembers(jwk: RsaPublicJwk): RsaPublicJwk {
  const { kty, kid, n, e, alg, use, x5c } = jwk;
  return {
    kty,
    kid,
    n,
    e,
    ...(alg === undefined ? {} : { alg }),
    ...(use === undefined ? {} : { use }),
    ...(x5c === undefined ? {} : { x5c: [...x5c] }),
  };
}

/**
 * Why a key cannot be registered by the broker: it must be `kty: RSA`, `alg: RS256`, `use: sig`,
 * a 2048-bit modulus, a `kid` of letters, digits and `._-`, and carry no private member. Empty
 * when the key is fine.
 *
 * @see https://docs.digdir.no/docs/idporten/oidc/oidc_api_admin
 */
export function signingKeyProblems(jwk: Readonly<Record<string, unknown>>): string[] {
  const problems: string[] = [];
  const { kty, kid, n, e, alg, use } = jwk;
  if (typeof kid !== 'string' || !KID_PATTERN.test(kid)) {
    problems.push('kid must be 1-255 letters, digits, ".", "_" or "-"');
  }
  if (kty !== 'RSA') problems.push('kty must be RSA');
  if (alg !== REGISTERED_KEY_ALG) problems.push(`alg must be ${REGISTERED_KEY_ALG}`);
  if (use !== 'sig') problems.push('use must be sig');
  if (typeof e !== 'string' || !BASE64URL.test(e)) problems.push('e must be base64url');
  if (typeof n !== 'string' || rsaModulusBits(n) !== REGISTERED_KEY_BITS) {
    problems.push(`n must be a ${REGISTERED_KEY_BITS}-bit RSA modulus`);
  }
  const leaked = PRIVATE_JWK_MEMBERS.filter((member) => member in jwk);
  if (leaked.length > 0) problems.push(`private members must not be sent (${leaked.join(', ')})`);
  return problems;
}

/** Bits in a base64url modulus, leading zero bytes ignored; 0 if it is not base64url. */
export function rsaModulusBits(n: string): number {
  if (!BASE64URL.test(n)) return 0;
  const bytes = Buffer.from(n, 'base64url');
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) start++;
  if (start === bytes.length) return 0;
  return (bytes.length - start - 1) * 8 + (32 - Math.clz32(bytes[start] as number));
}

/** Same public key: `kty`, `n` and `e` are equal (the `kid` is compared by the caller). */
export function sameKeyMaterial(a: RsaPublicJwk, b: RsaPublicJwk): boolean {
  return a.kty === b.kty && a.n === b.n && a.e === b.e;
}

/** Same key registered the same way: the material, and `alg` and `use`. */
export function sameRegistration(a: RsaPublicJwk, b: RsaPublicJwk): boolean {
  return sameKeyMaterial(a, b) && a.alg === b.alg && a.use === b.use;
}
