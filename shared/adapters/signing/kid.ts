import type { KeyObject } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import type { PublicSigningJwk } from '../../ports/grant-signer.js';

/** Where a `kid` can come from, in order of precedence. */
export interface KidSources {
  /** Set in configuration; wins over everything else. */
  configured?: string | undefined;
  /** The `kid` member of a key file's JWK. */
  fromJwk?: unknown;
}

/**
 * Picks the `kid` for a signing key: the configured one, else the JWK's own `kid`, else the
 * RFC 7638 SHA-256 thumbprint of the public key (stable, and unique per key, which Maskinporten
 * requires across all its customers).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7638
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_protocol_jwtgrant
 */
export async function resolveKid(publicKey: KeyObject, sources: KidSources = {}): Promise<string> {
  if (sources.configured !== undefined) return checkKid(sources.configured, 'configured kid');
  if (sources.fromJwk !== undefined) return checkKid(sources.fromJwk, 'JWK "kid" member');
  return calculateJwkThumbprint(rsaPublicMembers(publicKey), 'sha256');
}

/**
 * The public half of an RSA key as the JWK registered at Maskinporten: `kty`, `n`, `e`, `kid`,
 * `alg` and `use` only. Built member by member so no private member can ever slip through.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-4
 */
export function toPublicSigningJwk(publicKey: KeyObject, kid: string): PublicSigningJwk {
  const { n, e } = rsaPublicMembers(publicKey);
  return { kty: 'RSA', n, e, kid, alg: 'RS256', use: 'sig' };
}

function rsaPublicMembers(publicKey: KeyObject): { kty: 'RSA'; n: string; e: string } {
  if (publicKey.type !== 'public' || publicKey.asymmetricKeyType !== 'rsa') {
    throw new Error(
      `Expected a public RSA key, got a ${publicKey.type} ${publicKey.asymmetricKeyType ?? 'secret'} key`,
    );
  }
  const { n, e } = publicKey.export({ format: 'jwk' });
  if (typeof n !== 'string' || typeof e !== 'string')
    throw new Error('RSA public key lacks n or e');
  return { kty: 'RSA', n, e };
}

function checkKid(kid: unknown, source: string): string {
  if (typeof kid !== 'string' || kid.trim() === '') {
    throw new Error(`The ${source} must be a non-empty string`);
  }
  return kid;
}
