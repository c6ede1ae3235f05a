import { randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbTokenCache } from '../../shared/adapters/dynamodb/dynamodb-token-cache.js';
import { InMemoryMetrics } from '../../shared/adapters/metrics/in-memory-metrics.js';
import { createDerivedTokenSealer } from '../../shared/adapters/sealing/derived-token-sealer.js';
import type { BrokerService } from '../../shared/app/broker-service.js';
import type { GuardedSharedCache } from '../../shared/app/guarded-shared-cache.js';
import { MemoryTokenCache } from '../../shared/app/memory-token-cache.js';
import { SealedSharedCache } from '../../shared/app/sealed-shared-cache.js';
import { DEFAULT_DEADLINE_MS } from '../../shared/config/env-config.js';
import { OPEN_POLICY } from '../../shared/domain/caller-policy.js';
import type { Clock } from '../../shared/ports/clock.js';
import type { GrantSigner } from '../../shared/ports/grant-signer.js';
import type { RefreshScheduler } from '../../shared/ports/refresh-scheduler.js';
import type { SharedTokenCache } from '../../shared/ports/token-cache.js';
import type { TokenSealer } from '../../shared/ports/token-sealer.js';
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
  /**
   * Seals the tokens in the shared cache (default: a derived-key sealer every test broker of this
   * worker shares, per table, as local servers with one signing key do).
   */
  tokenSealer?: TokenSealer;
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
 * The table as the test brokers see it: sealed with their sealer, for writing an item as another
 * instance would and reading what they stored.
 */
export function sealedTable(dynamo: { client: DynamoDBClient; tableName: string }) {
  return new SealedSharedCache({
    inner: new DynamoDbTokenCache(dynamo),
    sealer: testSealer(dynamo.tableName),
    metrics: new InMemoryMetrics(),
    logger: new RecordingLogger(),
  });
}

/** One secret per test worker: every test broker on a table opens the others' seals. */
const TEST_SEALING_SECRET = randomBytes(32);
const sealers = new Map<string, TokenSealer>();

export function testSealer(table: string): TokenSealer {
  let sealer = sealers.get(table);
  if (!sealer) {
    sealer = createDerivedTokenSealer({ secret: TEST_SEALING_SECRET, table });
    sealers.set(table, sealer);
  }
  return sealer;
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
      tokenSealer: options.tokenSealer ?? testSealer(options.dynamo?.tableName ?? 'shared'),
      fetch: options.fetch,
      refreshScheduler: options.refreshScheduler,
    },
    { ...options, memory },
  );
  return { runtime, service: runtime.broker, memory, shared: runtime.shared, metrics, logger };
}
