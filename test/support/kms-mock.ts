import {
  constants,
  createCipheriv,
  createDecipheriv,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  privateEncrypt,
  randomBytes,
} from 'node:crypto';
import {
  DecryptCommand,
  type DecryptCommandInput,
  EncryptCommand,
  GenerateDataKeyCommand,
  type GenerateDataKeyCommandInput,
  GenerateDataKeyWithoutPlaintextCommand,
  GetPublicKeyCommand,
  type GetPublicKeyCommandOutput,
  KMSClient,
  KMSServiceException,
  ReEncryptCommand,
  SignCommand,
} from '@aws-sdk/client-kms';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { tokenSealEncryptionContext } from '../../shared/config/token-seal-context.js';

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

/** The symmetric token-seal key (`TOKEN_CACHE_KMS_KEY`) the seal mock answers to. */
export const TEST_SEAL_KEY_ARN =
  'arn:aws:kms:eu-north-1:111122223333:key/5678abcd-56ef-78ab-90cd-567890abcdef';

let sealKeyMaterial: Buffer | undefined;

/** The seal key's own key material, one per test worker, so every mocked client shares it. */
function sealKeyBytes(): Buffer {
  sealKeyMaterial ??= randomBytes(32);
  return sealKeyMaterial;
}

const BLOB_MAGIC = Buffer.from('mock-kms-blob-v1');

/** What KMS binds a ciphertext blob to: the key and the whole encryption context, order aside. */
function blobAad(keyArn: string, context: Record<string, string> | undefined): Buffer {
  const pairs = Object.entries(context ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify([keyArn, pairs]));
}

export interface SealKeyOptions {
  /**
   * The table the key policy admits: `GenerateDataKey` and `Decrypt` must carry exactly
   * `{"purpose":"maskinporten-broker/token-cache","table":<table>}` or KMS answers
   * AccessDeniedException (the policy's `kms:EncryptionContext:*` conditions). Unset: any context.
   */
  table?: string;
}

/**
 * The token-seal key as KMS serves it, on a client mock (one client or the class), with real
 * crypto: `GenerateDataKey` returns 32 random bytes and their "ciphertext blob", AES-256-GCM under
 * the key's own material with the key ARN and the whole encryption context as additional data;
 * `Decrypt` opens a blob only with the same context (else InvalidCiphertextException, as KMS) and,
 * when `KeyId` is given, only under that key (else IncorrectKeyException). As KMS: exactly one of
 * `KeySpec` and `NumberOfBytes`, NotFoundException for another key, AccessDeniedException for a
 * context the key policy does not admit, and for `Encrypt`, `ReEncrypt` and
 * `GenerateDataKeyWithoutPlaintext` (the broker role may not call them).
 *
 * @see https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKey.html
 * @see https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html
 */
export function installSealKey(kmsMock: AwsClientStub<KMSClient>, options: SealKeyOptions = {}) {
  const keyArn = TEST_SEAL_KEY_ARN;
  const admitted =
    options.table === undefined ? undefined : tokenSealEncryptionContext(options.table);
  const checkPolicy = (context: Record<string, string> | undefined) => {
    if (admitted === undefined) return;
    const same =
      context !== undefined &&
      Object.keys(context).length === Object.keys(admitted).length &&
      Object.entries(admitted).every(([k, v]) => context[k] === v);
    if (!same) {
      throw kmsError('AccessDeniedException', `not authorized to use ${keyArn} with this context`);
    }
  };
  kmsMock.on(GenerateDataKeyCommand).callsFake((input: GenerateDataKeyCommandInput) => {
    if (input.KeyId !== keyArn)
      throw kmsError('NotFoundException', `Key '${input.KeyId}' does not exist`);
    if ((input.KeySpec === undefined) === (input.NumberOfBytes === undefined)) {
      throw kmsError('ValidationException', 'Please specify either number of bytes or key spec.');
    }
    const bytes =
      input.KeySpec === 'AES_256' ? 32 : input.KeySpec === 'AES_128' ? 16 : input.NumberOfBytes;
    if (bytes === undefined || bytes < 1 || bytes > 1024) {
      throw kmsError('ValidationException', 'invalid NumberOfBytes or KeySpec');
    }
    checkPolicy(input.EncryptionContext);
    const plaintext = randomBytes(bytes);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', sealKeyBytes(), iv);
    cipher.setAAD(blobAad(keyArn, input.EncryptionContext));
    const sealed = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return {
      KeyId: keyArn,
      Plaintext: new Uint8Array(plaintext),
      CiphertextBlob: new Uint8Array(Buffer.concat([BLOB_MAGIC, iv, sealed])),
    };
  });
  kmsMock.on(DecryptCommand).callsFake((input: DecryptCommandInput) => {
    if (input.KeyId !== undefined && input.KeyId !== keyArn) {
      throw kmsError(
        'IncorrectKeyException',
        'The key ID in the request does not identify a CMK that can perform this operation.',
      );
    }
    checkPolicy(input.EncryptionContext);
    const blob = Buffer.from(input.CiphertextBlob ?? new Uint8Array());
    if (
      blob.byteLength < BLOB_MAGIC.byteLength + 12 + 16 ||
      !blob.subarray(0, BLOB_MAGIC.byteLength).equals(BLOB_MAGIC)
    ) {
      throw kmsError('InvalidCiphertextException', '');
    }
    const iv = blob.subarray(BLOB_MAGIC.byteLength, BLOB_MAGIC.byteLength + 12);
    const body = blob.subarray(BLOB_MAGIC.byteLength + 12);
    const decipher = createDecipheriv('aes-256-gcm', sealKeyBytes(), iv);
    decipher.setAAD(blobAad(keyArn, input.EncryptionContext));
    decipher.setAuthTag(body.subarray(body.byteLength - 16));
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([
        decipher.update(body.subarray(0, body.byteLength - 16)),
        decipher.final(),
      ]);
    } catch {
      throw kmsError('InvalidCiphertextException', '');
    }
    return {
      KeyId: keyArn,
      Plaintext: new Uint8Array(plaintext),
      EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    };
  });
  const notAllowed = kmsError('AccessDeniedException', 'not authorized');
  kmsMock.on(EncryptCommand).rejects(notAllowed);
  kmsMock.on(ReEncryptCommand).rejects(notAllowed);
  kmsMock.on(GenerateDataKeyWithoutPlaintextCommand).rejects(notAllowed);
  return { keyArn };
}

/**
 * A KMS client mock backed by a real RSA key. `Sign` behaves like KMS with `MessageType: DIGEST`:
 * it rejects anything but a 32-byte SHA-256 digest, prepends the DigestInfo and applies PKCS#1
 * v1.5, so its output is a real RS256 signature. The token-seal key ({@link installSealKey}) is
 * there too. Only this client instance is mocked.
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

  installSealKey(kmsMock);

  return { kmsMock, client, privateKey, publicKey, keyId };
}

function getPublicKeyOutput(
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
