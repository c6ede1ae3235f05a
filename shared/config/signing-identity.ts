import type { SecretStore } from '../ports/secret-store.js';
import { parseSecretConfig, type SecretConfig } from './secret-config.js';

/** Who the broker is at Maskinporten and which kids it signs with, as its secret names them. */
export type SigningIdentity = Pick<SecretConfig, 'clientId' | 'kid' | 'kidNext'>;

/**
 * Reads the environment's configuration secret for the client id and the kids the broker signs
 * with (`kid`, `kidNext`; absent means the key's RFC 7638 thumbprint), validated as the broker
 * validates it at start. The key sync, the preflight and `npm run keys --env` read them here, so
 * they name the keys as the broker does.
 *
 * Throws the store's error when the secret cannot be read, and a `TypeError` naming the secret and
 * the field (`secret <name> is invalid: clientId: is required`) when it is not a valid one.
 */
export async function readSigningIdentity(
  secrets: SecretStore,
  secretName: string,
): Promise<SigningIdentity> {
  const secret = parseSecretConfig(await secrets.getJson(secretName), secretName);
  // Only these: the secret's other fields (systemId, an old policy) are the token function's.
  const identity: SigningIdentity = { clientId: secret.clientId };
  if (secret.kid) identity.kid = secret.kid;
  if (secret.kidNext) identity.kidNext = secret.kidNext;
  return identity;
}
