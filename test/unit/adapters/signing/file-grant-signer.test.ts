import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calculateJwkThumbprint, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createFileGrantSigner,
  loadFileGrantSigner,
} from '../../../../shared/adapters/signing/file-grant-signer.js';
import { Deadline } from '../../../../shared/ports/deadline.js';
import { testRsaPrivateKey } from '../../../support/kms-mock.js';

const inTime = () => Deadline.after(10_000);

const NOW = 1_760_000_000;
const claims = {
  aud: 'https://test.maskinporten.no/',
  iss: 'client-id-123',
  scope: 'skatteetaten:mva',
  iat: NOW,
  exp: NOW + 60,
  jti: 'b0c2e8d4-3d0b-4f55-9c9e-1c2b7f1d9e01',
};
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'];

const privateKey = testRsaPrivateKey();
const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const privateJwk = privateKey.export({ format: 'jwk' });

const publicKeyOfPrivate = createPublicKey(privateKey);

async function verifies(jwt: string) {
  const { payload } = await jwtVerify(jwt, publicKeyOfPrivate, {
    algorithms: ['RS256'],
    currentDate: new Date(NOW * 1000),
  });
  return payload;
}

/** The key text must never show up in an error message, in whole or in part. */
function expectNoKeyMaterial(message: string, keyText: string) {
  const secrets = keyText.match(/[A-Za-z0-9+/_-]{24,}/g) ?? [];
  expect(secrets.length).toBeGreaterThan(0);
  for (const secret of secrets) expect(message).not.toContain(secret.slice(0, 24));
}

async function rejection(key: string, kid?: string): Promise<Error> {
  return createFileGrantSigner({ key, kid }).then(
    () => {
      throw new Error('expected createFileGrantSigner to reject');
    },
    (error: unknown) => error as Error,
  );
}

