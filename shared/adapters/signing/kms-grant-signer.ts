import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import {
  GetPublicKeyCommand,
  type GetPublicKeyCommandOutput,
  type KMSClient,
  SignCommand,
} from '@aws-sdk/client-kms';
import type { PublicSigningJwk } from '../../ports/grant-signer.js';
import { createCompactSigner, type SignatureFunction } from './jws.js';
import { resolveKid, toPublicSigningJwk } from './kid.js';
import { type KeyedGrantSigner, SEALING_SECRET_LABEL } from './sealing-secret.js';

/** KMS key specs that can produce RS256 signatures. */
const RSA_KEY_SPECS: ReadonlySet<string> = new Set(['RSA_2048', 'RSA_3072', 'RSA_4096']);

export interface KmsGrantSignerOptions {
  client: KMSClient;
  /** Key id, key ARN, alias name (`alias/...`) or alias ARN. */
  keyId: string;
  /** Overrides the default `kid` (the RFC 7638 thumbprint of the KMS public key). */
  kid?: string | undefined;
}

interface KmsPublicKey {
  publicKey: KeyObject;
  /** The ARN of the key behind `keyId`, as KMS reports it (aliases resolved). */
  keyArn: string;
}

/**
 * A {@link GrantSigner} whose RSA key lives in AWS KMS. Every grant costs one `kms:Sign` call over
 * the SHA-256 digest of the signing input (`MessageType: DIGEST`), which for
 * `RSASSA_PKCS1_V1_5_SHA_256` is exactly RS256. The public key is read once, here.
 *
 * Signing goes to the key ARN that `GetPublicKey` resolved, not to the alias: the `kid` belongs to
 * that key, so moving the alias takes effect on the next cold start instead of producing grants
 * whose `kid` no longer matches their signature. Keep the old key enabled until instances recycle.
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_protocol_jwtgrant
 * @see https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html
 */
export async function createKmsGrantSigner(
  options: KmsGrantSignerOptions,
): Promise<KeyedGrantSigner> {
  const { client } = options;
  const { publicKey, keyArn } = await fetchPublicKey(client, options.keyId);
  const kid = await resolveKid(publicKey, { configured: options.kid });
  const jwk = toPublicSigningJwk(publicKey, kid);

  const signature: SignatureFunction = async (signingInput, deadline) => {
    const digest = createHash('sha256').update(signingInput).digest();
    const output = await sendOrWrap('Sign', () =>
      client.send(
        new SignCommand({
          KeyId: keyArn,
          Message: digest,
          MessageType: 'DIGEST',
          SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
        }),
        { abortSignal: deadline.signal },
      ),
    );
    if (!output.Signature?.length) throw new Error('KMS Sign returned no signature');
    return output.Signature;
  };

  return {
    kid,
    sign: createCompactSigner(kid, signature),
    publicJwk: async () => ({ ...jwk }),
    sealingSecret: (deadline) => signature(SEALING_SECRET_LABEL, deadline),
  };
}

/**
 * The public JWK of a KMS signing key, for registering it at Maskinporten. Needs only
 * `kms:GetPublicKey`, so an ops command can print it without the right to sign.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7517
 */
export async function kmsPublicJwk(
  client: KMSClient,
  keyId: string,
  kid?: string,
): Promise<PublicSigningJwk> {
  const { publicKey } = await fetchPublicKey(client, keyId);
  return toPublicSigningJwk(publicKey, await resolveKid(publicKey, { configured: kid }));
}

async function fetchPublicKey(client: KMSClient, keyId: string): Promise<KmsPublicKey> {
  const output = await sendOrWrap('GetPublicKey', () =>
    client.send(new GetPublicKeyCommand({ KeyId: keyId })),
  );
  checkKeyFitsRs256(output, keyId);
  if (!output.PublicKey?.length) throw new Error(`KMS key ${keyId} returned no public key`);
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({
      key: Buffer.from(output.PublicKey),
      format: 'der',
      type: 'spki',
    });
  } catch (error) {
    throw new Error(`KMS key ${keyId} returned a public key that is not SPKI DER`, {
      cause: error,
    });
  }
  return { publicKey, keyArn: output.KeyId ?? keyId };
}

function checkKeyFitsRs256(output: GetPublicKeyCommandOutput, keyId: string): void {
  if (!output.KeySpec || !RSA_KEY_SPECS.has(output.KeySpec)) {
    throw new Error(
      `KMS key ${keyId} has KeySpec ${output.KeySpec ?? 'unknown'}; RS256 needs RSA_2048, RSA_3072 or RSA_4096`,
    );
  }
  if (output.KeyUsage !== 'SIGN_VERIFY') {
    throw new Error(
      `KMS key ${keyId} has KeyUsage ${output.KeyUsage ?? 'unknown'}; signing needs SIGN_VERIFY`,
    );
  }
}

/** Names the operation and the AWS error, keeps the SDK error as `cause`, and nothing else. */
async function sendOrWrap<T>(operation: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    const name = error instanceof Error ? error.name : 'UnknownError';
    throw new Error(`KMS ${operation} failed: ${name}`, { cause: error });
  }
}
