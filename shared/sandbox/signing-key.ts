import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

/** The simulator's own RS256 key: it signs access tokens and is published at `{issuer}jwk`. */
export interface SigningKey {
  readonly kid: string;
  /** `{keys: [publicJwk]}`. */
  readonly jwks: { keys: JWK[] };
  sign(claims: JWTPayload): Promise<string>;
}

/**
 * Maskinporten issues by-value JWT access tokens signed RS256, verifiable with the keys at
 * `jwks_uri`.
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_protocol_token
 */
export async function createSigningKey(): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', {
    modulusLength: 2048,
    extractable: true,
  });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return {
    kid,
    jwks: { keys: [jwk] },
    sign: (claims) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(privateKey),
  };
}
