import { createSecretKey, hkdfSync, timingSafeEqual } from 'node:crypto';
import { TOKEN_SEAL_PURPOSE } from '../../config/token-seal-context.js';
import { BrokenSealError, type TokenSealer } from '../../ports/token-sealer.js';
import { openEnvelope, parseEnvelope, sealEnvelope } from './aes-gcm-envelope.js';

export interface DerivedTokenSealerOptions {
  /**
   * Secret input keying material every instance that shares the table has, and nobody else: the
   * signing key's signature over a fixed label (`sealingSecret()` of the file and KMS signers).
   */
  secret: Uint8Array;
  /** The table the seals are for. */
  table: string;
}

/** Shorter than this is not a secret worth deriving from (an RSA-2048 signature is 256 bytes). */
const MIN_SECRET_BYTES = 32;

/**
 * A {@link TokenSealer} without KMS data keys, for the local server (and any broker outside AWS):
 * one AES-256 key per table, derived with HKDF-SHA256 from a secret the instances share, so several
 * local servers on one table read each other's tokens with no new setting. A short key id (another
 * HKDF output) goes in each seal, so a seal from another key is told apart from an altered one.
 *
 * @see https://www.rfc-editor.org/rfc/rfc5869
 */
export function createDerivedTokenSealer(options: DerivedTokenSealerOptions): TokenSealer {
  if (options.secret.byteLength < MIN_SECRET_BYTES) {
    throw new RangeError(`the sealing secret must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  const { table } = options;
  const derive = (use: string, length: number) =>
    Buffer.from(hkdfSync('sha256', options.secret, TOKEN_SEAL_PURPOSE, `${use}\0${table}`, length));
  const key = createSecretKey(derive('aes-256-gcm key', 32));
  const keyId = derive('key id', 8);
  return {
    async seal(plaintext, boundTo) {
      return sealEnvelope(key, 'derived-key', keyId, { table, boundTo }, plaintext);
    },
    async open(sealed, boundTo) {
      const envelope = parseEnvelope(sealed);
      if (envelope.kind !== 'derived-key') {
        throw new BrokenSealError(`sealed with a ${envelope.kind}, not this broker's derived key`);
      }
      if (
        envelope.keyRef.byteLength !== keyId.byteLength ||
        !timingSafeEqual(envelope.keyRef, keyId)
      ) {
        throw new BrokenSealError("sealed under another broker's key");
      }
      return openEnvelope(key, envelope, { table, boundTo });
    },
  };
}
