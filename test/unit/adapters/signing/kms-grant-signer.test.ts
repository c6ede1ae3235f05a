import 'aws-sdk-client-mock-vitest/extend';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { GetPublicKeyCommand, SignCommand } from '@aws-sdk/client-kms';
import {
  base64url,
  calculateJwkThumbprint,
  decodeProtectedHeader,
  exportJWK,
  jwtVerify,
} from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createKmsGrantSigner,
  kmsPublicJwk,
} from '../../../../shared/adapters/signing/kms-grant-signer.js';
import { Deadline } from '../../../../shared/ports/deadline.js';
import { kmsError, mockKmsWithRealKey, TEST_KMS_KEY_ARN } from '../../../support/kms-mock.js';

const inTime = () => Deadline.after(10_000);

const NOW = 1_760_000_000;
const claims = {
  aud: 'https://test.maskinporten.no/',
  iss: 'client-id-123',
  scope: 'altinn:authentication/systemuser.request.read',
  iat: NOW,
  exp: NOW + 60,
  jti: '5b1f0c1e-7f55-4a43-9a61-0d1c2f9c7a11',
};

const mocks: ReturnType<typeof mockKmsWithRealKey>['kmsMock'][] = [];
function setup(privateKey?: Parameters<typeof mockKmsWithRealKey>[0]) {
  const mock = mockKmsWithRealKey(privateKey);
  mocks.push(mock.kmsMock);
  return mock;
}

afterEach(() => {
  for (const mock of mocks.splice(0)) mock.restore();
});

