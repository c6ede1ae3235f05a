import { KMSClient } from '@aws-sdk/client-kms';
import { ENVIRONMENTS } from '../../infra/config.js';
import { AltinnHttpClient } from '../../shared/adapters/altinn/altinn-client.js';
import { InMemoryMetrics } from '../../shared/adapters/metrics/in-memory-metrics.js';
import { createSigningKeySet } from '../../shared/adapters/signing/signing-key-spec.js';
import { loadEnvConfig, requireUpstreamConfig } from '../../shared/config/env-config.js';
import { ENV } from '../../shared/config/env-names.js';
import { OPEN_POLICY } from '../../shared/domain/caller-policy.js';
import { requireSecureUrl } from '../../shared/domain/secure-url.js';
import type { AltinnVendorApi } from '../../shared/ports/altinn.js';
import { systemClock } from '../../shared/ports/clock.js';
import type { Deadline } from '../../shared/ports/deadline.js';
import { silentLogger } from '../../shared/ports/logger.js';
import { composeBroker } from '../../shared/runtime/compose-broker.js';
import { DEMO } from '../../shared/sandbox/demo.js';

export type CliEnvironment = 'sandbox' | 'test' | 'prod';

/** Where the CLI talks to, known before any network call. */
export interface CliTarget {
  env: CliEnvironment;
  /** The broker's Maskinporten client id: must be in the system's `clientId`. */
  clientId: string;
  /** The system the broker is configured for, if any (default of `get --id`). */
  systemId?: string;
  /** The vendor the broker's Maskinporten client belongs to: Altinn refuses any other (403). */
  vendorOrgNo?: string;
  /** For the user: what is being talked to. */
  describe: string;
  /** Builds the Altinn client (sandbox: through the broker; test/prod: an in-process broker). */
  open(): Promise<AltinnVendorApi>;
}

/**
 * Resolves `--env`. Sandbox: a running local broker (`npm start`) hands out the vendor tokens from
 * `POST /v1/token` and serves the simulated Altinn under `/sandbox/altinn`. test/prod: the broker
 * runtime is built here from the standard variables (`MASKINPORTEN_CLIENT_ID`, `SIGNING_KEY`,
 * `SIGNING_KID`) with the issuer and Altinn platform of that environment from `infra/config.ts`.
 * Throws an Error naming what is missing (a usage error).
 */
export function resolveTarget(
  env: CliEnvironment,
  options: {
    brokerUrl: string;
    processEnv?: Readonly<Record<string, string | undefined>>;
    fetch?: typeof fetch;
  },
): CliTarget {
  if (env === 'sandbox') return sandboxTarget(options.brokerUrl, options.fetch ?? fetch);
  const environment = ENVIRONMENTS[env];
  const config = loadEnvConfig({
    ...(options.processEnv ?? process.env),
    [ENV.issuer]: environment.maskinportenIssuer,
    [ENV.altinnPlatform]: environment.altinnPlatformUrl,
  });
  const upstream = requireUpstreamConfig(config);
  return {
    env,
    clientId: upstream.clientId,
    // A system id is `<vendor orgno>_<name>` (checked by loadEnvConfig): its prefix is the vendor.
    systemId: config.systemId,
    vendorOrgNo: config.systemId?.split('_')[0],
    describe: `${env}: Maskinporten ${environment.maskinportenIssuer}, Altinn ${environment.altinnPlatformUrl}`,
    async open() {
      let kms: KMSClient | undefined;
      const keys = await createSigningKeySet({
        active: upstream.signingKey,
        kmsClient: () => {
          kms ??= new KMSClient({ region: environment.region });
          return kms;
        },
      });
      const runtime = composeBroker(
        {
          issuer: upstream.issuer,
          clientId: upstream.clientId,
          policy: OPEN_POLICY,
          deadlineMs: config.deadlineMs,
          altinnPlatformUrl: environment.altinnPlatformUrl,
        },
        { keys, clock: systemClock, logger: silentLogger, metrics: new InMemoryMetrics() },
      );
      if (!runtime.altinn) throw new Error('the Altinn client was not built');
      return runtime.altinn;
    },
  };
}

function sandboxTarget(brokerUrl: string, fetchImpl: typeof fetch): CliTarget {
  const broker = requireSecureUrl(brokerUrl, '--broker').href.replace(/\/$/, '');
  return {
    env: 'sandbox',
    clientId: DEMO.clientId,
    systemId: DEMO.systemId,
    vendorOrgNo: DEMO.vendor.orgNo,
    describe: `sandbox: the broker at ${broker}, Altinn ${broker}/sandbox/altinn`,
    async open() {
      return new AltinnHttpClient({
        platformUrl: `${broker}/sandbox/altinn`,
        fetch: fetchImpl,
        tokenProvider: (scopes, deadline) => brokerToken(fetchImpl, broker, scopes, deadline),
      });
    },
  };
}

/** A vendor token from the broker's own `POST /v1/token`. */
async function brokerToken(
  fetchImpl: typeof fetch,
  broker: string,
  scopes: string[],
  deadline: Deadline,
): Promise<string> {
  let response: Response;
  try {
    response = await fetchImpl(`${broker}/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scope: scopes.join(' '), minTtl: 30 }),
      signal: deadline.signal,
    });
  } catch {
    throw new Error(`the broker at ${broker} does not answer: is it running (npm start)?`);
  }
  const body = (await response.json().catch(() => ({}))) as {
    access_token?: unknown;
    error_description?: unknown;
  };
  if (response.status !== 200 || typeof body.access_token !== 'string') {
    const said =
      typeof body.error_description === 'string'
        ? body.error_description
        : `HTTP ${response.status}`;
    throw new Error(`the broker gave no vendor token for ${scopes.join(' ')}: ${said}`);
  }
  return body.access_token;
}
