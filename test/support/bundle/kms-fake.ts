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
import * as z from 'zod';
import { SHA256_DIGEST_INFO } from '../kms-mock.js';
import {
  AwsFault,
  type AwsJsonService,
  type ServiceCaller,
  startAwsJsonService,
} from './aws-json-service.js';

/**
 * KMS on loopback for the keys a stateful template defines: RSA_2048 signing keys backed by real
 * RSA keys (`GetPublicKey`, `Sign` in DIGEST mode, PKCS#1 v1.5 like KMS), `DescribeKey` for any key
 * (its state and `CreationDate`, in epoch seconds as the JSON protocol carries it), symmetric keys
 * (`GenerateDataKey`, `Decrypt`) whose ciphertexts are bound to their encryption context, so a
 * `Decrypt` with any other context fails as KMS's does (`InvalidCiphertextException`). Every call
 * is authorised against the calling function's role.
 *
 * @see https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html
 * @see https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKey.html
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/encrypt_context.html
 */
export interface FakeKmsKey {
  arn: string;
  keySpec: 'RSA_2048' | 'SYMMETRIC_DEFAULT';
  enabled: boolean;
}

export interface KmsFake extends AwsJsonService {
  /** The public key of an RSA key, to register at the (simulated) Maskinporten. */
  publicKey(arn: string): KeyObject;
  /** Every encryption context `GenerateDataKey` and `Decrypt` were called with, per key ARN. */
  encryptionContexts(arn: string): Array<Record<string, string>>;
  /** Every data key handed out in clear (base64): none may appear in a log. */
  dataKeys(): string[];
  /** Sets the key's `CreationDate` (default: when the fake started) and state, as `DescribeKey` shows them. */
  setKey(arn: string, change: { createdAt?: Date; enabled?: boolean }): void;
}

const base64 = z.base64();
const grantTokens = z.array(z.string()).optional();
const encryptionContext = z.record(z.string(), z.string()).optional();
const SIGNING_ALGORITHMS = ['RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PSS_SHA_256'] as const;
const CIPHERTEXT_MAGIC = Buffer.from('LKMS1');

