import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import type { RsaPublicJwk } from '../../shared/domain/public-jwk.js';

/** A real RSA key pair: the private half for signing grants, the public JWK as Digdir stores it. */
export interface RsaTestKey {
  kid: string;
  privateKey: KeyObject;
  /** `{kty, kid, n, e, alg: RS256, use: sig}`. */
  jwk: RsaPublicJwk;
  /** The private JWK (with `d`, `p`, `q`, ...), for tests that must never see it sent. */
  privateJwk: Record<string, unknown>;
  /** `jwk` again, typed for the sandbox's grant helpers (`TestKey`). */
  publicJwk: JWK;
}

/** Generates a real RSA key (2048 bits unless told otherwise) with the given kid. */
export function rsaTestKey(kid: string, modulusLength = 2048): RsaTestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength });
  const { n, e } = publicKey.export({ format: 'jwk' });
  const jwk: RsaPublicJwk = {
    kty: 'RSA',
    kid,
    n: n as string,
    e: e as string,
    alg: 'RS256',
    use: 'sig',
  };
  return {
    kid,
    privateKey,
    jwk,
    publicJwk: jwk as JWK,
    privateJwk: { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' },
  };
}
