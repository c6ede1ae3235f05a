import { DescribeKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { MaskinportenAdminClient } from '../../shared/adapters/maskinporten-admin/admin-client.js';
import { kmsPublicJwk } from '../../shared/adapters/signing/kms-grant-signer.js';
import {
  type ConfiguredKeys,
  KeyRegistrationService,
  type KeySyncResult,
} from '../../shared/app/key-registration.js';
import { type KeySyncConfig, loadKeySyncConfig } from '../../shared/config/key-sync-config.js';
import { readSigningIdentity } from '../../shared/config/signing-identity.js';
import type { Clock } from '../../shared/ports/clock.js';
import { Deadline, untilAborted } from '../../shared/ports/deadline.js';
import type { BrokerLogger } from '../../shared/ports/logger.js';
import type { AdminTokenProvider } from '../../shared/ports/maskinporten-admin.js';
import type { BrokerMetrics } from '../../shared/ports/metrics.js';
import type { SecretStore } from '../../shared/ports/secret-store.js';

export interface KeySyncDependencies {
  env: Readonly<Record<string, string | undefined>>;
  clock: Clock;
  logger: BrokerLogger;
  metrics: BrokerMetrics;
  /** The broker's configuration secret: client id and kid overrides. */
  secrets: SecretStore;
  /** `GetPublicKey` and `DescribeKey` only: the role may not sign. */
  kms: KMSClient;
  /** The admin token, from the broker's `POST /v1/token` (`BROKER_URL`). */
  brokerToken: (config: KeySyncConfig) => AdminTokenProvider;
  /** The `fetch` to Digdir (default the global one). */
  fetch?: typeof fetch;
}

/** What one run did, returned to the scheduler and logged; never a key or a token. */
export type KeySyncRun = KeySyncResult | { outcome: 'failed'; reason: string };

/** Time kept back from the invocation's end so the run can log and flush its metrics. */
const FINISH_MARGIN_MS = 3_000;

/**
 * One scheduled sync: the configured keys' public halves from KMS (`GetPublicKey`, with the kids
 * the broker signs with: the secret's `kid`/`kidNext`, else the thumbprint), the retired kids
 * whose KMS key is disabled or gone (`DescribeKey`: no instance can sign with them), then
 * `KeyRegistrationService.sync` without prune, on an admin token the broker issues to this
 * function as a caller. A failure is counted (`KeySyncFailures`), logged and returned, not
 * thrown: the next hourly run is the retry.
 */
export function createKeySyncHandler(deps: KeySyncDependencies) {
  return async function keySync(remainingMs = 60_000): Promise<KeySyncRun> {
    const { logger, metrics, clock } = deps;
    const deadline = Deadline.after(Math.max(1_000, remainingMs - FINISH_MARGIN_MS), clock);
    try {
      let prepared: { config: KeySyncConfig; keys: ConfiguredKeys; clientId: string };
      try {
        // Secrets Manager and KMS get the same deadline as Digdir: a hang is a counted failure.
        prepared = await untilAborted(prepare(deps), deadline.signal);
      } catch (error) {
        const reason = deadline.signal.aborted
          ? 'the secret or the KMS keys did not answer before the deadline'
          : error instanceof Error
            ? error.message
            : String(error);
        metrics.count('KeySyncFailures');
        logger.error('key sync could not start', { reason });
        return { outcome: 'failed', reason };
      }
      const { config, keys, clientId } = prepared;
      const service = new KeyRegistrationService({
        admin: new MaskinportenAdminClient({
          baseUrl: config.adminUrl,
          clientId,
          tokenProvider: deps.brokerToken(config),
          fetch: deps.fetch,
        }),
        clock,
        metrics,
        logger,
        expiryWarningDays: config.expiryWarningDays,
      });
      try {
        return await service.sync(keys, { prune: false }, deadline);
      } catch (error) {
        // Counted and logged by the service.
        return {
          outcome: 'failed',
          reason: error instanceof Error ? error.message : String(error),
        };
      }
    } finally {
      deadline.dispose();
    }
  };
}

async function prepare(deps: KeySyncDependencies) {
  const config = loadKeySyncConfig(deps.env);
  const secret = await readSigningIdentity(deps.secrets, config.configSecret);
  const activeKid = secret.kid ?? config.active.kid;
  const nextKid = secret.kidNext ?? config.next?.kid;
  const [active, next, activeKey, retiredStates] = await Promise.all([
    kmsPublicJwk(deps.kms, config.active.keyId, activeKid),
    config.next && kmsPublicJwk(deps.kms, config.next.keyId, nextKid),
    describe(deps.kms, config.active.keyId),
    Promise.all(config.retired.map((key) => describe(deps.kms, key.keyId))),
  ]);
  const retired: string[] = [];
  for (const [index, key] of config.retired.entries()) {
    const state = retiredStates[index] as Awaited<ReturnType<typeof describe>>;
    if (state.usable) {
      deps.logger.info('retired key still enabled in KMS: left registered', {
        kid: key.kid,
        keyState: state.keyState,
      });
    } else retired.push(key.kid);
  }
  const keys: ConfiguredKeys = {
    active,
    next,
    retired,
    activeCreatedAt: activeKey.createdAt,
  };
  return { config, keys, clientId: secret.clientId };
}

/**
 * Whether a key can still sign: enabled, or in a state that may come back. A key that is disabled,
 * pending deletion or gone (NotFoundException) signs for nobody, so its kid may leave the client.
 */
async function describe(
  kms: KMSClient,
  keyId: string,
): Promise<{ usable: boolean; keyState: string; createdAt?: number }> {
  try {
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    const keyState = KeyMetadata?.KeyState ?? 'Unknown';
    return {
      usable: !['Disabled', 'PendingDeletion', 'PendingReplicaDeletion'].includes(keyState),
      keyState,
      createdAt: KeyMetadata?.CreationDate?.getTime(),
    };
  } catch (error) {
    if (error instanceof Error && error.name === 'NotFoundException') {
      return { usable: false, keyState: 'NotFound' };
    }
    throw new Error(`KMS DescribeKey failed: ${error instanceof Error ? error.name : 'error'}`);
  }
}
