import type { PublicSigningJwk, SigningKeySet } from '../ports/grant-signer.js';
import type { Route } from './router.js';

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

/** `GET /v1/jwks`: the public keys to register at Maskinporten, built once. */
export function createJwksRoute(keys: SigningKeySet): Route {
  let jwks: Promise<string> | undefined;
  return {
    method: 'GET',
    path: '/v1/jwks',
    handler: async () => {
      jwks ??= publicJwkSet(keys)
        .then((set) => JSON.stringify(set))
        .catch((error: unknown) => {
          jwks = undefined;
          throw error;
        });
      return {
        status: 200,
        headers: { 'content-type': 'application/json', 'cache-control': 'max-age=300' },
        body: await jwks,
      };
    },
  };
}