export async function startKmsFake(options: {
  region: string;
  keys: readonly FakeKmsKey[];
  callers: () => readonly ServiceCaller[];
}): Promise<KmsFake> {
  const started = new Date();
  const keys = new Map(
    options.keys.map((key) => [
      key.arn,
      {
        ...key,
        createdAt: started,
        privateKey:
          key.keySpec === 'RSA_2048'
            ? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
            : undefined,
        secret: key.keySpec === 'SYMMETRIC_DEFAULT' ? randomBytes(32) : undefined,
      },
    ]),
  );
  const contexts = new Map<string, Array<Record<string, string>>>();
  const dataKeys: string[] = [];
  const lookup = (keyId: string) => {
    const key = keys.get(keyId) ?? [...keys.values()].find((k) => k.arn.endsWith(`/${keyId}`));
    if (!key) throw new AwsFault('NotFoundException', `Key '${keyId}' does not exist`);
    return key;
  };
  const find = (keyId: string) => {
    const key = lookup(keyId);
    if (!key.enabled) throw new AwsFault('DisabledException', `${key.arn} is disabled.`);
    return key;
  };
  const contextKeys = (context: Record<string, string> | undefined) =>
    Object.fromEntries(
      Object.entries(context ?? {}).map(([k, v]) => [`kms:EncryptionContext:${k}`, v]),
    );
  const remember = (arn: string, context: Record<string, string> | undefined) => {
    contexts.set(arn, [...(contexts.get(arn) ?? []), { ...context }]);
  };

  const service = await startAwsJsonService({
    name: 'KMS',
    signingName: 'kms',
    targetPrefix: 'TrentService',
    jsonVersion: '1.1',
    region: options.region,
    callers: options.callers,
    operations: {
      GetPublicKey: {
        input: z.strictObject({ KeyId: z.string().min(1), GrantTokens: grantTokens }),
        handle(input, call) {
          const key = find(input.KeyId);
          call.authorize({ action: 'kms:GetPublicKey', resource: key.arn });
          if (!key.privateKey) {
            throw new AwsFault('UnsupportedOperationException', `${key.arn} is symmetric`);
          }
          return {
            KeyId: key.arn,
            PublicKey: createPublicKey(key.privateKey)
              .export({ format: 'der', type: 'spki' })
              .toString('base64'),
            CustomerMasterKeySpec: 'RSA_2048',
            KeySpec: 'RSA_2048',
            KeyUsage: 'SIGN_VERIFY',
            SigningAlgorithms: [...SIGNING_ALGORITHMS],
          };
        },
      },
      // Any state: a disabled key is described, not refused (the key sync reads retired keys so).
      DescribeKey: {
        input: z.strictObject({ KeyId: z.string().min(1), GrantTokens: grantTokens }),
        handle(input, call) {
          const key = lookup(input.KeyId);
          call.authorize({ action: 'kms:DescribeKey', resource: key.arn });
          const rsa = key.keySpec === 'RSA_2048';
          return {
            KeyMetadata: {
              AWSAccountId: key.arn.split(':')[4],
              KeyId: key.arn.split('/').pop(),
              Arn: key.arn,
              CreationDate: key.createdAt.getTime() / 1000,
              Enabled: key.enabled,
              Description: '',
              KeyUsage: rsa ? 'SIGN_VERIFY' : 'ENCRYPT_DECRYPT',
              KeyState: key.enabled ? 'Enabled' : 'Disabled',
              Origin: 'AWS_KMS',
              KeyManager: 'CUSTOMER',
              CustomerMasterKeySpec: key.keySpec,
              KeySpec: key.keySpec,
              MultiRegion: false,
              ...(rsa
                ? { SigningAlgorithms: [...SIGNING_ALGORITHMS] }
                : { EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] }),
            },
          };
        },
      },
      Sign: {
        input: z.strictObject({
          KeyId: z.string().min(1),
          Message: base64,
          MessageType: z.enum(['RAW', 'DIGEST', 'EXTERNAL_MU']).optional(),
          SigningAlgorithm: z.string(),
          GrantTokens: grantTokens,
          DryRun: z.boolean().optional(),
        }),
        handle(input, call) {
          const key = find(input.KeyId);
          const messageType = input.MessageType ?? 'RAW';
          call.authorize({
            action: 'kms:Sign',
            resource: key.arn,
            context: {
              'kms:SigningAlgorithm': input.SigningAlgorithm,
              'kms:MessageType': messageType,
            },
          });
          const message = Buffer.from(input.Message, 'base64');
          if (!key.privateKey) throw new AwsFault('InvalidKeyUsageException', 'not a signing key');
          if (input.SigningAlgorithm !== 'RSASSA_PKCS1_V1_5_SHA_256' || messageType !== 'DIGEST') {
            // The broker signs DIGEST with PKCS#1 v1.5; nothing else is simulated.
            throw new AwsFault('UnsupportedOperationException', 'only DIGEST PKCS#1 v1.5 here');
          }
          if (message.byteLength !== 32) {
            throw new AwsFault('ValidationException', 'Digest is invalid length for algorithm');
          }
          const signature = privateEncrypt(
            { key: key.privateKey, padding: constants.RSA_PKCS1_PADDING },
            Buffer.concat([SHA256_DIGEST_INFO, message]),
          );
          return {
            KeyId: key.arn,
            Signature: signature.toString('base64'),
            SigningAlgorithm: input.SigningAlgorithm,
          };
        },
      },
      GenerateDataKey: {
        input: z.strictObject({
          KeyId: z.string().min(1),
          EncryptionContext: encryptionContext,
          NumberOfBytes: z.number().int().min(1).max(1024).optional(),
          KeySpec: z.enum(['AES_256', 'AES_128']).optional(),
          GrantTokens: grantTokens,
          DryRun: z.boolean().optional(),
        }),
        handle(input, call) {
          const key = find(input.KeyId);
          call.authorize({
            action: 'kms:GenerateDataKey',
            resource: key.arn,
            context: contextKeys(input.EncryptionContext),
          });
          if (!key.secret) throw new AwsFault('InvalidKeyUsageException', 'not a symmetric key');
          if ((input.NumberOfBytes === undefined) === (input.KeySpec === undefined)) {
            throw new AwsFault('ValidationException', 'give exactly one of KeySpec, NumberOfBytes');
          }
          remember(key.arn, input.EncryptionContext);
          const plaintext = randomBytes(
            input.NumberOfBytes ?? (input.KeySpec === 'AES_128' ? 16 : 32),
          );
          dataKeys.push(plaintext.toString('base64'));
          return {
            KeyId: key.arn,
            Plaintext: plaintext.toString('base64'),
            CiphertextBlob: seal(key.arn, key.secret, plaintext, input.EncryptionContext).toString(
              'base64',
            ),
          };
        },
      },
      Decrypt: {
        input: z.strictObject({
          CiphertextBlob: base64,
          EncryptionContext: encryptionContext,
          KeyId: z.string().optional(),
          EncryptionAlgorithm: z.literal('SYMMETRIC_DEFAULT').optional(),
          GrantTokens: grantTokens,
          DryRun: z.boolean().optional(),
        }),
        handle(input, call) {
          const blob = Buffer.from(input.CiphertextBlob, 'base64');
          const arn = keyOf(blob);
          if (!arn) throw new AwsFault('InvalidCiphertextException', 'not a ciphertext of ours');
          const key = find(arn);
          if (input.KeyId !== undefined && find(input.KeyId).arn !== key.arn) {
            throw new AwsFault('IncorrectKeyException', 'the ciphertext is for another key');
          }
          call.authorize({
            action: 'kms:Decrypt',
            resource: key.arn,
            context: contextKeys(input.EncryptionContext),
          });
          remember(key.arn, input.EncryptionContext);
          const plaintext = open(blob, key.secret as Buffer, input.EncryptionContext);
          if (!plaintext) throw new AwsFault('InvalidCiphertextException', '');
          return {
            KeyId: key.arn,
            Plaintext: plaintext.toString('base64'),
            EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
          };
        },
      },
    },
  });

  return {
    ...service,
    publicKey(arn) {
      const key = keys.get(arn);
      if (!key?.privateKey) throw new Error(`${arn} is not an RSA key of this KMS`);
      return createPublicKey(key.privateKey);
    },
    encryptionContexts: (arn) => contexts.get(arn) ?? [],
    dataKeys: () => [...dataKeys],
    setKey(arn, change) {
      const key = lookup(arn);
      if (change.createdAt) key.createdAt = change.createdAt;
      if (change.enabled !== undefined) key.enabled = change.enabled;
    },
  };
}

