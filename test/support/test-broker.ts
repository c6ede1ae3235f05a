import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbTokenCache } from '../../shared/adapters/dynamodb/dynamodb-token-cache.js';
import { InMemoryMetrics } from '../../shared/adapters/metrics/in-memory-metrics.js';
import type { BrokerService } from '../../shared/app/broker-service.js';
import type { GuardedSharedCache } from '../../shared/app/guarded-shared-cache.js';
import { MemoryTokenCache } from '../../shared/app/memory-token-cache.js';
import { DEFAULT_DEADLINE_MS } from '../../shared/config/env-config.js';
import { OPEN_POLICY } from '../../shared/domain/caller-policy.js';
import type { Clock } from '../../shared/ports/clock.js';
import type { GrantSigner } from '../../shared/ports/grant-signer.js';
import type { RefreshScheduler } from '../../shared/ports/refresh-scheduler.js';
import type { SharedTokenCache } from '../../shared/ports/token-cache.js';
import {
  type BrokerRuntime,
  type BrokerTuning,
  composeBroker,
} from '../../shared/runtime/compose-broker.js';
import { RecordingLogger } from './recording-logger.js';

export interface TestBrokerOptions extends BrokerTuning {
  issuer: string;
  clientId: string;
  signer: GrantSigner;
  clock: Clock;
  /** The DynamoDB client and table of the shared cache; absent means memory only. */
  dynamo?: { client: DynamoDBClient; tableName: string };
  /** Another shared cache (a fake); `dynamo` wins when both are given. */
  sharedCache?: SharedTokenCache;
  /** `BROKER_DEADLINE_MS` of the API (default 6000). */
  deadlineMs?: number;
  /** The `fetch` to Maskinporten (default the global one). */
  fetch?: typeof fetch;
  /** Where refreshes ahead go (default: run in the background in this process). */
  refreshScheduler?: RefreshScheduler;
}

export interface TestBroker {
  /** The whole composition: `runtime.api` is the HTTP contract without a socket. */
  runtime: BrokerRuntime;
  service: BrokerService;
  memory: MemoryTokenCache;
  shared?: GuardedSharedCache;
  metrics: InMemoryMetrics;
  logger: RecordingLogger;
}

/**
 * The broker as `composeBroker` builds it, open to every caller, memory-only or on a table, with
 * the knobs turned and its metrics and log lines recorded.
 */
export function createTestBroker(options: TestBrokerOptions): TestBroker {
  const metrics = new InMemoryMetrics();
  const logger = new RecordingLogger();
  const memory = options.memory ?? new MemoryTokenCache();
  const runtime = composeBroker(
    {
      issuer: options.issuer,
      clientId: options.clientId,
      policy: OPEN_POLICY,
      deadlineMs: options.deadlineMs ?? DEFAULT_DEADLINE_MS,
    },
    {
      keys: { active: options.signer, published: [options.signer] },
      clock: options.clock,
      logger,
      metrics,
      sharedCache: options.dynamo ? new DynamoDbTokenCache(options.dynamo) : options.sharedCache,
      fetch: options.fetch,
      refreshScheduler: options.refreshScheduler,
    },
    { ...options, memory },
  );
  return { runtime, service: runtime.broker, memory, shared: runtime.shared, metrics, logger };
}
