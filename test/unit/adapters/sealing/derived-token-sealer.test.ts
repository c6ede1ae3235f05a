import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ENVELOPE_KIND,
  parseEnvelope,
  SEALED_PREFIX,
} from '../../../../shared/adapters/sealing/aes-gcm-envelope.js';
import { createDerivedTokenSealer } from '../../../../shared/adapters/sealing/derived-token-sealer.js';
import { Deadline } from '../../../../shared/ports/deadline.js';
import { BrokenSealError } from '../../../../shared/ports/token-sealer.js';

const TOKEN = 'eyJraWQiOiJrMSIsImFsZyI6IlJTMjU2In0.eyJzY29wZSI6ImtyciJ9.c2lnbmF0dXJl';
const JWT_SHAPED = /eyJ[\w-]+\.[\w-]+\.[\w-]+/;
const deadline = () => Deadline.after(5_000);
const bytes = (text: string) => Buffer.from(text);
const text = (value: Uint8Array) => Buffer.from(value).toString('utf8');

describe('createDerivedTokenSealer', () => {
  const secret = randomBytes(256);
  const sealer = createDerivedTokenSealer({ secret, table: 'tokens' });

  it('opens what it sealed, under the same key and table', async () => {
    const sealed = await sealer.seal(bytes(TOKEN), 'key-a', deadline());

    expect(text(await sealer.open(sealed, 'key-a', deadline()))).toBe(TOKEN);
  });

  it('writes printable ciphertext that is no JWT and does not contain the token', async () => {
    for (let i = 0; i < 200; i++) {
      const sealed = await sealer.seal(bytes(TOKEN), `key-${i}`, deadline());
      expect(sealed.startsWith(SEALED_PREFIX)).toBe(true);
      expect(sealed.slice(SEALED_PREFIX.length)).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(sealed).not.toMatch(JWT_SHAPED);
      expect(sealed).not.toContain(TOKEN.split('.')[2]);
    }
  });

  it('uses a fresh IV each time: the same token seals differently', async () => {
    const one = await sealer.seal(bytes(TOKEN), 'key-a', deadline());
    const two = await sealer.seal(bytes(TOKEN), 'key-a', deadline());
    expect(one).not.toBe(two);
  });

  it('a second instance with the same secret and table opens it (local servers sharing a key)', async () => {
    const other = createDerivedTokenSealer({ secret: Buffer.from(secret), table: 'tokens' });
    const sealed = await sealer.seal(bytes(TOKEN), 'key-a', deadline());

    expect(text(await other.open(sealed, 'key-a', deadline()))).toBe(TOKEN);
  });

  it.each<[string, () => Promise<Uint8Array>, RegExp]>([
    [
      'moved to another cache key',
      async () =>
        sealer.open(await sealer.seal(bytes(TOKEN), 'key-a', deadline()), 'key-b', deadline()),
      /does not authenticate/,
    ],
    [
      'read from another table',
      async () =>
        createDerivedTokenSealer({ secret, table: 'other-table' }).open(
          await sealer.seal(bytes(TOKEN), 'key-a', deadline()),
          'key-a',
          deadline(),
        ),
      /another broker's key/,
    ],
    [
      "sealed under another broker's key",
      async () =>
        createDerivedTokenSealer({ secret: randomBytes(256), table: 'tokens' }).open(
          await sealer.seal(bytes(TOKEN), 'key-a', deadline()),
          'key-a',
          deadline(),
        ),
      /another broker's key/,
    ],
    ['a planted plain token', () => sealer.open(TOKEN, 'key-a', deadline()), /not a sealed value/],
    ['an empty value', () => sealer.open('', 'key-a', deadline()), /not a sealed value/],
    [
      'junk after the prefix',
      () => sealer.open(`${SEALED_PREFIX}a.b`, 'key-a', deadline()),
      /base64url/,
    ],
    ['a cut-off seal', () => sealer.open(`${SEALED_PREFIX}AQAA`, 'key-a', deadline()), /too short/],
  ])('refuses a value %s', async (_, open, reason) => {
    const error = await open().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokenSealError);
    expect((error as Error).message).toMatch(reason);
    expect((error as Error).message).not.toContain(TOKEN);
  });

  it('refuses a seal with any one byte of its ciphertext, tag or header changed', async () => {
    const sealed = await sealer.seal(bytes(TOKEN), 'key-a', deadline());
    const raw = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64url');
    for (const at of [0, 5, raw.byteLength - 20, raw.byteLength - 1]) {
      const altered = Buffer.from(raw);
      altered[at] = (altered[at] as number) ^ 0x01;
      const error = await sealer
        .open(SEALED_PREFIX + altered.toString('base64url'), 'key-a', deadline())
        .catch((e: unknown) => e);
      expect(error, `byte ${at}`).toBeInstanceOf(BrokenSealError);
    }
  });

  it('refuses a KMS envelope: a derived key never opens what a data key sealed', async () => {
    const sealed = await sealer.seal(bytes(TOKEN), 'key-a', deadline());
    const raw = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64url');
    raw[0] = ENVELOPE_KIND['kms-data-key'];
    const error = await sealer
      .open(SEALED_PREFIX + raw.toString('base64url'), 'key-a', deadline())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokenSealError);
    expect(parseEnvelope(sealed).kind).toBe('derived-key');
  });

  it('needs a secret of at least 32 bytes', () => {
    expect(() => createDerivedTokenSealer({ secret: randomBytes(16), table: 't' })).toThrow(
      RangeError,
    );
  });
});