/** The encryption context as authenticated data: sorted, so the order of members does not matter. */
function aad(context: Record<string, string> | undefined): Buffer {
  const sorted = Object.entries(context ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  return Buffer.from(JSON.stringify(sorted));
}

/** magic | key ARN length (2) | key ARN | IV (12) | tag (16) | ciphertext */
function seal(
  arn: string,
  secret: Buffer,
  plaintext: Buffer,
  context: Record<string, string> | undefined,
): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', secret, iv).setAAD(aad(context));
  const encrypted = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const name = Buffer.from(arn);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(name.length);
  return Buffer.concat([CIPHERTEXT_MAGIC, length, name, iv, cipher.getAuthTag(), encrypted]);
}

function keyOf(blob: Buffer): string | undefined {
  if (!blob.subarray(0, CIPHERTEXT_MAGIC.length).equals(CIPHERTEXT_MAGIC)) return undefined;
  const length = blob.readUInt16BE(CIPHERTEXT_MAGIC.length);
  return blob
    .subarray(CIPHERTEXT_MAGIC.length + 2, CIPHERTEXT_MAGIC.length + 2 + length)
    .toString();
}

function open(
  blob: Buffer,
  secret: Buffer,
  context: Record<string, string> | undefined,
): Buffer | undefined {
  const start = CIPHERTEXT_MAGIC.length + 2 + blob.readUInt16BE(CIPHERTEXT_MAGIC.length);
  const iv = blob.subarray(start, start + 12);
  const tag = blob.subarray(start + 12, start + 28);
  try {
    const decipher = createDecipheriv('aes-256-gcm', secret, iv).setAAD(aad(context));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(blob.subarray(start + 28)), decipher.final()]);
  } catch {
    return undefined;
  }
}
