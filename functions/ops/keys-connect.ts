import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  ENVIRONMENTS,
  liveSigningKeys,
  retiredSigningKeys,
  signingKeyAlias,
} from '../../infra/config.js';
import { MaskinportenAdminClient } from '../../shared/adapters/maskinporten-admin/admin-client.js';
import { InMemoryMetrics } from '../../shared/adapters/metrics/in-memory-metrics.js';
import { createSigningKeySet } from '../../shared/adapters/signing/signing-key-spec.js';
import type { ConfiguredKeys } from '../../shared/app/key-registration.js';
import { createKeyVerifier, type KeyVerifier } from '../../shared/app/key-verification.js';
import {
  DEFAULT_DEADLINE_MS,
  type EnvConfig,
  loadEnvConfig,
  type SigningKeyConfig,
} from '../../shared/config/env-config.js';
import { ENV } from '../../shared/config/env-names.js';
import { readSigningIdentity } from '../../shared/config/signing-identity.js';
import { OPEN_POLICY } from '../../shared/domain/caller-policy.js';
import { DIGDIR_PROPAGATION_DELAY_MS } from '../../shared/domain/key-status.js';
import { requireSecureUrl } from '../../shared/domain/secure-url.js';
import { type Clock, systemClock } from '../../shared/ports/clock.js';
import type { GrantSigner } from '../../shared/ports/grant-signer.js';
import { silentLogger } from '../../shared/ports/logger.js';
import type { MaskinportenAdminApi } from '../../shared/ports/maskinporten-admin.js';
import type { SecretStore } from '../../shared/ports/secret-store.js';
import { composeBroker } from '../../shared/runtime/compose-broker.js';
import { DEMO } from '../../shared/sandbox/demo.js';
import { sdkSecretStore } from './sdk-secret-store.js';
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
  /** One real token request signed with the active key (the deploy preflight's proof). */
  verifyActive: KeyVerifier;
  /** One real token request signed with the next key; with a next key only. */
  verifyNext?: KeyVerifier | undefined;
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
  /** Reads the environment's configuration secret (default: Secrets Manager with the SDK's credentials). */
  secrets?: SecretStore;
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
 *   `SIGNING_KEY` and `SIGNING_KEY_NEXT`, the environment's live KMS keys by alias, with the client
 *   id and the kids the broker signs with from its configuration secret (as the key sync and the
 *   preflight read them); retired kids from `infra/config.ts`. Needs credentials that may sign with
 *   the keys and read the secret (the ops role).
 *
 * Throws {@link KeysConfigError} for anything missing or unreadable.
 */
export async function resolveKeysTarget(
  env: CliEnvironment,
  options: ResolveKeysOptions,
): Promise<KeysTarget> {
  const processEnv = options.processEnv ?? process.env;
  const fetchImpl = options.fetch ?? fetch;
  let config: EnvConfig;
  try {
    config = loadEnvConfig(processEnv);
  } catch (error) {
    throw new KeysConfigError((error as Error).message);
  }
  const where =
    env === 'sandbox'
      ? sandboxPlace(options.sandboxUrl, config)
      : await awsPlace(env, config, options.secrets);
  const clientId = config.clientId ?? where.clientId;
  if (!clientId) throw new KeysConfigError(`${ENV.clientId} is required for --env ${env}`);
  const { active, next } = where.signing;
  if (!active) {
    throw new KeysConfigError(
      `${ENV.signingKey} is required for --env sandbox: the key file npm start was started with (SIGNING_KEY=file:<pem> npm start)`,
    );
  }
  return openKeysTarget({
    env,
    label: where.label,
    issuer: where.issuer,
    adminUrl: where.adminUrl,
    clientId,
    active,
    next,
    retired: where.retired,
    propagationDelayMs: await where.propagationDelayMs(fetchImpl),
    deadlineMs: config.deadlineMs,
    region: where.region,
    kmsClient: options.kmsClient,
    fetch: fetchImpl,
    clock: options.clock,
  });
}

/** Everything {@link openKeysTarget} needs, however the shell found it. */
export interface KeysSettings {
  env: CliEnvironment;
  /** Where, for the user (`test, Maskinporten https://...`). */
  label: string;
  issuer: string;
  adminUrl: string;
  clientId: string;
  active: SigningKeyConfig;
  next?: SigningKeyConfig | undefined;
  retired: readonly string[];
  propagationDelayMs: number;
  /** The in-process broker's deadline for one token (default 6000 ms). */
  deadlineMs?: number;
  /** For `kms:` keys without a client: the region of the one made here. */
  region?: string | undefined;
  kmsClient?: KMSClient | undefined;
  fetch?: typeof fetch | undefined;
  clock?: Clock | undefined;
}

/**
 * The broker composed in this process for its own keys: the signers (file or KMS), the public
 * halves, the self-service client on the broker's own admin token, and a verifier per key. Used by
 * `npm run keys` and by the deploy preflight. Throws {@link KeysConfigError} for keys that cannot
 * be loaded and for a retired kid that is in use.
 */
