import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { SignCommand } from '@aws-sdk/client-kms';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileGrantSigner } from '../../../../shared/adapters/signing/file-grant-signer.js';
import { createKmsGrantSigner } from '../../../../shared/adapters/signing/kms-grant-signer.js';
import { SEALING_SECRET_LABEL } from '../../../../shared/adapters/signing/sealing-secret.js';
import { Deadline } from '../../../../shared/ports/deadline.js';
import { mockKmsWithRealKey, testRsaPrivateKey } from '../../../support/kms-mock.js';

const inTime = () => Deadline.after(10_000);
const claims = {
  aud: 'https://test.maskinporten.no/',
  iss: 'client',
  scope: 'krr:global/kontaktinformasjon.read',
  iat: 1_760_000_000,
  exp: 1_760_000_060,
  jti: 'a',
};

const mocks: ReturnType<typeof mockKmsWithRealKey>['kmsMock'][] = [];
afterEach(() => {
  for (const mock of mocks.splice(0)) mock.restore();
});

describe('sealingSecret: the signing key gives the local seal key', () => {
  it('is the RS256 signature over the fixed label, the same for a file key and KMS with that key', async () => {
    const privateKey = testRsaPrivateKey();
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const kms = mockKmsWithRealKey(privateKey);
    mocks.push(kms.kmsMock);
    const fileSigner = await createFileGrantSigner({ key: pem });
    const kmsSigner = await createKmsGrantSigner({ client: kms.client, keyId: kms.keyId });

    const fromFile = Buffer.from(await fileSigner.sealingSecret(inTime()));
    const fromKms = Buffer.from(await kmsSigner.sealingSecret(inTime()));

    expect(fromFile.byteLength).toBe(256);
    expect(fromKms).toEqual(fromFile);
    // Deterministic, and it verifies as a signature over the label with the public key.
    expect(Buffer.from(await fileSigner.sealingSecret(inTime()))).toEqual(fromFile);
    expect(
      verify('sha256', Buffer.from(SEALING_SECRET_LABEL), createPublicKey(privateKey), fromFile),
    ).toBe(true);
    // KMS signed a digest, as for a grant (DIGEST, RSASSA_PKCS1_V1_5_SHA_256): the key policy admits it.
    const [call] = kms.kmsMock.commandCalls(SignCommand);
    expect(call?.args[0].input).toMatchObject({
      MessageType: 'DIGEST',
      SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
    });
  });

  it('differs between signing keys', async () => {
    const [a, b] = await Promise.all(
      [0, 1].map(async () => {
        const pem = generateKeyPairSync('rsa', { modulusLength: 2048 })
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString();
        return createFileGrantSigner({ key: pem });
      }),
    );
    if (!a || !b) throw new Error('no signers');
    expect(Buffer.from(await a.sealingSecret(inTime()))).not.toEqual(
      Buffer.from(await b.sealingSecret(inTime())),
    );
  });

  it('can never be a grant signing input, nor a grant signature the secret', async () => {
    // A JWS signing input is base64url(header) "." base64url(payload): no spaces, no commas.
    expect(SEALING_SECRET_LABEL).not.toMatch(/^[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/);
    expect(SEALING_SECRET_LABEL).toMatch(/ /);
    const pem = testRsaPrivateKey().export({ type: 'pkcs8', format: 'pem' }).toString();
    const signer = await createFileGrantSigner({ key: pem });
    const grant = await signer.sign(claims, inTime());
    const secret = Buffer.from(await signer.sealingSecret(inTime())).toString('base64url');
    expect(grant.split('.')[2]).not.toBe(secret);
    expect(grant).not.toContain(secret);
  });
});
