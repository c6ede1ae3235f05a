import { createCipheriv, createDecipheriv, type KeyObject, randomBytes } from 'node:crypto';
import { TOKEN_SEAL_PURPOSE } from '../../config/token-seal-context.js';
import { BrokenSealError } from '../../ports/token-sealer.js';

/**
 * The sealed form of a cached token: `mpb1:` and base64url (no padding, no dots, so it can never be
 * mistaken for a JWT) of
 *
 * ```
 * kind (1 byte) | key reference length (2 bytes, big-endian) | key reference | IV (12) | ciphertext | tag (16)
 * ```
 *
 * AES-256-GCM with a random 96-bit IV per seal. The key reference says which key opens it: a KMS
 * data key as KMS wrapped it (`kms-data-key`), or the id of a derived key (`derived-key`). The
 * additional authenticated data is the purpose, the table, the cache key and the header, so a seal
 * opens only in the table and under the key it was written for.
 *
 * @see https://nvlpubs.nist.gov/nistpubs/Legacy/SP/nistspecialpublication800-38d.pdf
 */
export const SEALED_PREFIX = 'mpb1:';

export const ENVELOPE_KIND = { 'kms-data-key': 1, 'derived-key': 2 } as const;
export type EnvelopeKind = keyof typeof ENVELOPE_KIND;

const IV_BYTES = 12;
const TAG_BYTES = 16;
const MAX_KEY_REF_BYTES = 0xffff;

export interface Envelope {
  kind: EnvelopeKind;
  keyRef: Uint8Array;
  /** The header bytes (kind, length, key reference), authenticated with the rest. */
  header: Uint8Array;
  iv: Uint8Array;
  ciphertext: Uint8Array;
  tag: Uint8Array;
}

/** Where a seal belongs: the table and the cache key. */
export interface SealBinding {
  table: string;
  boundTo: string;
}

export function sealEnvelope(
  key: KeyObject,
  kind: EnvelopeKind,
  keyRef: Uint8Array,
  binding: SealBinding,
  plaintext: Uint8Array,
): string {
  if (keyRef.byteLength > MAX_KEY_REF_BYTES) throw new RangeError('key reference too long');
  const header = Buffer.alloc(3 + keyRef.byteLength);
  header.writeUInt8(ENVELOPE_KIND[kind], 0);
  header.writeUInt16BE(keyRef.byteLength, 1);
  header.set(keyRef, 3);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(binding, header));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const bytes = Buffer.concat([header, iv, ciphertext, cipher.getAuthTag()]);
  return SEALED_PREFIX + bytes.toString('base64url');
}

/** Reads the envelope's parts; anything that is not one is a {@link BrokenSealError}. */
export function parseEnvelope(sealed: string): Envelope {
  if (!sealed.startsWith(SEALED_PREFIX)) throw new BrokenSealError('not a sealed value');
  const text = sealed.slice(SEALED_PREFIX.length);
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new BrokenSealError('not base64url');
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.byteLength < 3) throw new BrokenSealError('too short');
  const kind = kindOf(bytes.readUInt8(0));
  const keyRefLength = bytes.readUInt16BE(1);
  const ivStart = 3 + keyRefLength;
  if (bytes.byteLength < ivStart + IV_BYTES + TAG_BYTES) throw new BrokenSealError('too short');
  return {
    kind,
    keyRef: bytes.subarray(3, ivStart),
    header: bytes.subarray(0, ivStart),
    iv: bytes.subarray(ivStart, ivStart + IV_BYTES),
    ciphertext: bytes.subarray(ivStart + IV_BYTES, bytes.byteLength - TAG_BYTES),
    tag: bytes.subarray(bytes.byteLength - TAG_BYTES),
  };
}

/** The plaintext, or a {@link BrokenSealError} when the tag does not verify. */
export function openEnvelope(key: KeyObject, envelope: Envelope, binding: SealBinding): Uint8Array {
  const decipher = createDecipheriv('aes-256-gcm', key, envelope.iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(additionalData(binding, envelope.header));
  decipher.setAuthTag(envelope.tag);
  try {
    return Buffer.concat([decipher.update(envelope.ciphertext), decipher.final()]);
  } catch {
    throw new BrokenSealError(
      'does not authenticate (altered, or sealed for another key or table)',
    );
  }
}

function additionalData(binding: SealBinding, header: Uint8Array): Buffer {
  // NUL separators: a table or key name cannot slide into the next field.
  const context = Buffer.from(`${TOKEN_SEAL_PURPOSE}\0${binding.table}\0${binding.boundTo}\0`);
  return Buffer.concat([context, header]);
}

function kindOf(byte: number): EnvelopeKind {
  for (const [kind, value] of Object.entries(ENVELOPE_KIND)) {
    if (value === byte) return kind as EnvelopeKind;
  }
  throw new BrokenSealError(`unknown kind ${byte}`);
}
