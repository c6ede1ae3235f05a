import { AltinnHttpClient } from '../adapters/altinn/altinn-client.js';
import { MaskinportenHttpClient } from '../adapters/maskinporten/maskinporten-client.js';
import { AltinnTokenExchanger } from '../app/altinn-exchanger.js';
import { BrokerService, type BrokerServiceOptions } from '../app/broker-service.js';
import { ChangeRequestService } from '../app/change-request-service.js';
import { GuardedSharedCache, type GuardedSharedCacheOptions } from '../app/guarded-shared-cache.js';
import { MemoryTokenCache } from '../app/memory-token-cache.js';
import { MissLimiter } from '../app/miss-limiter.js';
import { SealedSharedCache } from '../app/sealed-shared-cache.js';
import { SystemUserService } from '../app/system-user-service.js';
import { TokenFetcher, type TokenFetcherOptions } from '../app/token-fetcher.js';
import { vendorTokenError } from '../app/upstream-errors.js';
import type { CallerPolicy } from '../domain/caller-policy.js';
import { createApiHandler } from '../http/api-handler.js';
import type { ApiHandler } from '../http/api-types.js';
import { createChangeRequestRoutes } from '../http/change-request-routes.js';
import { healthRoute } from '../http/health-route.js';
import { createJwksRoute } from '../http/jwks-route.js';
import { openApiRoute } from '../http/openapi-route.js';
import type { Route } from '../http/router.js';
import { createSystemUserRoutes } from '../http/system-user-routes.js';
import { createTokenRoute } from '../http/token-route.js';
import type { AltinnTokenProvider, AltinnVendorApi } from '../ports/altinn.js';
import type { Clock } from '../ports/clock.js';
import type { SigningKeySet } from '../ports/grant-signer.js';
import type { BrokerLogger } from '../ports/logger.js';
import type { BrokerMetrics } from '../ports/metrics.js';
import type { RefreshScheduler } from '../ports/refresh-scheduler.js';
import type { SharedTokenCache } from '../ports/token-cache.js';
import type { TokenSealer } from '../ports/token-sealer.js';

/** What the environment says the broker is: read by each shell from its own sources. */
export interface BrokerSettings {
  /** Maskinporten's issuer, with its trailing slash (or the sandbox's). */
  issuer: string;
  clientId: string;
  /** Who may do what; `OPEN_POLICY` lets everyone do anything (a local server without a file). */
  policy: CallerPolicy;
  /** Every request is answered within this many milliseconds (`BROKER_DEADLINE_MS`). */
  deadlineMs: number;
  /** Altinn's platform base: without it there is no Altinn client, exchange or onboarding. */
  altinnPlatformUrl?: string;
  /** The broker's system in Altinn's register: without it the system-user endpoints are off. */
  systemId?: string;
  /** Tokens the per-process cache holds (default 10,000). */
  memoryEntries?: number;
  /**
   * Seconds a Maskinporten refusal of a request is answered from memory per cache key
   * (`BROKER_REFUSAL_CACHE_SECONDS`; default 30, 0 turns it off).
   */
  refusalCacheSeconds?: number;
}

/** The outside world as the shell found it: the things that differ between Lambda, laptop and test. */
export interface BrokerAdapters {
  keys: SigningKeySet;
  clock: Clock;
  logger: BrokerLogger;
  metrics: BrokerMetrics;
  /**
   * The cross-process cache (DynamoDB): sealed and guarded here, so it never holds a readable
   * token and its failures never stop token issuing.
   */
  sharedCache?: SharedTokenCache;
  /** Seals every token before it reaches `sharedCache`; required with it. */
  tokenSealer?: TokenSealer;
  /** The `fetch` for Maskinporten and Altinn (default the global one). */
  fetch?: typeof fetch;
  /** Where refreshes ahead run (Lambda: an invocation of itself); default in-process. */
  refreshScheduler?: RefreshScheduler;
}

/**
 * The use cases' own knobs: production runs on their defaults; tests and the benchmark turn them
 * (a short lease, one attempt, a memory cache shared between two brokers...).
 */
export interface BrokerTuning {
  service?: Pick<BrokerServiceOptions, 'leaseMs' | 'fetchReserveMs' | 'leasePollMs'>;
  fetcher?: Pick<TokenFetcherOptions, 'maxAttempts' | 'attemptTimeoutMs' | 'backoffMs'>;
  guard?: Pick<GuardedSharedCacheOptions, 'failureThreshold' | 'openMs'>;
  /** The per-process cache to use (default a new one of `settings.memoryEntries`). */
  memory?: MemoryTokenCache;
}

