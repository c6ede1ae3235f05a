import { KeysConfigError, openKeysTarget } from '../../functions/ops/keys-connect.js';
import { sdkSecretStore } from '../../functions/ops/sdk-secret-store.js';
import { KeyRegistrationService } from '../../shared/app/key-registration.js';
import { readSigningIdentity, type SigningIdentity } from '../../shared/config/signing-identity.js';
import { DIGDIR_PROPAGATION_DELAY_MS, readiness } from '../../shared/domain/key-status.js';
import { type Clock, systemClock } from '../../shared/ports/clock.js';
import { Deadline } from '../../shared/ports/deadline.js';
import { silentLogger } from '../../shared/ports/logger.js';
import { MaskinportenAdminError } from '../../shared/ports/maskinporten-admin.js';
import { noMetrics } from '../../shared/ports/metrics.js';
import {
  type BrokerEnvironmentConfig,
  liveSigningKeys,
  retiredSigningKeys,
  signingKeyAlias,
} from '../config.js';
import type { CheckResult, PreflightClients } from './preflight-checks.js';

/** The whole check (a few KMS, Maskinporten and Digdir calls) gives up after this long. */
const CHECK_DEADLINE_MS = 30_000;

const DAY_MS = 86_400_000;

/**
 * `signing-key-ready`: the configuration's active key must be one Maskinporten accepts
 * everywhere, or the deploy would have the broker sign grants that fail. The same status logic as
 * `npm run keys -- status`, with the credentials preflight runs with (the ops role signs): one real
 * token request signed with the active key, then Digdir's registered set read on the broker's own
 * admin token; ready means registered with this public key, not expired, registered for longer
 * than Digdir's propagation delay, and that request succeeded. The client id and the kids come
 * from the configuration secret, as the broker reads them.
 *
 * Before the first deploy the key does not exist yet: a warning, not a failure.
 */
export async function checkSigningKeyReady(
  config: BrokerEnvironmentConfig,
  clients: PreflightClients,
  clock: Clock = systemClock,
): Promise<CheckResult> {
  const check = 'signing-key-ready';
  const live = liveSigningKeys(config);
  const name = live.active.name;
  const fix = `add the key as the next key first, deploy, wait until npm run keys -- status --env ${config.name} says "ready", then promote (README, "Rotating the signing key"); a first key is registered by hand (npm run jwks + Digdir's portal)`;
  let secret: SigningIdentity;
  try {
    secret = await readSigningIdentity(sdkSecretStore(clients.secretsManager), config.names.secret);
  } catch (error) {
    return {
      check,
      status: 'warn',
      detail: `cannot read the client id from ${config.names.secret} (${(error as Error).name}): the active key was not checked`,
      fix: 'run preflight as the ops role, after the secret is filled in',
    };
  }
  const endpoints = clients.maskinporten ?? {};
  const deadline = Deadline.after(CHECK_DEADLINE_MS, clock);
  try {
    const target = await openKeysTarget({
      env: config.name,
      label: config.name,
      issuer: endpoints.issuer ?? config.maskinportenIssuer,
      adminUrl: endpoints.adminUrl ?? config.maskinportenAdminUrl,
      clientId: secret.clientId,
      active: { spec: `kms:${signingKeyAlias(config.name, name)}`, kid: secret.kid },
      next: live.next && {
        spec: `kms:${signingKeyAlias(config.name, live.next.name)}`,
        kid: secret.kidNext,
      },
      retired: retiredSigningKeys(config).map((key) => key.kid),
      propagationDelayMs: DIGDIR_PROPAGATION_DELAY_MS,
      kmsClient: clients.kms,
      fetch: endpoints.fetch,
      clock,
    });
    const kid = target.keys.active.kid;
    const verification = await target.verifyActive(deadline);
    if (!verification.ok) {
      return {
        check,
        status: 'fail',
        detail: `Maskinporten refuses grants signed with the active key ${name} (kid ${kid}): ${verification.detail ?? 'no answer'}`,
        fix,
      };
    }
    const service = new KeyRegistrationService({
      admin: target.admin,
      clock,
      metrics: noMetrics,
      logger: silentLogger,
    });
    const { status } = await service.status(target.keys, {}, deadline);
    const ready = readiness(status.active, verification, clock());
    if (!ready.ready) {
      return {
        check,
        status: 'fail',
        detail: `active key ${name} (kid ${kid}) is not ready at Digdir: ${ready.reasons.join('; ')}`,
        fix,
      };
    }
    const days = Math.floor((status.active.expiresInMs ?? Number.POSITIVE_INFINITY) / DAY_MS);
    const detail = `active key ${name} (kid ${kid}) is registered for client ${secret.clientId} and accepted by Maskinporten${Number.isFinite(days) ? `; Digdir's exp in ${days} days` : ''}`;
    if (days <= config.keySync.expiryWarningDays) {
      return { check, status: 'warn', detail, fix: 'rotate the key before Digdir’s exp (MP-121)' };
    }
    return { check, status: 'ok', detail };
  } catch (error) {
    if (error instanceof KeysConfigError && /NotFoundException/.test(error.message)) {
      return {
        check,
        status: 'warn',
        detail: `signing key ${name} does not exist yet (the first deploy creates it)`,
        fix: `after the first deploy register it by hand: npm run jwks -- --env ${config.name}, then Digdir's portal`,
      };
    }
    const said =
      error instanceof MaskinportenAdminError
        ? `Digdir: ${error.message}`
        : error instanceof Error
          ? error.message
          : String(error);
    return {
      check,
      status: 'fail',
      detail: `could not check the active key ${name}: ${said}`,
      fix,
    };
  } finally {
    deadline.dispose();
  }
}
