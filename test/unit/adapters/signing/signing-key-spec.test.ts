import 'aws-sdk-client-mock-vitest/extend';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetPublicKeyCommand } from '@aws-sdk/client-kms';
import { jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createGrantSigner,
  createKmsSigningKeySet,
  createSigningKeySet,
  generateRsaKeyPem,
  generateRsaKeyPemAsync,
  parseSigningKeySpec,
} from '../../../../shared/adapters/signing/signing-key-spec.js';
import { Deadline } from '../../../../shared/ports/deadline.js';
import { mockKmsWithRealKey, testRsaPrivateKey } from '../../../support/kms-mock.js';

const inTime = () => Deadline.after(10_000);

const KEY_ARN = 'arn:aws:kms:eu-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const iat = Math.floor(Date.now() / 1000);
const claims = {
  aud: 'https://test.maskinporten.no/',
  iss: 'c',
  scope: 's',
  jti: 'j',
  iat,
  exp: iat + 60,
};

describe('parseSigningKeySpec', () => {
  it.each([
    ['file:/etc/broker/key.pem', { kind: 'file', path: '/etc/broker/key.pem' }],
    ['file:./keys/dev.json', { kind: 'file', path: './keys/dev.json' }],
    ['file:C:\\keys\\a.pem', { kind: 'file', path: 'C:\\keys\\a.pem' }],
    [
      'kms:1234abcd-12ab-34cd-56ef-1234567890ab',
      { kind: 'kms', keyId: '1234abcd-12ab-34cd-56ef-1234567890ab' },
    ],
    [
      'kms:mrk-1234abcd12ab34cd56ef1234567890ab',
      { kind: 'kms', keyId: 'mrk-1234abcd12ab34cd56ef1234567890ab' },
    ],
    ['kms:alias/maskinporten-grant', { kind: 'kms', keyId: 'alias/maskinporten-grant' }],
    [`kms:${KEY_ARN}`, { kind: 'kms', keyId: KEY_ARN }],
    [
      'kms:arn:aws:kms:eu-north-1:111122223333:alias/maskinporten/prod',
      { kind: 'kms', keyId: 'arn:aws:kms:eu-north-1:111122223333:alias/maskinporten/prod' },
    ],
    [
      'kms:arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab',
      {
        kind: 'kms',
        keyId:
          'arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab',
      },
    ],
  ])('parses %s', (spec, expected) => {
    expect(parseSigningKeySpec(spec)).toStrictEqual(expected);
  });

  it.each([
    [''],
    ['/etc/broker/key.pem'],
    ['file:'],
    ['file:   '],
    ['kms:'],
    ['kms:not a key'],
    ['kms:arn:aws:s3:::bucket'],
    ['kms:arn:aws:kms:eu-north-1:1111:key/abc'],
    ['KMS:alias/x'],
    ['secretsmanager:arn:aws:secretsmanager:eu-north-1:111122223333:secret:x'],
    ['https://example.com/key.pem'],
  ])('rejects %j, naming the expected forms', (spec) => {
    expect(() => parseSigningKeySpec(spec)).toThrow(
      'Invalid signing key spec; expected file:<path> or kms:<key id | key ARN | alias/name | alias ARN>',
    );
  });
});

