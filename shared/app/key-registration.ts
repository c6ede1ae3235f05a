import {
  type KeySetPlan,
  planKeySetSync,
  type RefusalReason,
  type RegisteredKey,
} from '../domain/key-set-plan.js';
import { type KeyStatus, type KeyVerification, keyStatus } from '../domain/key-status.js';
import { type RsaPublicJwk, sameKeyMaterial } from '../domain/public-jwk.js';
import type { Clock } from '../ports/clock.js';
import type { Deadline } from '../ports/deadline.js';
import type { BrokerLogger } from '../ports/logger.js';
import { type MaskinportenAdminApi, MaskinportenAdminError } from '../ports/maskinporten-admin.js';
import type { BrokerMetrics } from '../ports/metrics.js';
import type { KeyVerifier } from './key-verification.js';

/** The broker's keys as its configuration names them (public halves only). */
export interface ConfiguredKeys {
  /** The key the broker signs with. */
  active: RsaPublicJwk;
  /** The key being rolled in (or, after a promotion, the previous one), if any. */
  next?: RsaPublicJwk | undefined;
  /** Kids of former keys that may be removed from the client now. */
  retired: readonly string[];
  /** When the active key was made (KMS `CreationDate`), epoch ms; else its registration counts. */
  activeCreatedAt?: number | undefined;
}

export type KeySyncResult =
  /** The registered set already holds what it should: nothing was written. */
  | { outcome: 'unchanged'; registered: string[] }
  | {
      outcome: 'written';
      added: string[];
      removed: string[];
      updated: string[];
      kept: string[];
      /** The kids Digdir stored, as it answered. */
      registered: string[];
    }
  /** A rule holds (or the input is bad): nothing was written. */
  | { outcome: 'refused'; reason: RefusalReason; message: string };

export interface KeyStatusReport {
  status: KeyStatus;
  registered: readonly RegisteredKey[];
  /** The token request signed with the next key, when there is one registered to try. */
  nextVerification?: KeyVerification;
  /** The client's `access_token_lifetime` in seconds, when Digdir's API shows it. */
  accessTokenLifetimeSeconds?: number;
  /** Why the lifetime is not shown. */
  lifetimeNote?: string;
}

export interface KeyRegistrationOptions {
  admin: MaskinportenAdminApi;
  clock: Clock;
  metrics: BrokerMetrics;
  logger: BrokerLogger;
  /** Default Digdir's 2 minutes (`DIGDIR_PROPAGATION_DELAY_MS`). */
  propagationDelayMs?: number;
  /** Default 30 days (`DEFAULT_EXPIRY_WARNING_DAYS`). */
  expiryWarningDays?: number;
}

const DAY_MS = 86_400_000;

/**
 * The broker's keys at Digdir: `sync` makes the client's registered set hold the active and next
 * public key (the plan of `planKeySetSync`: whole-set replacement, at most 5, the active key never
 * removed, nothing written when nothing changes); `status` says what is registered and whether the
 * next key may be promoted. One code path for `npm run keys` and the scheduled key sync, which
 * differ only in where the keys, the admin token and the verifier come from.
 *
 * Every sync records `KeySyncFailures` or (when it wrote) `KeySyncWrites`, and the active key's age
 * and days until Digdir's `exp` (`ActiveKeyAgeDays`, `ActiveKeyExpiresInDays`). Logs name kids,
 * never keys or tokens.
 *
 * @see https://docs.digdir.no/docs/idporten/oidc/oidc_api_admin
 */
export class KeyRegistrationService {
  readonly #options: KeyRegistrationOptions;

  constructor(options: KeyRegistrationOptions) {
    this.#options = options;
  }

