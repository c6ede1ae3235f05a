import type { JWK } from 'jose';
import type { GrantClaims } from '../domain/jwt-grant.js';
import type { Deadline } from './deadline.js';

/** The public half of a signing key as registered on the Maskinporten client. */
export interface PublicSigningJwk extends JWK {
  kty: 'RSA';
  kid: string;
  alg: 'RS256';
  use: 'sig';
  n: string;
  e: string;
}

/**
 * Signs Maskinporten JWT grants. The adapter owns the key (KMS or a local file) and the `kid`; the
 * header is always `{alg: "RS256", typ: "JWT", kid}` as Digdir documents.
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_protocol_jwtgrant
 */
export interface GrantSigner {
  /** The `kid` that goes in every header; registered with the public key at Maskinporten. */
  readonly kid: string;
  /** Returns the compact JWS `header.payload.signature` over the given claims. */
  sign(claims: Readonly<GrantClaims>, deadline: Deadline): Promise<string>;
  /** The public key as a JWK with `kid`, `alg` and `use`, ready to register at Maskinporten. */
  publicJwk(): Promise<PublicSigningJwk>;
}

/** The active signer plus every key that should be published (current and, during rotation, next). */
export interface SigningKeySet {
  readonly active: GrantSigner;
  readonly published: readonly GrantSigner[];
}
