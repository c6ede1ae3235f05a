import {
  DecryptCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  KMSClient,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import {
  parseEnvelope,
  SEALED_PREFIX,
} from '../../../../shared/adapters/sealing/aes-gcm-envelope.js';
import { KmsTokenSealer } from '../../../../shared/adapters/sealing/kms-token-sealer.js';
import { Deadline } from '../../../../shared/ports/deadline.js';
import { BrokenSealError } from '../../../../shared/ports/token-sealer.js';
import { installSealKey, kmsError, TEST_SEAL_KEY_ARN } from '../../../support/kms-mock.js';

// The KMS envelope sealer against a KMS-faithful mock (real AES-GCM behind GenerateDataKey and
// Decrypt, the encryption context checked as KMS and the key policy check it).

const TABLE = 'maskinporten-broker-test-token-cache';
const CONTEXT = { purpose: 'maskinporten-broker/token-cache', table: TABLE };
const TOKEN = 'eyJraWQiOiJrMSIsImFsZyI6IlJTMjU2In0.eyJzY29wZSI6ImtyciJ9.c2lnbmF0dXJl';
const deadline = () => Deadline.after(5_000);
const bytes = (text: string) => Buffer.from(text);
const text = (value: Uint8Array) => Buffer.from(value).toString('utf8');

/** One "instance": its own KMS client (mocked, the same key material behind it) and sealer. */
function instance(
  options: { table?: string; policyTable?: string; clock?: () => number } & Partial<
    ConstructorParameters<typeof KmsTokenSealer>[0]
  > = {},
) {
  const client = new KMSClient({
    region: 'eu-north-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const kmsMock = mockClient(client);
  installSealKey(kmsMock, { table: options.policyTable ?? TABLE });
  const sealer = new KmsTokenSealer({
    client,
    keyId: TEST_SEAL_KEY_ARN,
    ...options,
    table: options.table ?? TABLE,
  });
  return {
    sealer,
    kmsMock,
    generated: () => kmsMock.commandCalls(GenerateDataKeyCommand).length,
    decrypted: () => kmsMock.commandCalls(DecryptCommand).length,
  };
}

describe('KmsTokenSealer', () => {
  it('asks KMS for an AES-256 data key under the seal key with exactly the table context', async () => {
    const a = instance();
    const request = deadline();

    const sealed = await a.sealer.seal(bytes(TOKEN), 'key-a', request);

    const [call] = a.kmsMock.commandCalls(GenerateDataKeyCommand);
    expect(call?.args[0].input).toStrictEqual({
      KeyId: TEST_SEAL_KEY_ARN,
      KeySpec: 'AES_256',
      EncryptionContext: CONTEXT,
    });
    // The request's deadline aborts the KMS call.
    expect((call?.args as unknown[] | undefined)?.[1]).toMatchObject({
      abortSignal: request.signal,
    });
    expect(a.kmsMock.commandCalls(EncryptCommand)).toHaveLength(0);
    expect(a.kmsMock.commandCalls(GenerateDataKeyWithoutPlaintextCommand)).toHaveLength(0);
    expect(sealed.startsWith(SEALED_PREFIX)).toBe(true);
    expect(sealed).not.toContain(TOKEN);
    // The wrapped data key travels with the seal.
    const envelope = parseEnvelope(sealed);
    expect(envelope.kind).toBe('kms-data-key');
    expect(envelope.keyRef.byteLength).toBeGreaterThan(32);
  });

  it('reuses its data key and reads its own seals without calling KMS again', async () => {
    const a = instance();
    const sealed: string[] = [];
    for (let i = 0; i < 20; i++)
      sealed.push(await a.sealer.seal(bytes(`${TOKEN}${i}`), `k${i}`, deadline()));
    for (let i = 0; i < 20; i++) {
      expect(text(await a.sealer.open(sealed[i] ?? '', `k${i}`, deadline()))).toBe(`${TOKEN}${i}`);
    }
    expect(a.generated()).toBe(1);
    expect(a.decrypted()).toBe(0);
  });

  it('another instance opens the seals with one Decrypt per data key, then from memory', async () => {
    const a = instance();
    const b = instance();
    const sealed: string[] = [];
    for (let i = 0; i < 20; i++)
      sealed.push(await a.sealer.seal(bytes(TOKEN), `k${i}`, deadline()));

    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 20; i++) {
        expect(text(await b.sealer.open(sealed[i] ?? '', `k${i}`, deadline()))).toBe(TOKEN);
      }
    }

    expect(b.decrypted()).toBe(1);
    const [call] = b.kmsMock.commandCalls(DecryptCommand);
    expect(call?.args[0].input).toMatchObject({
      KeyId: TEST_SEAL_KEY_ARN,
      EncryptionContext: CONTEXT,
    });
  });

  it('concurrent opens of a new data key share one Decrypt', async () => {
    const a = instance();
    const b = instance();
    const sealed = await a.sealer.seal(bytes(TOKEN), 'k', deadline());

    const opened = await Promise.all(
      Array.from({ length: 10 }, () => b.sealer.open(sealed, 'k', deadline())),
    );

    expect(opened.map(text)).toEqual(Array(10).fill(TOKEN));
    expect(b.decrypted()).toBe(1);
  });

  it('rotates the data key after maxDataKeyUses seals; older seals stay readable', async () => {
    const a = instance({ maxDataKeyUses: 2 });
    const b = instance();
    const sealed: string[] = [];
    for (let i = 0; i < 5; i++)
      sealed.push(await a.sealer.seal(bytes(`${TOKEN}${i}`), `k${i}`, deadline()));

    expect(a.generated()).toBe(3);
    expect(
      new Set(sealed.map((s) => Buffer.from(parseEnvelope(s).keyRef).toString('hex'))).size,
    ).toBe(3);
    for (let i = 0; i < 5; i++) {
      expect(text(await a.sealer.open(sealed[i] ?? '', `k${i}`, deadline()))).toBe(`${TOKEN}${i}`);
      expect(text(await b.sealer.open(sealed[i] ?? '', `k${i}`, deadline()))).toBe(`${TOKEN}${i}`);
    }
    expect(a.decrypted()).toBe(0);
    expect(b.decrypted()).toBe(3);
  });

  it('rotates the data key after maxDataKeyAgeMs', async () => {
    let now = 1_000_000;
    const a = instance({ clock: () => now, maxDataKeyAgeMs: 60_000 });
    const first = await a.sealer.seal(bytes(TOKEN), 'k1', deadline());
    now += 59_999;
    await a.sealer.seal(bytes(TOKEN), 'k2', deadline());
    expect(a.generated()).toBe(1);
    now += 1;
    const third = await a.sealer.seal(bytes(TOKEN), 'k3', deadline());

    expect(a.generated()).toBe(2);
    expect(parseEnvelope(third).keyRef).not.toEqual(parseEnvelope(first).keyRef);
    expect(text(await a.sealer.open(first, 'k1', deadline()))).toBe(TOKEN);
  });

  it('keeps at most maxUnwrappedKeys data keys, dropping the least recently used', async () => {
    const a = instance({ maxDataKeyUses: 1 });
    const b = instance({ maxUnwrappedKeys: 2 });
    const sealed: string[] = [];
    for (let i = 0; i < 3; i++) sealed.push(await a.sealer.seal(bytes(TOKEN), `k${i}`, deadline()));

    const open = (i: number) => b.sealer.open(sealed[i] ?? '', `k${i}`, deadline());
    await open(0);
    await open(1);
    await open(0); // from memory; k1's key is now the least recently used
    expect(b.decrypted()).toBe(2);
    await open(2); // a third key: k1's is dropped
    await open(0);
    expect(b.decrypted()).toBe(3);
    await open(1);
    expect(b.decrypted()).toBe(4);
  });

  it('shares one GenerateDataKey between concurrent seals', async () => {
    const a = instance();
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => a.sealer.seal(bytes(TOKEN), `k${i}`, deadline())),
    );
    expect(a.generated()).toBe(1);
  });

  describe('refuses what is not its own (BrokenSealError, a miss for the cache)', () => {
    it('a seal moved to another cache key', async () => {
      const a = instance();
      const sealed = await a.sealer.seal(bytes(TOKEN), 'org-a-key', deadline());
      await expect(a.sealer.open(sealed, 'org-b-key', deadline())).rejects.toThrow(BrokenSealError);
    });

    it("a seal from another table: KMS refuses the data key's context", async () => {
      const other = instance({ table: 'another-table', policyTable: 'another-table' });
      const sealed = await other.sealer.seal(bytes(TOKEN), 'k', deadline());
      // The reader asks with its own table's context, which the policy admits; KMS refuses the
      // blob because it was made under another context (InvalidCiphertextException).
      const a = instance();
      const error = await a.sealer.open(sealed, 'k', deadline()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BrokenSealError);
      expect((error as Error).message).toMatch(/InvalidCiphertextException/);
    });

    it('a wrapped key that is not a KMS blob (planted)', async () => {
      const a = instance();
      const sealed = await a.sealer.seal(bytes(TOKEN), 'k', deadline());
      const envelope = parseEnvelope(sealed);
      const forged = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64url');
      forged.fill(7, 3, 3 + envelope.keyRef.byteLength);
      const error = await instance()
        .sealer.open(SEALED_PREFIX + forged.toString('base64url'), 'k', deadline())
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BrokenSealError);
    });

    it('a genuine wrapped key with a planted ciphertext', async () => {
      const a = instance();
      const sealed = await a.sealer.seal(bytes(TOKEN), 'k', deadline());
      const raw = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64url');
      raw[raw.byteLength - 30] = (raw[raw.byteLength - 30] as number) ^ 0xff;
      await expect(
        instance().sealer.open(SEALED_PREFIX + raw.toString('base64url'), 'k', deadline()),
      ).rejects.toThrow(BrokenSealError);
    });

    it('a plain token', async () => {
      await expect(instance().sealer.open(TOKEN, 'k', deadline())).rejects.toThrow(BrokenSealError);
    });

    it('a data key under another KMS key (IncorrectKeyException)', async () => {
      const a = instance();
      const sealed = await a.sealer.seal(bytes(TOKEN), 'k', deadline());
      const b = instance();
      b.kmsMock.on(DecryptCommand).rejects(kmsError('IncorrectKeyException'));
      await expect(b.sealer.open(sealed, 'k', deadline())).rejects.toThrow(BrokenSealError);
    });
  });

  describe("KMS failing is the sealer's failure, not the item's", () => {
    it.each(['ThrottlingException', 'AccessDeniedException', 'KMSInternalException'])(
      'Decrypt %s propagates as it is (the cache guard counts it)',
      async (name) => {
        const a = instance();
        const sealed = await a.sealer.seal(bytes(TOKEN), 'k', deadline());
        const b = instance();
        b.kmsMock.on(DecryptCommand).rejects(kmsError(name));

        const error = await b.sealer.open(sealed, 'k', deadline()).catch((e: unknown) => e);

        expect(error).not.toBeInstanceOf(BrokenSealError);
        expect((error as Error).name).toBe(name);
        // Not remembered: the next open asks again.
        b.kmsMock.reset();
        installSealKey(b.kmsMock, { table: TABLE });
        expect(text(await b.sealer.open(sealed, 'k', deadline()))).toBe(TOKEN);
      },
    );

    it('GenerateDataKey failing fails the seal, and the next seal asks again', async () => {
      const a = instance();
      a.kmsMock.on(GenerateDataKeyCommand).rejectsOnce(kmsError('ThrottlingException'));
      await expect(a.sealer.seal(bytes(TOKEN), 'k', deadline())).rejects.toThrow(
        'ThrottlingException',
      );
      installSealKey(a.kmsMock, { table: TABLE });
      expect((await a.sealer.seal(bytes(TOKEN), 'k', deadline())).startsWith(SEALED_PREFIX)).toBe(
        true,
      );
    });

    it('a key policy that does not admit the context is AccessDenied, not a broken seal', async () => {
      const wrongTable = instance({ policyTable: 'only-this-table' });
      await expect(wrongTable.sealer.seal(bytes(TOKEN), 'k', deadline())).rejects.toMatchObject({
        name: 'AccessDeniedException',
      });
    });
  });
});