  /** Syncs the registered set; a failure to read or write is counted, logged and rethrown. */
  async sync(
    keys: ConfiguredKeys,
    options: { prune?: boolean },
    deadline: Deadline,
  ): Promise<KeySyncResult> {
    const { admin, metrics, logger } = this.#options;
    try {
      const registered = (await admin.getKeys(deadline)).keys;
      const plan = planKeySetSync({
        registered,
        active: keys.active,
        next: keys.next,
        retired: keys.retired,
        prune: options.prune ?? false,
      });
      if (plan.action === 'refused') {
        metrics.count('KeySyncFailures');
        logger.error('key sync refused', { reason: plan.reason, detail: plan.message });
        return { outcome: 'refused', reason: plan.reason, message: plan.message };
      }
      if (plan.action === 'none') {
        this.#recordActiveKey(keys, registered);
        logger.info('key set unchanged', { registered: plan.kids });
        return { outcome: 'unchanged', registered: plan.kids };
      }
      const stored = (await admin.replaceKeys(plan.keys, deadline)).keys;
      metrics.count('KeySyncWrites');
      requireStored(plan, stored);
      this.#recordActiveKey(keys, stored);
      const { added, removed, updated, kept } = plan;
      const kids = stored.map((key) => key.jwk.kid);
      logger.info('key set replaced', { added, removed, updated, kept, registered: kids });
      return { outcome: 'written', added, removed, updated, kept, registered: kids };
    } catch (error) {
      metrics.count('KeySyncFailures');
      logger.error('key sync failed', failureFields(error));
      throw error;
    }
  }

  /**
   * What is registered now, each key's state and whether the next key may be promoted: it performs
   * the one real token request signed with the next key (`verifyNext`) when that key is registered
   * with its public key; and the client's `access_token_lifetime`, when Digdir's API shows it.
   */
  async status(
    keys: ConfiguredKeys,
    options: { verifyNext?: KeyVerifier | undefined },
    deadline: Deadline,
  ): Promise<KeyStatusReport> {
    const { admin, clock } = this.#options;
    const registered = (await admin.getKeys(deadline)).keys;
    const report: Omit<KeyStatusReport, 'status'> = { registered };
    try {
      const client = await admin.getClient(deadline);
      if (client.accessTokenLifetimeSeconds === undefined) {
        report.lifetimeNote = "Digdir's answer does not show it";
      } else report.accessTokenLifetimeSeconds = client.accessTokenLifetimeSeconds;
    } catch (error) {
      if (!(error instanceof MaskinportenAdminError)) throw error;
      report.lifetimeNote = `Digdir did not show the client (${error.message})`;
    }
    const next = keys.next;
    const nextRegistered =
      next && registered.some((key) => key.jwk.kid === next.kid && sameKeyMaterial(key.jwk, next));
    if (nextRegistered && options.verifyNext) {
      report.nextVerification = await options.verifyNext(deadline);
    }
    const status = keyStatus({
      now: clock(),
      registered,
      active: keys.active,
      next,
      retired: keys.retired,
      nextVerification: report.nextVerification,
      propagationDelayMs: this.#options.propagationDelayMs,
      expiryWarningDays: this.#options.expiryWarningDays,
    });
    return { status, ...report };
  }

  /** The active key's age and days to Digdir's `exp`, as metrics; its warnings, as log lines. */
  #recordActiveKey(keys: ConfiguredKeys, registered: readonly RegisteredKey[]): void {
    const { clock, metrics, logger } = this.#options;
    const now = clock();
    const { active, warnings } = keyStatus({
      now,
      registered,
      active: keys.active,
      expiryWarningDays: this.#options.expiryWarningDays,
    });
    const since = keys.activeCreatedAt ?? active.registeredAt;
    if (since !== undefined) metrics.count('ActiveKeyAgeDays', Math.floor((now - since) / DAY_MS));
    if (active.expiresInMs !== undefined) {
      metrics.count('ActiveKeyExpiresInDays', Math.floor(active.expiresInMs / DAY_MS));
    }
    for (const warning of warnings) logger.warn('active key', { kid: active.kid, warning });
  }
}

/** Digdir answered the write with a set that lacks a key it was sent: count it as a failure. */
function requireStored(plan: Extract<KeySetPlan, { action: 'write' }>, stored: RegisteredKey[]) {
  const missing = plan.keys.filter((key) => !stored.some((held) => held.jwk.kid === key.kid));
  if (missing.length > 0) {
    throw new MaskinportenAdminError(
      'malformed',
      `Digdir answered the write without ${missing.map((key) => key.kid).join(', ')}; run status to see what it holds`,
    );
  }
}

function failureFields(error: unknown): Record<string, unknown> {
  if (error instanceof MaskinportenAdminError) {
    return {
      kind: error.kind,
      status: error.status,
      reason: error.message,
      correlationId: error.correlationId,
    };
  }
  return { reason: error instanceof Error ? error.message : String(error) };
}
