import { KMSClient } from '@aws-sdk/client-kms';
import {
  ENVIRONMENTS,
  liveSigningKeys,
  retiredSigningKeys,
  signingKeyAlias,
} from '../../infra/config.js';
import { InMemoryMetrics } from '../../shared/adapters/metrics/in-memory-metrics.js';
import { createSigningKeySet } from '../../shared/adapters/signing/signing-key-spec.js';
import type { ConfiguredKeys } from '../../shared/app/key-registration.js';
import { createKeyVerifier, type KeyVerifier } from '../../shared/app/key-verification.js';
import {
  type EnvConfig,
  loadEnvConfig,
  type SigningKeyConfig,
} from '../../shared/config/env-config.js';
import { ENV } from '../../shared/config/env-names.js';
import { OPEN_POLICY } from '../../shared/domain/caller-policy.js';
import { DIGDIR_PROPAGATION_DELAY_MS } from '../../shared/domain/key-status.js';
import { requireSecureUrl } from '../../shared/domain/secure-url.js';
import { type Clock, systemClock } from '../../shared/ports/clock.js';
import { silentLogger } from '../../shared/ports/logger.js';
import type { MaskinportenAdminApi } from '../../shared/ports/maskinporten-admin.js';
import { composeBroker } from '../../shared/runtime/compose-broker.js';
import { DEMO } from '../../shared/sandbox/demo.js';
import type { CliEnvironment } from './systemuser-connect.js';

/** The broker's keys and the ways to reach Digdir and Maskinporten, for one `--env`. */
export interface KeysTarget {
  env: CliEnvironment;
  /** For the user: which client, where. */
  describe: string;
  clientId: string;
  keys: ConfiguredKeys;
  /** The self-service API on the broker's own admin token (signed with the active key). */
  admin: MaskinportenAdminApi;
  /** One real token request signed with the next key; with a next key only. */
  verifyNext?: KeyVerifier;
  /** How long a change takes to reach Maskinporten: Digdir's 2 minutes, or the sandbox's own. */
  propagationDelayMs: number;
}

/** Bad or missing configuration: exit code 2. */
export class KeysConfigError extends Error {
  override readonly name = 'KeysConfigError';
}

export interface ResolveKeysOptions {
  /** `--sandbox`: the `npm start` whose embedded sandbox plays Digdir and Maskinporten. */
  sandboxUrl: string;
  processEnv?: Readonly<Record<string, string | undefined>>;
  fetch?: typeof fetch;
  clock?: Clock;
  kmsClient?: KMSClient;
}

/**
 * Builds the broker in this process, configured like `npm start` (`MASKINPORTEN_CLIENT_ID`,
 * `SIGNING_KEY`, `SIGNING_KID`, `SIGNING_KEY_NEXT`, `SIGNING_KID_NEXT`, `MASKINPORTEN_ADMIN_URL`):
 * the admin token is the broker's own Maskinporten token with `idporten:dcr.write`, signed with
 * the active key through the same fetcher as every token, under a cache key of its own.
 *
 * - `sandbox`: a running `npm start` (`--sandbox`, default `http://127.0.0.1:8080`) is Digdir and
 *   Maskinporten; `SIGNING_KEY` (and `SIGNING_KEY_NEXT`) must be the key files that `npm start`
 *   was started with, the client is the demo client, retired kids come from
 *   `SIGNING_KIDS_RETIRED`, and the propagation delay is the sandbox's own.
 * - `test`/`prod`: Maskinporten and Digdir of that environment (`infra/config.ts`); without
 *   `SIGNING_KEY` and `SIGNING_KEY_NEXT`, the environment's live KMS keys by alias; retired kids
 *   from `infra/config.ts`. Needs credentials that may sign with the keys (the ops role).
 *
 * Throws {@link KeysConfigError} for anything missing or unreadable.
 */