describe('createGrantSigner and createSigningKeySet', () => {
  let dir: string;
  let activePath: string;
  let nextPath: string;
  const mocks: ReturnType<typeof mockKmsWithRealKey>[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'signing-spec-'));
    activePath = join(dir, 'active.pem');
    nextPath = join(dir, 'next.pem');
    await writeFile(activePath, testRsaPrivateKey().export({ format: 'pem', type: 'pkcs8' }));
    await writeFile(nextPath, await generateRsaKeyPemAsync());
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    for (const mock of mocks.splice(0)) mock.kmsMock.restore();
  });
  function kms() {
    const mock = mockKmsWithRealKey();
    mocks.push(mock);
    return mock;
  }

  it('builds a file signer without touching the KMS client factory', async () => {
    const kmsClient = vi.fn();

    const signer = await createGrantSigner(`file:${activePath}`, { kid: 'local', kmsClient });

    expect(signer.kid).toBe('local');
    expect(kmsClient).not.toHaveBeenCalled();
  });

  it('builds a KMS signer from a kms: spec', async () => {
    const { client, publicKey, kmsMock } = kms();

    const signer = await createGrantSigner('kms:alias/grant', { kmsClient: () => client });

    expect(kmsMock).toHaveReceivedCommandWith(GetPublicKeyCommand, { KeyId: 'alias/grant' });
    const { protectedHeader } = await jwtVerify(await signer.sign(claims, inTime()), publicKey);
    expect(protectedHeader.kid).toBe(signer.kid);
  });

  it('refuses a kms: spec without a KMS client', async () => {
    await expect(createGrantSigner('kms:alias/grant')).rejects.toThrow(
      'A kms: signing key spec needs a KMS client',
    );
  });

  it('names the key file path when it is missing', async () => {
    await expect(createGrantSigner(`file:${join(dir, 'nope.pem')}`)).rejects.toThrow(
      `Cannot read signing key file ${join(dir, 'nope.pem')}: ENOENT`,
    );
  });

  it('builds the Lambda’s key set from KMS keys only: a file: spec is refused before any file is read', async () => {
    const { client } = kms();
    const keys = await createKmsSigningKeySet({
      active: { spec: `kms:${KEY_ARN}` },
      kmsClient: () => client,
    });
    expect(keys.published).toStrictEqual([keys.active]);
    await expect(
      createKmsSigningKeySet({ active: { spec: `file:${activePath}` } }),
    ).rejects.toThrow('The Lambda signs with KMS only');
  });

  it('publishes only the active key when there is no next key', async () => {
    const keys = await createSigningKeySet({ active: { spec: `file:${activePath}` } });

    expect(keys.published).toStrictEqual([keys.active]);
  });

  it('publishes active then next during a rotation, sharing one KMS client', async () => {
    const { client } = kms();
    const kmsClient = vi.fn(() => client);

    const keys = await createSigningKeySet({
      active: { spec: `kms:${KEY_ARN}` },
      next: { spec: 'kms:alias/next', kid: 'next-kid' },
      kmsClient,
    });

    expect(keys.published.map((key) => key.kid)).toStrictEqual([keys.active.kid, 'next-kid']);
    expect(keys.published[0]).toBe(keys.active);
    expect(kmsClient).toHaveBeenCalledTimes(1);
  });

  it('mixes a file key and a KMS key', async () => {
    const { client } = kms();

    const keys = await createSigningKeySet({
      active: { spec: `file:${nextPath}` },
      next: { spec: `kms:${KEY_ARN}` },
      kmsClient: () => client,
    });

    expect(keys.published).toHaveLength(2);
    expect(keys.published[1]?.kid).not.toBe(keys.active.kid);
  });

  it('rejects a next key with the same kid as the active key', async () => {
    await expect(
      createSigningKeySet({
        active: { spec: `file:${activePath}`, kid: 'same' },
        next: { spec: `file:${nextPath}`, kid: 'same' },
      }),
    ).rejects.toThrow('The next signing key has the same kid as the active one (same)');
  });

  it('rejects the same key as both active and next (same thumbprint)', async () => {
    await expect(
      createSigningKeySet({
        active: { spec: `file:${activePath}` },
        next: { spec: `file:${activePath}` },
      }),
    ).rejects.toThrow('same kid');
  });
});

describe('generateRsaKeyPem', () => {
  it.each([
    ['sync', async () => generateRsaKeyPem()],
    ['async', generateRsaKeyPemAsync],
  ])('makes a fresh RSA-2048 PKCS#8 PEM that signs (%s)', async (_, generate) => {
    const pem = await generate();

    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);
    const key = createPrivateKey(pem);
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(pem).not.toBe(await generate());

    const signer = await createGrantSigner(`file:${await writeTemp(pem)}`);
    await expect(
      jwtVerify(await signer.sign(claims, inTime()), createPublicKey(key)),
    ).resolves.toBeTruthy();
  });
});

async function writeTemp(text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'generated-key-')), 'key.pem');
  await writeFile(path, text);
  return path;
}