export async function openKeysTarget(settings: KeysSettings): Promise<KeysTarget> {
  const clock = settings.clock ?? systemClock;
  let kms = settings.kmsClient;
  let keySet: Awaited<ReturnType<typeof createSigningKeySet>>;
  try {
    keySet = await createSigningKeySet({
      active: settings.active,
      next: settings.next,
      kmsClient: () => {
        kms ??= new KMSClient({ region: settings.region });
        return kms;
      },
    });
  } catch (error) {
    throw new KeysConfigError(`cannot load the signing keys: ${describeLoadError(error)}`);
  }
  const { clientId } = settings;
  const runtime = composeBroker(
    {
      issuer: settings.issuer,
      clientId,
      policy: OPEN_POLICY,
      deadlineMs: settings.deadlineMs ?? DEFAULT_DEADLINE_MS,
    },
    {
      keys: keySet,
      clock,
      logger: silentLogger,
      metrics: new InMemoryMetrics(),
      fetch: settings.fetch,
    },
  );
  // The admin token is the broker's own, under a cache key no caller's request can have. Built
  // here, not in composeBroker: the Lambda bundle never carries the self-service client.
  const admin = new MaskinportenAdminClient({
    baseUrl: settings.adminUrl,
    clientId,
    fetch: settings.fetch,
    tokenProvider: async (scopes, deadline) =>
      (await runtime.broker.getOwnToken(scopes, deadline)).token.accessToken,
  });
  const nextSigner = keySet.published.find((signer) => signer !== keySet.active);
  const inUse = settings.retired.find(
    (kid) => kid === keySet.active.kid || kid === nextSigner?.kid,
  );
  if (inUse !== undefined) {
    throw new KeysConfigError(`kid ${inUse} is listed as retired but is a key in use`);
  }
  const verifier = (signer: GrantSigner) =>
    createKeyVerifier({
      server: runtime.maskinporten,
      signer,
      clientId,
      clock,
      metrics: new InMemoryMetrics(),
      logger: silentLogger,
    });
  return {
    env: settings.env,
    describe: `client ${clientId} at ${settings.adminUrl} (${settings.label})`,
    clientId,
    keys: {
      active: await keySet.active.publicJwk(),
      next: nextSigner && (await nextSigner.publicJwk()),
      retired: settings.retired,
    },
    admin,
    verifyActive: verifier(keySet.active),
    verifyNext: nextSigner && verifier(nextSigner),
    propagationDelayMs: settings.propagationDelayMs,
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

async function awsPlace(
  env: 'test' | 'prod',
  config: EnvConfig,
  secrets: SecretStore | undefined,
): Promise<Place> {
  const environment = ENVIRONMENTS[env];
  if (config.retiredKids.length > 0) {
    throw new KeysConfigError(
      `${ENV.retiredKids} is for the sandbox: retired keys of ${env} come from infra/config.ts (signingKeys with retired: true and their kid)`,
    );
  }
  // Without either variable: the environment's live keys, by alias (the ops role may sign).
  const fromConfig = !config.signingKey && !config.signingKeyNext;
  const live = liveSigningKeys(environment);
  // The broker signs with the secret's kids when it names them, as it reads them at start. Read
  // with the SDK's default credential chain (profiles, SSO) unless a store is given.
  const secret = fromConfig
    ? await readConfigSecret(
        secrets ?? sdkSecretStore(new SecretsManagerClient({ region: environment.region })),
        environment.names.secret,
      )
    : undefined;
  const alias = (name: string, kid: string | undefined) => ({
    spec: `kms:${signingKeyAlias(env, name)}`,
    ...(kid === undefined ? {} : { kid }),
  });
  return {
    label: `${env}, Maskinporten ${environment.maskinportenIssuer}`,
    issuer: environment.maskinportenIssuer,
    adminUrl: config.adminUrl ?? environment.maskinportenAdminUrl,
    clientId: secret?.clientId,
    region: environment.region,
    signing: fromConfig
      ? {
          active: alias(live.active.name, secret?.kid),
          next: live.next && alias(live.next.name, secret?.kidNext),
        }
      : { active: config.signingKey, next: config.signingKeyNext },
    retired: retiredSigningKeys(environment).map((key) => key.kid),
    propagationDelayMs: async () => DIGDIR_PROPAGATION_DELAY_MS,
  };
}

async function readConfigSecret(secrets: SecretStore, name: string) {
  try {
    return await readSigningIdentity(secrets, name);
  } catch (error) {
    throw new KeysConfigError(
      `cannot read the client id and kids from ${name}: ${describeLoadError(error)} (run as the ops role, after the secret is filled in)`,
    );
  }
}

/** The loader's message names the file or the KMS operation; the SDK's cause adds its name only. */
function describeLoadError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error ? error.cause : undefined;
  return cause instanceof Error && !message.includes(cause.name)
    ? `${message} (${cause.name})`
    : message;
}