export async function resolveKeysTarget(
  env: CliEnvironment,
  options: ResolveKeysOptions,
): Promise<KeysTarget> {
  const processEnv = options.processEnv ?? process.env;
  const fetchImpl = options.fetch ?? fetch;
  const clock = options.clock ?? systemClock;
  let config: EnvConfig;
  try {
    config = loadEnvConfig(processEnv);
  } catch (error) {
    throw new KeysConfigError((error as Error).message);
  }
  const where =
    env === 'sandbox' ? sandboxPlace(options.sandboxUrl, config) : awsPlace(env, config);
  const clientId = config.clientId ?? where.clientId;
  if (!clientId) throw new KeysConfigError(`${ENV.clientId} is required for --env ${env}`);
  const signing = where.signing;
  if (!signing.active) {
    throw new KeysConfigError(
      `${ENV.signingKey} is required for --env sandbox: the key file npm start was started with (SIGNING_KEY=file:<pem> npm start)`,
    );
  }
  let kms = options.kmsClient;
  let keySet: Awaited<ReturnType<typeof createSigningKeySet>>;
  try {
    keySet = await createSigningKeySet({
      active: signing.active,
      next: signing.next,
      kmsClient: () => {
        kms ??= new KMSClient({ region: where.region });
        return kms;
      },
    });
  } catch (error) {
    throw new KeysConfigError(`cannot load the signing keys: ${describeLoadError(error)}`);
  }
  const runtime = composeBroker(
    {
      issuer: where.issuer,
      clientId,
      policy: OPEN_POLICY,
      deadlineMs: config.deadlineMs,
      adminUrl: where.adminUrl,
    },
    {
      keys: keySet,
      clock,
      logger: silentLogger,
      metrics: new InMemoryMetrics(),
      fetch: fetchImpl,
    },
  );
  if (!runtime.admin) throw new KeysConfigError('the self-service client was not built');
  const nextSigner = keySet.published.find((signer) => signer !== keySet.active);
  const inUse = where.retired.find((kid) => kid === keySet.active.kid || kid === nextSigner?.kid);
  if (inUse !== undefined) {
    throw new KeysConfigError(`kid ${inUse} is listed as retired but is a key in use`);
  }
  const keys: ConfiguredKeys = {
    active: await keySet.active.publicJwk(),
    next: nextSigner && (await nextSigner.publicJwk()),
    retired: where.retired,
  };
  return {
    env,
    describe: `client ${clientId} at ${where.adminUrl} (${where.label})`,
    clientId,
    keys,
    admin: runtime.admin,
    verifyNext:
      nextSigner &&
      createKeyVerifier({
        server: runtime.maskinporten,
        signer: nextSigner,
        clientId,
        clock,
        metrics: new InMemoryMetrics(),
        logger: silentLogger,
      }),
    propagationDelayMs: await where.propagationDelayMs(fetchImpl),
  };
}

interface Place {
  label: string;
  issuer: string;
  adminUrl: string;
  clientId?: string;
  region?: string;
  signing: { active?: SigningKeyConfig; next?: SigningKeyConfig };
  retired: string[];
  propagationDelayMs(fetchImpl: typeof fetch): Promise<number>;
}

function sandboxPlace(sandboxUrl: string, config: EnvConfig): Place {
  let base: string;
  try {
    base = requireSecureUrl(sandboxUrl, '--sandbox').href.replace(/\/$/, '');
  } catch (error) {
    throw new KeysConfigError((error as Error).message);
  }
  const control = `${base}/sandbox/_control/selvbetjening`;
  return {
    label: `sandbox of the npm start at ${base}`,
    issuer: config.issuer ?? `${base}/sandbox/maskinporten/`,
    adminUrl: config.adminUrl ?? `${base}/sandbox/selvbetjening/api/v1/`,
    clientId: DEMO.clientId,
    signing: { active: config.signingKey, next: config.signingKeyNext },
    retired: config.retiredKids,
    propagationDelayMs: async (fetchImpl) => {
      try {
        const answer = await fetchImpl(control, { signal: AbortSignal.timeout(5_000) });
        const body = (await answer.json()) as { propagationDelayMs?: unknown };
        if (typeof body.propagationDelayMs === 'number') return body.propagationDelayMs;
      } catch {
        // Not the sandbox (MASKINPORTEN_ADMIN_URL elsewhere): Digdir's delay.
      }
      return DIGDIR_PROPAGATION_DELAY_MS;
    },
  };
}

function awsPlace(env: 'test' | 'prod', config: EnvConfig): Place {
  const environment = ENVIRONMENTS[env];
  if (config.retiredKids.length > 0) {
    throw new KeysConfigError(
      `${ENV.retiredKids} is for the sandbox: retired keys of ${env} come from infra/config.ts (signingKeys with retired: true and their kid)`,
    );
  }
  // Without either variable: the environment's live keys, by alias (the ops role may sign).
  const fromConfig = !config.signingKey && !config.signingKeyNext;
  const live = liveSigningKeys(environment);
  const alias = (name: string) => ({ spec: `kms:${signingKeyAlias(env, name)}` });
  return {
    label: `${env}, Maskinporten ${environment.maskinportenIssuer}`,
    issuer: environment.maskinportenIssuer,
    adminUrl: config.adminUrl ?? environment.maskinportenAdminUrl,
    region: environment.region,
    signing: fromConfig
      ? { active: alias(live.active.name), next: live.next && alias(live.next.name) }
      : { active: config.signingKey, next: config.signingKeyNext },
    retired: retiredSigningKeys(environment).map((key) => key.kid),
    propagationDelayMs: async () => DIGDIR_PROPAGATION_DELAY_MS,
  };
}

/** The loader's message names the file or the KMS operation; the SDK's cause adds its name only. */
function describeLoadError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error ? error.cause : undefined;
  return cause instanceof Error && !message.includes(cause.name)
    ? `${message} (${cause.name})`
    : message;
}