/** The composed broker: the API a transport serves, and the parts shells and tests reach for. */
export interface BrokerRuntime {
  /** The whole HTTP contract: a transport hands it requests and writes its answers. */
  api: ApiHandler;
  /** Every endpoint the API serves. */
  routes: readonly Route[];
  /** The token use case. */
  broker: BrokerService;
  maskinporten: MaskinportenHttpClient;
  /** The shared cache behind its circuit breaker, when there is a table. */
  shared?: GuardedSharedCache;
  /** Altinn's vendor APIs on the broker's own tokens (the ops CLI uses them), with a platform. */
  altinn?: AltinnVendorApi;
  /** The onboarding use case, with a platform and a system id. */
  systemUsers?: SystemUserService;
  /** Change requests for existing system users, with a platform and a system id. */
  changeRequests?: ChangeRequestService;
}

/**
 * The one composition: the same objects in the same order for the Lambda, the local server, the
 * ops CLI, the tests and the benchmark, so they all run one code path; each shell adds only its
 * settings, its adapters and its transport. A new route or adapter is wired here and nowhere else.
 */
export function composeBroker(
  settings: BrokerSettings,
  adapters: BrokerAdapters,
  tuning: BrokerTuning = {},
): BrokerRuntime {
  const { clock, logger, metrics } = adapters;
  const maskinporten = new MaskinportenHttpClient({
    issuer: settings.issuer,
    clock,
    fetch: adapters.fetch,
  });
  const fetcher = new TokenFetcher({
    server: maskinporten,
    signer: adapters.keys.active,
    clientId: settings.clientId,
    clock,
    metrics,
    logger,
    ...tuning.fetcher,
  });
  const shared = adapters.sharedCache && guardedSharedCache(adapters, tuning);
  // Altinn's vendor APIs get the broker's own vendor tokens, cached like any other token.
  const vendorToken: AltinnTokenProvider = async (scopes, deadline) => {
    try {
      // The broker's own token: never a caller's cache entry, nor counted as a caller's request.
      return (await broker.getOwnToken(scopes, deadline)).token.accessToken;
    } catch (error) {
      throw vendorTokenError(error, scopes);
    }
  };
  const altinn =
    settings.altinnPlatformUrl === undefined
      ? undefined
      : new AltinnHttpClient({
          platformUrl: settings.altinnPlatformUrl,
          fetch: adapters.fetch,
          tokenProvider: vendorToken,
        });
  const broker = new BrokerService({
    identity: { issuer: settings.issuer, clientId: settings.clientId },
    fetcher,
    memory: tuning.memory ?? new MemoryTokenCache(settings.memoryEntries),
    shared,
    clock,
    metrics,
    logger,
    exchangers: altinn && {
      altinn: new AltinnTokenExchanger({ altinn, clock, metrics, logger }),
    },
    refreshScheduler: adapters.refreshScheduler,
    refreshDeadlineMs: settings.deadlineMs,
    refusalTtlMs:
      settings.refusalCacheSeconds === undefined ? undefined : settings.refusalCacheSeconds * 1000,
    ...tuning.service,
  });
  const systemUsers = systemUserService(settings, altinn, logger, (org) =>
    broker.forgetRefusals(org),
  );
  const changeRequests = altinn && systemUsers && new ChangeRequestService({ altinn, systemUsers });
  const routes: Route[] = [
    createTokenRoute({ broker, policy: settings.policy, limiter: new MissLimiter({ clock }) }),
    createJwksRoute(adapters.keys),
    healthRoute,
    openApiRoute,
    ...(systemUsers ? createSystemUserRoutes({ systemUsers, policy: settings.policy }) : []),
    ...(changeRequests
      ? createChangeRequestRoutes({ changeRequests, policy: settings.policy })
      : []),
  ];
  const api = createApiHandler(routes, {
    clock,
    logger,
    metrics,
    deadlineMs: settings.deadlineMs,
  });
  return { api, routes, broker, maskinporten, shared, altinn, systemUsers, changeRequests };
}

/** The shared cache, sealed (never a readable token in the table) and behind its circuit breaker. */
function guardedSharedCache(adapters: BrokerAdapters, tuning: BrokerTuning): GuardedSharedCache {
  const { sharedCache, tokenSealer, clock, metrics, logger } = adapters;
  if (!sharedCache || !tokenSealer) {
    throw new TypeError(
      'a shared token cache needs a token sealer: no readable token leaves the broker',
    );
  }
  const sealed = new SealedSharedCache({
    inner: sharedCache,
    sealer: tokenSealer,
    metrics,
    logger,
  });
  return new GuardedSharedCache({ inner: sealed, clock, metrics, logger, ...tuning.guard });
}

/** Onboarding needs Altinn and the broker's system id; without either, the start says why. */
function systemUserService(
  settings: BrokerSettings,
  altinn: AltinnVendorApi | undefined,
  logger: BrokerLogger,
  onApproved: (org: string) => void,
): SystemUserService | undefined {
  if (altinn && settings.systemId)
    return new SystemUserService({ altinn, systemId: settings.systemId, onApproved });
  logger.info('system-user endpoints are off', {
    reason: altinn ? 'ALTINN_SYSTEM_ID is not set' : 'ALTINN_PLATFORM_URL is not set',
  });
  return undefined;
}
