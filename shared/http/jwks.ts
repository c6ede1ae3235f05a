import type { PublicSigningJwk, SigningKeySet } from '../ports/grant-signer.js';

/**
 * The JWK set to register at Maskinporten: the active key first, then any key being rolled in,
 * one entry per `kid`. Each entry is rebuilt from the public members only, so a signer that
 * returned extra members (a private one, say) cannot leak them here.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 */
export async function publicJwkSet(keys: SigningKeySet): Promise<{ keys: PublicSigningJwk[] }> {
  const jwks = await Promise.all([keys.active, ...keys.published].map((key) => key.publicJwk()));
  const byKid = new Map<string, PublicSigningJwk>();
  for (const { kty, n, e, kid, alg, use } of jwks) {
    if (!byKid.has(kid)) byKid.set(kid, { kty, n, e, kid, alg, use });
  }
  return { keys: [...byKid.values()] };
}
