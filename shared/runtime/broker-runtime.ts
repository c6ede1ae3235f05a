import { AltinnHttpClient } from '../adapters/altinn/altinn-client.js';
import { MaskinportenHttpClient } from '../adapters/maskinporten/maskinporten-client.js';
import { AltinnTokenExchanger } from '../app/altinn-exchanger.js';
import { BrokerService } from '../app/broker-service.js';
import { GuardedSharedCache } from '../app/guarded-shared-cache.js';
import { MemoryTokenCache } from '../app/memory-token-cache.js';
import { TokenFetcher } from '../app/token-fetcher.js';
import { vendorTokenError } from '../app/upstream-errors.js';
import { DEFAULT_DEADLINE_MS } from '../config/env-config.js';
import type { CallerPolicy } from '../domain/caller-policy.js';
import { createApiHandler } from '../http/api-handler.js';
import type { ApiHandler } from '../http/api-types.js';
import { healthRoute } from '../http/health-route.js';
import { createJwksRoute } from '../http/jwks-route.js';
import type { Route } from '../http/router.js';
import { createTokenRoute } from '../http/token-route.js';
import type { Clock } from '../ports/clock.js';
import type { SigningKeySet } from '../ports/grant-signer.js';
import type { BrokerLogger } from '../ports/logger.js';
import type { BrokerMetrics } from '../ports/metrics.js';
import type { SharedTokenCache } from '../ports/token-cache.js';

export interface BrokerRuntimeOptions {
  issuer: string;
  clientId: string;
  keys: SigningKeySet;
  clock: Clock;
  logger: BrokerLogger;
  metrics: BrokerMetrics;
  /** Who may do what; `OPEN_POLICY` lets everyone do anything (the local server without a file). */
  policy: CallerPolicy;
  /** The cross-process cache (DynamoDB); guarded here so its failures never stop token issuing. */
  shared?: SharedTokenCache;
  deadlineMs?: number;
  fetch?: typeof fetch;
  memoryEntries?: number;
  /** Altinn platform base (`https://platform.tt02.altinn.no`); enables the Altinn client and exchange. */
  altinnPlatformUrl?: string;
  routes?: (runtime: RuntimeParts) => readonly Route[];
}

/** What `routes` may build on. */
export interface RuntimeParts {
  broker: BrokerService;
  server: MaskinportenHttpClient;
  /** Present when `altinnPlatformUrl` is set. */
  altinn?: AltinnHttpClient;
}

export interface BrokerRuntime {
  api: ApiHandler;
  broker: BrokerService;
  server: MaskinportenHttpClient;
  shared?: GuardedSharedCache;
  altinn?: AltinnHttpClient;
}

/**
 * The composition root shared by the Lambda and the local server: the same objects in the same
 * order, so both run one code path. Only the adapters handed in differ.
 */
export function createBrokerRuntime(options: BrokerRuntimeOptions): BrokerRuntime {
  const { clock, logger, metrics } = options;
  const server = new MaskinportenHttpClient({
    issuer: options.issuer,
    clock,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const fetcher = new TokenFetcher({
    server,
    signer: options.keys.active,
    clientId: options.clientId,
    clock,
    metrics,
    logger,
  });
  const shared = options.shared
    ? new GuardedSharedCache({ inner: options.shared, clock, metrics, logger })
    : undefined;
  // Altinn's vendor APIs get the broker's own vendor tokens, cached like any other token.
  const altinn = options.altinnPlatformUrl
    ? new AltinnHttpClient({
        platformUrl: options.altinnPlatformUrl,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        tokenProvider: async (scopes, deadline) => {
          try {
            return (await broker.getToken({ scopes, minTtl: 30, skipCache: false }, deadline)).token
              .accessToken;
          } catch (error) {
            throw vendorTokenError(error, scopes);
          }
        },
      })
    : undefined;
  const broker = new BrokerService({
    identity: { issuer: options.issuer, clientId: options.clientId },
    fetcher,
    memory: new MemoryTokenCache(options.memoryEntries),
    ...(shared ? { shared } : {}),
    clock,
    metrics,
    logger,
    ...(altinn
      ? { exchangers: { altinn: new AltinnTokenExchanger({ altinn, clock, metrics, logger }) } }
      : {}),
  });
  const routes = [
    createTokenRoute({ broker, policy: options.policy }),
    createJwksRoute(options.keys),
    healthRoute,
    ...(options.routes?.({ broker, server, ...(altinn ? { altinn } : {}) }) ?? []),
  ];
  const api = createApiHandler(routes, {
    clock,
    logger,
    metrics,
    deadlineMs: options.deadlineMs ?? DEFAULT_DEADLINE_MS,
  });
  return { api, broker, server, ...(shared ? { shared } : {}), ...(altinn ? { altinn } : {}) };
}
