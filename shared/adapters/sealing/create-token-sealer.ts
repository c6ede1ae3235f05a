import type { KMSClient } from '@aws-sdk/client-kms';
import type { Clock } from '../../ports/clock.js';
import { Deadline } from '../../ports/deadline.js';
import type { TokenSealer } from '../../ports/token-sealer.js';
import type { KeyBoundSecret } from '../signing/sealing-secret.js';
import { createDerivedTokenSealer } from './derived-token-sealer.js';
import { KmsTokenSealer } from './kms-token-sealer.js';

export interface TokenSealerSettings {
  /** The shared cache's table. */
  table: string;
  /** `TOKEN_CACHE_KMS_KEY`: with it, KMS data keys; without it, a key derived from `signer`. */
  kmsKeyId?: string;
  /** Called only with a KMS key, so file-only setups never build an AWS client. */
  kmsClient: () => KMSClient;
  /** The active signing key, whose sealing secret every instance with the same key shares. */
  signer: KeyBoundSecret;
  clock: Clock;
}

/** How long a start may wait for the signer's sealing secret (one KMS `Sign` for a KMS key). */
const SEALING_SECRET_TIMEOUT_MS = 10_000;

/**
 * The token sealer for a shared cache: KMS envelope encryption when a seal key is configured (AWS),
 * else AES-256-GCM under a key derived from the signing key (a laptop, tests), which needs no new
 * setting and lets every instance with the same signing key read the others' tokens.
 */
export async function createTokenSealer(settings: TokenSealerSettings): Promise<TokenSealer> {
  const { table, clock } = settings;
  if (settings.kmsKeyId !== undefined) {
    return new KmsTokenSealer({
      client: settings.kmsClient(),
      keyId: settings.kmsKeyId,
      table,
      clock,
    });
  }
  const deadline = Deadline.after(SEALING_SECRET_TIMEOUT_MS, clock);
  try {
    return createDerivedTokenSealer({
      secret: await settings.signer.sealingSecret(deadline),
      table,
    });
  } finally {
    deadline.dispose();
  }
}
