import { BrokerService } from '../app/broker-service.js';
import { GuardedSharedCache } from '../app/guarded-shared-cache.js';
import { MemoryTokenCache } from '../app/memory-token-cache.js';
import { TokenFetcher } from '../app/token-fetcher.js';
import { MaskinportenHttpClient } from '../adapters/maskinporten/maskinporten-client.js';
import type { ApiHandler } from '../http/api-types.js';
import { createBrokerApi } from '../http/broker-api.js';
import type { Route } from '../http/router.js';
import type { TokenAuthorizer } from '../http/token-route.js';
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
  authorize: TokenAuthorizer;
  /** The cross-process cache (DynamoDB); guarded here so its failures never stop token issuing. */
  shared?: SharedTokenCache;
  deadlineMs?: number;
  fetch?: typeof fetch;
  memoryEntries?: number;
  routes?: (runtime: { broker: BrokerService; server: MaskinportenHttpClient }) => readonly Route[];
}

export interface BrokerRuntime {
  api: ApiHandler;
  broker: BrokerService;
  server: MaskinportenHttpClient;
  shared?: GuardedSharedCache;
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
  const broker = new BrokerService({
    identity: { issuer: options.issuer, clientId: options.clientId },
    fetcher,
    memory: new MemoryTokenCache(options.memoryEntries),
    ...(shared ? { shared } : {}),
    clock,
    metrics,
    logger,
    ...(options.deadlineMs ? { deadlineMs: options.deadlineMs } : {}),
  });
  const api = createBrokerApi({
    broker,
    keys: options.keys,
    authorize: options.authorize,
    clock,
    logger,
    metrics,
    routes: options.routes?.({ broker, server }) ?? [],
  });
  return { api, broker, server, ...(shared ? { shared } : {}) };
}