describe('createKmsGrantSigner', () => {
  it('hands KMS the deadline’s signal, so a Sign that hangs is aborted at the deadline', async () => {
    const { client, keyId, kmsMock } = setup();
    const signer = await createKmsGrantSigner({ client, keyId });
    const deadline = inTime();

    await signer.sign(claims, deadline);

    const [call] = kmsMock.commandCalls(SignCommand);
    expect((call?.args as unknown[] | undefined)?.[1]).toEqual({ abortSignal: deadline.signal });
  });

  it('produces an RS256 grant that jose verifies against the KMS public key', async () => {
    // Prepare
    const { client, keyId, publicKey } = setup();
    const signer = await createKmsGrantSigner({ client, keyId });

    // Act
    const jwt = await signer.sign(claims, inTime());

    // Assess
    const { payload, protectedHeader } = await jwtVerify(jwt, publicKey, {
      algorithms: ['RS256'],
      audience: claims.aud,
      issuer: claims.iss,
      currentDate: new Date((NOW + 1) * 1000),
    });
    expect(payload).toStrictEqual(claims);
    expect(protectedHeader).toStrictEqual({ alg: 'RS256', typ: 'JWT', kid: signer.kid });
  });

  it('puts exactly alg, typ and kid in the header', async () => {
    const { client, keyId } = setup();
    const signer = await createKmsGrantSigner({ client, keyId, kid: 'my-kid' });

    const header = decodeProtectedHeader(await signer.sign(claims, inTime()));

    expect(header).toStrictEqual({ alg: 'RS256', typ: 'JWT', kid: 'my-kid' });
  });

  it('sends KMS the 32-byte SHA-256 digest of the signing input in DIGEST mode', async () => {
    const { client, keyId, kmsMock } = setup();
    const signer = await createKmsGrantSigner({ client, keyId });

    const jwt = await signer.sign(claims, inTime());

    const signingInput = jwt.slice(0, jwt.lastIndexOf('.'));
    const digest = createHash('sha256').update(signingInput, 'ascii').digest();
    expect(kmsMock).toHaveReceivedCommandExactlyOnceWith(SignCommand, {
      KeyId: keyId,
      Message: new Uint8Array(digest),
      MessageType: 'DIGEST',
      SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
    });
    const message = kmsMock.commandCalls(SignCommand)[0]?.args[0].input.Message;
    expect(message?.byteLength).toBe(32);
  });

  it('yields the same signature bytes as crypto.sign (PKCS#1 v1.5 is deterministic)', async () => {
    const { client, keyId, privateKey } = setup();
    const signer = await createKmsGrantSigner({ client, keyId });

    const jwt = await signer.sign(claims, inTime());

    const cut = jwt.lastIndexOf('.');
    const expected = sign('sha256', Buffer.from(jwt.slice(0, cut), 'ascii'), privateKey);
    expect(Buffer.from(base64url.decode(jwt.slice(cut + 1)))).toStrictEqual(expected);
  });

  it('fails verification when the payload is tampered with', async () => {
    const { client, keyId, publicKey } = setup();
    const signer = await createKmsGrantSigner({ client, keyId });
    const [header, , signature] = (await signer.sign(claims, inTime())).split('.');
    const forged = base64url.encode(JSON.stringify({ ...claims, scope: 'admin' }));

    await expect(jwtVerify(`${header}.${forged}.${signature}`, publicKey)).rejects.toThrow(
      'signature verification failed',
    );
  });

  it('uses the RFC 7638 thumbprint of the public key as kid when none is configured', async () => {
    const { client, keyId, publicKey } = setup();

    const signer = await createKmsGrantSigner({ client, keyId });

    const thumbprint = await calculateJwkThumbprint(await exportJWK(publicKey), 'sha256');
    expect(signer.kid).toBe(thumbprint);
    expect(signer.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(decodeProtectedHeader(await signer.sign(claims, inTime())).kid).toBe(thumbprint);
  });

  it('lets a configured kid win over the thumbprint', async () => {
    const { client, keyId } = setup();

    const signer = await createKmsGrantSigner({ client, keyId, kid: 'broker-2026-01' });

    expect(signer.kid).toBe('broker-2026-01');
    expect((await signer.publicJwk()).kid).toBe('broker-2026-01');
  });

  it('signs with the key ARN behind an alias, so kid and key always match', async () => {
    const { client, kmsMock, publicKey } = setup();
    const signer = await createKmsGrantSigner({ client, keyId: 'alias/grant-signing' });

    const jwt = await signer.sign(claims, inTime());

    expect(kmsMock).toHaveReceivedCommandWith(GetPublicKeyCommand, {
      KeyId: 'alias/grant-signing',
    });
    expect(kmsMock).toHaveReceivedCommandWith(SignCommand, { KeyId: TEST_KMS_KEY_ARN });
    await expect(
      jwtVerify(jwt, publicKey, { currentDate: new Date(NOW * 1000) }),
    ).resolves.toBeTruthy();
  });

  it('reads the public key once, however often it signs', async () => {
    const { client, keyId, kmsMock } = setup();
    const signer = await createKmsGrantSigner({ client, keyId });

    await Promise.all(
      Array.from({ length: 5 }, (_, i) => signer.sign({ ...claims, jti: `j${i}` }, inTime())),
    );
    await signer.publicJwk();
    await signer.publicJwk();

    expect(kmsMock).toHaveReceivedCommandTimes(GetPublicKeyCommand, 1);
    expect(kmsMock).toHaveReceivedCommandTimes(SignCommand, 5);
  });

  it('publishes a JWK with only kty, n, e, kid, alg and use', async () => {
    const { client, keyId, publicKey } = setup();
    const signer = await createKmsGrantSigner({ client, keyId });

    const jwk = await signer.publicJwk();

    const { n, e } = publicKey.export({ format: 'jwk' });
    expect(jwk).toStrictEqual({ kty: 'RSA', n, e, kid: signer.kid, alg: 'RS256', use: 'sig' });
  });

  it('hands out copies of the JWK, so a caller cannot change what is published', async () => {
    const { client, keyId } = setup();
    const signer = await createKmsGrantSigner({ client, keyId });

    const first = await signer.publicJwk();
    first.kid = 'changed';

    expect((await signer.publicJwk()).kid).toBe(signer.kid);
  });

  it('accepts a 3072-bit key', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 3072 });
    const { client, keyId, kmsMock, publicKey } = setup(privateKey);
    const signer = await createKmsGrantSigner({ client, keyId });

    const jwt = await signer.sign(claims, inTime());

    expect(kmsMock.commandCalls(GetPublicKeyCommand)).toHaveLength(1);
    await expect(
      jwtVerify(jwt, publicKey, { currentDate: new Date(NOW * 1000) }),
    ).resolves.toBeTruthy();
  });

  it.each([
    ['ThrottlingException', 'KMS Sign failed: ThrottlingException'],
    ['AccessDeniedException', 'KMS Sign failed: AccessDeniedException'],
    ['KMSInvalidStateException', 'KMS Sign failed: KMSInvalidStateException'],
  ])(
    'turns a Sign %s into a clear error that keeps the SDK error as cause',
    async (name, message) => {
      // Prepare
      const { client, keyId, kmsMock } = setup();
      const signer = await createKmsGrantSigner({ client, keyId });
      const sdkError = kmsError(name, 'Rate exceeded or denied');
      kmsMock.on(SignCommand).rejects(sdkError);

      // Act
      const error = await signer.sign(claims, inTime()).then(
        () => undefined,
        (caught: unknown) => caught,
      );

      // Assess
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toBe(message);
      expect((error as Error).cause).toBe(sdkError);
      expect((error as Error).message).not.toContain(claims.jti);
    },
  );

  it('turns a GetPublicKey failure into a clear error', async () => {
    const { client, keyId, kmsMock } = setup();
    const sdkError = kmsError('AccessDeniedException');
    kmsMock.on(GetPublicKeyCommand).rejects(sdkError);

    const result = createKmsGrantSigner({ client, keyId });

    await expect(result).rejects.toThrow('KMS GetPublicKey failed: AccessDeniedException');
    await expect(result).rejects.toMatchObject({ cause: sdkError });
  });

  it.each([
    [
      { KeySpec: 'ECC_NIST_P256' },
      /KeySpec ECC_NIST_P256; RS256 needs RSA_2048, RSA_3072 or RSA_4096/,
    ],
    [{ KeySpec: 'SYMMETRIC_DEFAULT' }, /KeySpec SYMMETRIC_DEFAULT/],
    [{ KeySpec: undefined }, /KeySpec unknown/],
    [{ KeyUsage: 'ENCRYPT_DECRYPT' }, /KeyUsage ENCRYPT_DECRYPT; signing needs SIGN_VERIFY/],
  ] as const)('rejects a key that cannot sign RS256: %o', async (override, message) => {
    const { client, keyId, kmsMock, publicKey } = setup();
    kmsMock.on(GetPublicKeyCommand).resolves({
      KeyId: keyId,
      PublicKey: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })),
      KeySpec: 'RSA_2048',
      KeyUsage: 'SIGN_VERIFY',
      ...override,
    });

    await expect(createKmsGrantSigner({ client, keyId })).rejects.toThrow(message);
    expect(kmsMock).not.toHaveReceivedCommand(SignCommand);
  });

  it('rejects a public key that is not SPKI DER', async () => {
    const { client, keyId, kmsMock } = setup();
    kmsMock.on(GetPublicKeyCommand).resolves({
      KeyId: keyId,
      PublicKey: new Uint8Array([1, 2, 3]),
      KeySpec: 'RSA_2048',
      KeyUsage: 'SIGN_VERIFY',
    });

    await expect(createKmsGrantSigner({ client, keyId })).rejects.toThrow('not SPKI DER');
  });

  it('rejects an empty Sign response', async () => {
    const { client, keyId, kmsMock } = setup();
    const signer = await createKmsGrantSigner({ client, keyId });
    kmsMock.on(SignCommand).resolves({ KeyId: keyId });

    await expect(signer.sign(claims, inTime())).rejects.toThrow('KMS Sign returned no signature');
  });
});

describe('kmsPublicJwk', () => {
  it('returns the public JWK without calling Sign', async () => {
    const { client, keyId, kmsMock, publicKey } = setup();

    const jwk = await kmsPublicJwk(client, keyId);

    const { n, e } = publicKey.export({ format: 'jwk' });
    const kid = await calculateJwkThumbprint({ kty: 'RSA', n: n!, e: e! });
    expect(jwk).toStrictEqual({ kty: 'RSA', n, e, kid, alg: 'RS256', use: 'sig' });
    expect(kmsMock).not.toHaveReceivedCommand(SignCommand);
  });

  it('uses a configured kid and matches the signer', async () => {
    const { client, keyId } = setup();

    const jwk = await kmsPublicJwk(client, keyId, 'ops-kid');
    const signer = await createKmsGrantSigner({ client, keyId, kid: 'ops-kid' });

    expect(jwk).toStrictEqual(await signer.publicJwk());
  });
});
