import type { Deadline } from '../../ports/deadline.js';
import type { GrantSigner, SigningKeySet } from '../../ports/grant-signer.js';

/**
 * The one input other than a grant the broker ever signs. It has spaces, which a JWS signing input
 * (`base64url(header) "." base64url(payload)`) never has, so its signature can never be taken for
 * a grant's, nor a grant's signature for it; and the broker never sends or logs it.
 */
export const SEALING_SECRET_LABEL = 'maskinporten-broker token-cache sealing secret, version 1';

/**
 * A signer that can also give a secret only holders of its private key can compute: its RS256
 * (RSASSA-PKCS1-v1_5, deterministic) signature over {@link SEALING_SECRET_LABEL}. A file key and a
 * KMS key with the same private key give the same bytes. Local brokers derive the token-seal key
 * from it (`createDerivedTokenSealer`), so instances sharing a signing key share the seal key too.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8017#section-8.2
 */
export interface KeyBoundSecret {
  sealingSecret(deadline: Deadline): Promise<Uint8Array>;
}

export type KeyedGrantSigner = GrantSigner & KeyBoundSecret;

/** The signing keys as the adapters build them: the active one also gives its sealing secret. */
export interface KeyedSigningKeySet extends SigningKeySet {
  readonly active: KeyedGrantSigner;
}