describe('createFileGrantSigner', () => {
  it('signs with a PKCS#8 PEM key, verifiable with jose', async () => {
    const signer = await createFileGrantSigner({ key: pem });

    const jwt = await signer.sign(claims, inTime());

    expect(await verifies(jwt)).toStrictEqual(claims);
    expect(decodeProtectedHeader(jwt)).toStrictEqual({ alg: 'RS256', typ: 'JWT', kid: signer.kid });
  });

  it('produces the same signature as crypto.sign over the signing input', async () => {
    const signer = await createFileGrantSigner({ key: pem });

    const jwt = await signer.sign(claims, inTime());

    const cut = jwt.lastIndexOf('.');
    const expected = sign('sha256', Buffer.from(jwt.slice(0, cut)), privateKey);
    expect(jwt.slice(cut + 1)).toBe(expected.toString('base64url'));
  });

  it('accepts a PKCS#1 RSA PRIVATE KEY PEM too', async () => {
    const pkcs1 = privateKey.export({ format: 'pem', type: 'pkcs1' }).toString();

    const signer = await createFileGrantSigner({ key: pkcs1 });

    await verifies(await signer.sign(claims, inTime()));
  });

  it('uses the thumbprint as kid for a PEM key', async () => {
    const signer = await createFileGrantSigner({ key: `\n${pem}\n` });

    const { n, e } = privateJwk;
    expect(signer.kid).toBe(await calculateJwkThumbprint({ kty: 'RSA', n: n!, e: e! }));
  });

  it("signs with a private JWK and takes the JWK's own kid", async () => {
    const signer = await createFileGrantSigner({
      key: JSON.stringify({ ...privateJwk, kid: 'jwk-kid', alg: 'RS256', use: 'sig' }),
    });

    const jwt = await signer.sign(claims, inTime());

    expect(signer.kid).toBe('jwk-kid');
    expect(decodeProtectedHeader(jwt).kid).toBe('jwk-kid');
    await verifies(jwt);
  });

  it('falls back to the thumbprint for a JWK without kid', async () => {
    const fromJwk = await createFileGrantSigner({ key: JSON.stringify(privateJwk) });
    const fromPem = await createFileGrantSigner({ key: pem });

    expect(fromJwk.kid).toBe(fromPem.kid);
  });

  it("lets a configured kid win over the JWK's own kid", async () => {
    const signer = await createFileGrantSigner({
      key: JSON.stringify({ ...privateJwk, kid: 'jwk-kid' }),
      kid: 'configured',
    });

    expect(signer.kid).toBe('configured');
  });

  it('takes the one private key out of a JWK set', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    const set = {
      keys: [
        { ...other.export({ format: 'jwk' }), kid: 'old-public' },
        { ...privateJwk, kid: 'the-private-one' },
      ],
    };

    const signer = await createFileGrantSigner({ key: JSON.stringify(set) });

    expect(signer.kid).toBe('the-private-one');
    await verifies(await signer.sign(claims, inTime()));
  });

  it('publishes only the public members', async () => {
    const signer = await createFileGrantSigner({
      key: JSON.stringify({ ...privateJwk, kid: 'k1' }),
    });

    const jwk = await signer.publicJwk();

    expect(jwk).toStrictEqual({
      kty: 'RSA',
      n: privateJwk.n,
      e: privateJwk.e,
      kid: 'k1',
      alg: 'RS256',
      use: 'sig',
    });
    for (const member of PRIVATE_MEMBERS) expect(jwk).not.toHaveProperty(member);
  });

  describe('rejects keys it cannot sign RS256 with, without echoing them', () => {
    const publicKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const pss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).privateKey;
    const otherJwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      format: 'jwk',
    });
    const mixedJwk = {
      ...privateJwk,
      d: otherJwk.d,
      p: otherJwk.p,
      q: otherJwk.q,
      dp: otherJwk.dp,
      dq: otherJwk.dq,
      qi: otherJwk.qi,
    };
    // OpenSSL 3.5 (Node 24) checks an RSA JWK's members against each other when it is imported;
    // OpenSSL 3.0 (Node 20) imports them, and the signer's own sign/verify probe refuses the key.
    const refusedOnImport = (() => {
      try {
        createPrivateKey({ key: mixedJwk, format: 'jwk' });
        return false;
      } catch {
        return true;
      }
    })();

    it.each([
      [
        'a public PEM',
        publicKey.export({ format: 'pem', type: 'spki' }).toString(),
        /holds a PUBLIC KEY; a private key is needed/,
      ],
      [
        'a public JWK',
        JSON.stringify(publicKey.export({ format: 'jwk' })),
        /is a public key; a private key \(with "d"\) is needed/,
      ],
      [
        'an EC PKCS#8 PEM',
        ec.export({ format: 'pem', type: 'pkcs8' }).toString(),
        /Signing key is ec; RS256 needs a plain RSA key/,
      ],
      [
        'an EC JWK',
        JSON.stringify(ec.export({ format: 'jwk' })),
        /kty "EC"; RS256 needs an RSA key/,
      ],
      [
        'a SEC1 EC PEM',
        ec.export({ format: 'pem', type: 'sec1' }).toString(),
        /label "EC PRIVATE KEY" is not supported/,
      ],
      [
        'a 1024-bit RSA key',
        small.export({ format: 'pem', type: 'pkcs8' }).toString(),
        /RSA-1024; at least 2048 bits/,
      ],
      [
        'an RSA-PSS key',
        pss.export({ format: 'pem', type: 'pkcs8' }).toString(),
        /rsa-pss; RS256 needs a plain RSA key/,
      ],
      [
        'an encrypted PEM',
        privateKey
          .export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'pw' })
          .toString(),
        /is encrypted/,
      ],
      [
        'a corrupt PEM body',
        pem.replace(/\n[A-Za-z0-9+/]{64}\n/, '\n!!!!\n'),
        /cannot be parsed as a private key/,
      ],
      [
        'a JWK whose d belongs to another key',
        JSON.stringify(mixedJwk),
        refusedOnImport ? /not a usable RSA private key/ : /inconsistent/,
      ],
      [
        'a JWK missing CRT members',
        JSON.stringify({ kty: 'RSA', n: privateJwk.n, e: privateJwk.e, d: privateJwk.d }),
        /not a usable RSA private key/,
      ],
      [
        'a JWK for another alg',
        JSON.stringify({ ...privateJwk, alg: 'PS256' }),
        /alg "PS256"; grants are signed RS256/,
      ],
      [
        'a JWK for encryption',
        JSON.stringify({ ...privateJwk, use: 'enc' }),
        /use "enc"; expected "sig"/,
      ],
      [
        'a JWK with a mangled kty',
        JSON.stringify({ ...privateJwk, kty: privateJwk.d }),
        /kty missing or invalid/,
      ],
      [
        'invalid JSON',
        `{"kty":"RSA","d":"${privateJwk.d}" "n": }`,
        /looks like a JWK but is not valid JSON/,
      ],
      [
        'a JWK set with no private key',
        JSON.stringify({ keys: [publicKey.export({ format: 'jwk' })] }),
        /holds no private key \(1 public keys\)/,
      ],
      [
        'a JWK set with two private keys',
        JSON.stringify({ keys: [privateJwk, otherJwk] }),
        /holds 2 private keys; expected one/,
      ],
      ['garbage', `not a key ${privateJwk.d}`, /neither a PEM private key nor a JWK/],
      ['a JSON array', JSON.stringify([privateJwk]), /neither a PEM private key nor a JWK/],
    ])('%s', async (_, key, message) => {
      const error = await rejection(key);

      expect(error).toBeInstanceOf(Error);
      expect(error.message).toMatch(message);
      expectNoKeyMaterial(error.message, key);
      if (error.cause instanceof Error) expectNoKeyMaterial(error.cause.message, key);
    });
  });

  it('drops the JSON parser error, whose message may quote the key text', async () => {
    const error = await rejection(`{"kty":"RSA","d":"${privateJwk.d}",}`);

    expect(error.message).toBe('Signing key looks like a JWK but is not valid JSON');
    expect(error.cause).toBeUndefined();
  });

  it.each([[''], ['   ']])('rejects a blank configured kid %j', async (kid) => {
    await expect(createFileGrantSigner({ key: pem, kid })).rejects.toThrow(
      'The configured kid must be a non-empty string',
    );
  });

  it('rejects a JWK whose own kid is not a string', async () => {
    await expect(
      createFileGrantSigner({ key: JSON.stringify({ ...privateJwk, kid: 42 }) }),
    ).rejects.toThrow('The JWK "kid" member must be a non-empty string');
  });
});

describe('loadFileGrantSigner', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'signing-key-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a key file and signs with it', async () => {
    const path = join(dir, 'key.pem');
    await writeFile(path, pem);

    const signer = await loadFileGrantSigner(path, 'file-kid');

    expect(signer.kid).toBe('file-kid');
    await verifies(await signer.sign(claims, inTime()));
  });

  it('names the path when the file is missing', async () => {
    const path = join(dir, 'missing.pem');

    const result = loadFileGrantSigner(path);

    await expect(result).rejects.toThrow(`Cannot read signing key file ${path}: ENOENT`);
  });

  it('names the path, not the content, when the key is unusable', async () => {
    const path = join(dir, 'public.json');
    const content = JSON.stringify({ kty: 'RSA', n: privateJwk.n, e: privateJwk.e });
    await writeFile(path, content);

    const error = await loadFileGrantSigner(path).then(
      () => new Error('expected loadFileGrantSigner to reject'),
      (caught: unknown) => caught as Error,
    );

    expect(error.message).toBe(
      `Signing key file ${path}: Signing key JWK is a public key; a private key (with "d") is needed`,
    );
    expectNoKeyMaterial(error.message, content);
  });
});
