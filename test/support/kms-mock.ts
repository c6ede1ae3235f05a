import {
  constants,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  privateEncrypt,
} from 'node:crypto';
import {
  GetPublicKeyCommand,
  type GetPublicKeyCommandOutput,
  KMSClient,
  KMSServiceException,
  SignCommand,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';

/** The DER DigestInfo prefix for SHA-256 (RFC 8017 §9.2, note 1). KMS prepends it in DIGEST mode. */
export const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/** The key ARN the mock answers to; GetPublicKey reports it as the resolved `KeyId`. */
export const TEST_KMS_KEY_ARN =
  'arn:aws:kms:eu-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

let sharedKey: KeyObject | undefined;

/** One RSA-2048 key per test worker; generating one costs ~100 ms. */
export function testRsaPrivateKey(): KeyObject {
  sharedKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  return sharedKey;
}

/** An AWS-style service error, e.g. `kmsError('ThrottlingException')`. */
export function kmsError(name: string, message = name): KMSServiceException {
  return new KMSServiceException({ name, message, $fault: 'client', $metadata: {} });
}

/**
 * A KMS client mock backed by a real RSA key. `Sign` behaves like KMS with `MessageType: DIGEST`:
 * it rejects anything but a 32-byte SHA-256 digest, prepends the DigestInfo and applies PKCS#1
 * v1.5, so its output is a real RS256 signature. Only this client instance is mocked.
 */
export function mockKmsWithRealKey(privateKey: KeyObject = testRsaPrivateKey()) {
  const publicKey = createPublicKey(privateKey);
  const keyId = TEST_KMS_KEY_ARN;
  const client = new KMSClient({
    region: 'eu-north-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const kmsMock = mockClient(client);

  kmsMock.on(GetPublicKeyCommand).resolves(getPublicKeyOutput(publicKey, keyId));
  kmsMock.on(SignCommand).callsFake((input: SignCommand['input']) => {
    if (input.KeyId !== keyId) {
      throw kmsError('NotFoundException', `Key '${input.KeyId}' does not exist`);
    }
    const message = input.Message ?? new Uint8Array();
    if (input.MessageType !== 'DIGEST' || message.byteLength !== 32) {
      throw kmsError('ValidationException', 'Digest is invalid length for algorithm');
    }
    if (input.SigningAlgorithm !== 'RSASSA_PKCS1_V1_5_SHA_256') {
      throw kmsError('InvalidKeyUsageException', 'Unsupported signing algorithm');
    }
    const signature = privateEncrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_PADDING },
      Buffer.concat([SHA256_DIGEST_INFO, message]),
    );
    return {
      KeyId: keyId,
      Signature: new Uint8Array(signature),
      SigningAlgorithm: input.SigningAlgorithm,
    };
  });

  return { kmsMock, client, privateKey, publicKey, keyId };
}

export function getPublicKeyOutput(
  publicKey: KeyObject,
  keyId: string,
): Partial<GetPublicKeyCommandOutput> {
  const bits = publicKey.asymmetricKeyDetails?.modulusLength ?? 2048;
  return {
    KeyId: keyId,
    PublicKey: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })),
    KeySpec: `RSA_${bits}` as GetPublicKeyCommandOutput['KeySpec'],
    KeyUsage: 'SIGN_VERIFY',
    SigningAlgorithms: ['RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PSS_SHA_256'],
  };
}

/** A key behind a KMS mock: its ARN, the aliases that name it, its private half, its state. */
export interface MockKmsKey {
  arn: string;
  aliases?: string[];
  privateKey: KeyObject;
  /** `Enabled` unless told; `Disabled` refuses GetPublicKey and Sign as KMS does. */
  state?: 'Enabled' | 'Disabled';
}

/**
 * Answers GetPublicKey and Sign on a mock (any client, or all clients of the class) from real RSA
 * keys, by ARN or alias, as KMS does with `MessageType: DIGEST`; anything else is NotFound.
 */
export function answerWithRealKeys(
  kmsMock: ReturnType<typeof mockClient>,
  keys: readonly MockKmsKey[],
): void {
  const find = (keyId: string | undefined) => {
    const key = keys.find((k) => k.arn === keyId || k.aliases?.includes(keyId ?? ''));
    if (!key) throw kmsError('NotFoundException', `Key '${keyId}' does not exist`);
    if (key.state === 'Disabled') throw kmsError('DisabledException', `${key.arn} is disabled`);
    return key;
  };
  kmsMock.on(GetPublicKeyCommand).callsFake((input: GetPublicKeyCommand['input']) => {
    const key = find(input.KeyId);
    return getPublicKeyOutput(createPublicKey(key.privateKey), key.arn);
  });
  kmsMock.on(SignCommand).callsFake((input: SignCommand['input']) => {
    const key = find(input.KeyId);
    const message = input.Message ?? new Uint8Array();
    if (input.MessageType !== 'DIGEST' || message.byteLength !== 32) {
      throw kmsError('ValidationException', 'Digest is invalid length for algorithm');
    }
    const signature = privateEncrypt(
      { key: key.privateKey, padding: constants.RSA_PKCS1_PADDING },
      Buffer.concat([SHA256_DIGEST_INFO, message]),
    );
    return {
      KeyId: key.arn,
      Signature: new Uint8Array(signature),
      SigningAlgorithm: input.SigningAlgorithm,
    };
  });
}
