import { SignCommand } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbTokenCache } from '../../../shared/adapters/dynamodb/dynamodb-token-cache.js';
import type { InMemoryMetrics } from '../../../shared/adapters/metrics/in-memory-metrics.js';
import {
  createKmsGrantSigner,
  kmsPublicJwk,
} from '../../../shared/adapters/signing/kms-grant-signer.js';
import { tokenCacheKey } from '../../../shared/domain/cache-key.js';
import { systemClock } from '../../../shared/ports/clock.js';
import { Deadline } from '../../../shared/ports/deadline.js';
import type { BrokerMetricName } from '../../../shared/ports/metrics.js';
import type { BrokerRuntime } from '../../../shared/runtime/compose-broker.js';
import { DEMO, seedDemo } from '../../../shared/sandbox/demo.js';
import { type SandboxServer, startSandboxServer } from '../../../shared/sandbox/sandbox.js';
import { type DynaliteHarness, startDynalite } from '../../support/dynalite.js';
import { mockKmsWithRealKey, TEST_KMS_KEY_ARN } from '../../support/kms-mock.js';
import { createTestBroker } from '../../support/test-broker.js';
import { callApi, freshResource, type ParsedResponse, timed, tokenRequest } from './support.js';

// Several broker instances (own memory cache, own DynamoDB client, own KMS client) over one
// dynalite table and one sandbox Maskinporten: the issue's "one Maskinporten call and one
// signature per key, under any concurrency" promise, and its bounded waits.

const INSTANCES = 4;
const CALLERS = 200;
const DEADLINE_MS = 6_000;

interface Instance {
  runtime: BrokerRuntime;
  metrics: InMemoryMetrics;
  kms: ReturnType<typeof mockKmsWithRealKey>;
}

describe(`stampede across ${INSTANCES} broker instances sharing one table`, () => {
  let sandbox: SandboxServer;
  let db: DynaliteHarness;
  let instances: Instance[];

  beforeAll(async () => {
    [sandbox, db] = await Promise.all([
      startSandboxServer({ tokenLifetimeSeconds: 120 }),
      startDynalite(),
    ]);
    instances = await Promise.all(
      Array.from({ length: INSTANCES }, async () => {
        // Separate KMS clients (as separate Lambda containers have) backed by the same key.
        const kms = mockKmsWithRealKey();
        const signer = await createKmsGrantSigner({ client: kms.client, keyId: TEST_KMS_KEY_ARN });
        const table = new DynamoDbTokenCache({
          client: db.createClient(),
          tableName: db.tableName,
        });
        // The client's first call (endpoint, signing, connection) is paid here, not in round 1:
        // on a loaded machine it outlasted the time the broker gives one table call, and each
        // instance then fetched on its own, as designed for a table that does not answer.
        await table.get('warm-up', { consistent: false }, Deadline.after(30_000));
        const { runtime, metrics } = createTestBroker({
          issuer: sandbox.issuer,
          clientId: DEMO.clientId,
          signer,
          clock: systemClock,
          sharedCache: table,
          deadlineMs: DEADLINE_MS,
        });
        return { runtime, metrics, kms };
      }),
    );
    const first = instances[0];
    if (!first) throw new Error('no instances');
    seedDemo(sandbox, { publicJwk: await kmsPublicJwk(first.kms.client, TEST_KMS_KEY_ARN) });
  });

  afterAll(async () => {
    await Promise.all([sandbox?.close(), db?.close()]);
  });

  beforeEach(() => {
    sandbox.maskinporten.faults.clear();
    sandbox.maskinporten.stats.reset();
    for (const instance of instances) {
      instance.metrics.reset();
      instance.kms.kmsMock.resetHistory();
    }
  });

  const signatures = () =>
    instances.reduce((sum, i) => sum + i.kms.kmsMock.commandCalls(SignCommand).length, 0);
  const total = (name: BrokerMetricName) =>
    instances.reduce((sum, i) => sum + i.metrics.get(name), 0);

  /** `callers` concurrent requests for `body`, dealt round-robin over the instances. */
  async function storm(body: Record<string, unknown>, callers: number) {
    return Promise.all(
      Array.from({ length: callers }, (_, n) => {
        const instance = instances[n % INSTANCES];
        if (!instance) throw new Error('no instance');
        return timed(() => callApi(instance.runtime.api, body));
      }),
    );
  }

  function expectOneToken(results: Array<{ value: ParsedResponse }>): string {
    expect(results.map((r) => r.value.status)).toEqual(results.map(() => 200));
    const tokens = new Set(results.map((r) => r.value.json.access_token as string));
    expect(tokens.size).toBe(1);
    return [...tokens][0] as string;
  }

  it.each([1, 2, 3])(
    `round %i: ${CALLERS} concurrent callers for one cold key → 1 Maskinporten call, 1 signature, 1 token`,
    async (round) => {
      const body = {
        scope: DEMO.scopes[0],
        org: DEMO.customers.standard.orgNo,
        resource: freshResource(`stampede-${round}`),
      };

      const results = await storm(body, CALLERS);

      expectOneToken(results);
      expect(sandbox.maskinporten.stats.tokenRequests).toBe(1);
      expect(sandbox.maskinporten.stats.grants).toHaveLength(1);
      expect(signatures()).toBe(1);
      expect(total('MaskinportenCalls')).toBe(1);
      expect(total('Signatures')).toBe(1);
      expect(total('TokenRequests')).toBe(CALLERS);
      // One flight per instance: the lease winner's is a miss, every other instance's a shared hit.
      expect(total('CacheMiss')).toBe(1);
      expect(total('CacheHitShared')).toBe(INSTANCES - 1);
      const sources = results.map((r) => r.value.headers['broker-token-source']);
      expect(sources.filter((s) => s === 'maskinporten')).toHaveLength(CALLERS / INSTANCES);
      expect(sources.filter((s) => s === 'shared')).toHaveLength(CALLERS - CALLERS / INSTANCES);
      expect(Math.max(...results.map((r) => r.ms))).toBeLessThan(DEADLINE_MS + 500);
      console.info(
        `[stampede] round ${round}: ${CALLERS} callers over ${INSTANCES} instances → ` +
          `${sandbox.maskinporten.stats.tokenRequests} Maskinporten call, ${signatures()} KMS signature, ` +
          `${total('LeaseWaits')} lease waits, slowest ${Math.round(Math.max(...results.map((r) => r.ms)))} ms`,
      );

      // Afterwards every instance answers from its own memory, without Maskinporten or KMS.
      const again = await storm(body, INSTANCES * 5);
      expect(expectOneToken(again)).toBe(results[0]?.value.json.access_token);
      expect(again.every((r) => r.value.headers['broker-token-source'] === 'memory')).toBe(true);
      expect(sandbox.maskinporten.stats.tokenRequests).toBe(1);
      expect(signatures()).toBe(1);
    },
  );

  it('takes over from a crashed lease holder once its lease expires, within the deadline', async () => {
    const body = { scope: DEMO.scopes[0], resource: freshResource('crashed') };
    const first = instances[0];
    if (!first) throw new Error('no instances');
    const key = tokenCacheKey(first.runtime.broker.identity, tokenRequest(body));
    // A holder that took the lease and died: it never fetches, never releases.
    const crashedLeaseMs = 1_500;
    const now = Date.now();
    const crashed = new DynamoDbTokenCache({ client: db.client, tableName: db.tableName });
    expect(
      await crashed.tryAcquireLease(key, {
        owner: 'crashed-instance',
        now,
        leaseUntil: now + crashedLeaseMs,
        freshAfter: Number.MAX_SAFE_INTEGER,
      }),
    ).toBe(true);

    const results = await storm(body, 40);

    expectOneToken(results);
    const slowest = Math.max(...results.map((r) => r.ms));
    // They waited for the lease to expire (not fetched past it), and still answered in time. Timed
    // from the lease's own start on the brokers' clock: the storm starts an RPC later.
    expect(Math.min(...results.map((r) => r.finishedAt))).toBeGreaterThan(now + crashedLeaseMs);
    expect(slowest).toBeLessThan(DEADLINE_MS + 500);
    expect(sandbox.maskinporten.stats.tokenRequests).toBe(1);
    expect(signatures()).toBe(1);
    expect(total('LeaseWaits')).toBeGreaterThanOrEqual(INSTANCES);
    console.info(
      `[stampede] crashed holder (lease ${crashedLeaseMs} ms): 40 callers → 1 Maskinporten call, ` +
        `${total('LeaseWaits')} lease waits, slowest ${Math.round(slowest)} ms`,
    );
  });

  it('a skipCache caller waiting on a held lease never settles for the token it asked to skip', async () => {
    const [a, b] = instances;
    if (!a || !b) throw new Error('no instances');
    const body = { scope: DEMO.scopes[0], resource: freshResource('skip-while-leased') };
    const cached = await callApi(a.runtime.api, body);
    expect(cached.status).toBe(200);
    // Another instance holds the refresh lease (and, here, never finishes).
    const key = tokenCacheKey(a.runtime.broker.identity, tokenRequest(body));
    const now = Date.now();
    const holder = new DynamoDbTokenCache({ client: db.client, tableName: db.tableName });
    expect(
      await holder.tryAcquireLease(key, {
        owner: 'busy-instance',
        now,
        leaseUntil: now + 1_000,
        freshAfter: Number.MAX_SAFE_INTEGER,
      }),
    ).toBe(true);

    const { value: refreshed, ms } = await timed(() =>
      callApi(b.runtime.api, { ...body, skipCache: true }),
    );

    expect(refreshed.status).toBe(200);
    expect(refreshed.json.access_token).not.toBe(cached.json.access_token);
    expect(refreshed.headers['broker-token-source']).toBe('maskinporten');
    expect(ms).toBeLessThan(DEADLINE_MS + 500);
    expect(sandbox.maskinporten.stats.tokenRequests).toBe(2);
  });

  it('answers within the deadline when the lease holder is slow: waiters fetch directly', async () => {
    // Waiters fetch directly at deadline - reserve (2 s) and must be done before the holder's token
    // can exist (3 s); the holder must be done before the deadline (4 s). With 2 s / 0.8 s / 1.7 s
    // the 300 ms windows were too thin on a loaded 2-core machine: the holder ran past the deadline.
    const deadlineMs = 4_000;
    const fetchReserveMs = 2_000;
    const holderDelayMs = 3_000;
    // Brokers with a short deadline; the first token request (the lease holder's) is held back.
    const brokers = await Promise.all(
      instances.map(async (instance) => {
        const signer = await createKmsGrantSigner({
          client: instance.kms.client,
          keyId: TEST_KMS_KEY_ARN,
        });
        return createTestBroker({
          issuer: sandbox.issuer,
          clientId: DEMO.clientId,
          signer,
          clock: systemClock,
          dynamo: { client: db.createClient(), tableName: db.tableName },
          service: { fetchReserveMs },
          fetcher: { maxAttempts: 1, attemptTimeoutMs: deadlineMs },
        });
      }),
    );
    sandbox.maskinporten.faults.enqueue({ endpoint: 'token', delayMs: holderDelayMs, times: 1 });
    const request = tokenRequest({ resource: freshResource('slow-holder') });

    const results = await Promise.all(
      Array.from({ length: 40 }, (_, n) =>
        timed(() =>
          (brokers[n % INSTANCES] as (typeof brokers)[number]).service.getToken(
            request,
            Deadline.after(deadlineMs),
          ),
        ),
      ),
    );

    const slowest = Math.max(...results.map((r) => r.ms));
    expect(slowest).toBeLessThan(deadlineMs + 500);
    expect(results.every((r) => r.value.token.accessToken.length > 0)).toBe(true);
    // The holder's callers got its (slow) token; the other instances did not wait for it: they
    // fetched directly once only the reserve was left, or read a direct fetcher's token.
    const sources = new Set(results.map((r) => r.value.source));
    expect([...sources].every((s) => s === 'maskinporten' || s === 'shared')).toBe(true);
    // The holder's token does not exist before its delay: who answered earlier did not wait for it.
    const waited = results.filter((r) => r.ms < holderDelayMs);
    expect(waited.length).toBe(40 - 40 / INSTANCES);
    // One call per instance at most: the holder's, and one direct fetch per waiting instance.
    expect(sandbox.maskinporten.stats.tokenRequests).toBeLessThanOrEqual(INSTANCES);
    const waits = brokers.reduce((sum, b) => sum + b.metrics.get('LeaseWaits'), 0);
    expect(waits).toBeGreaterThan(0);
    console.info(
      `[stampede] slow holder (${holderDelayMs} ms, deadline ${deadlineMs} ms, reserve ${fetchReserveMs} ms): ` +
        `waiters answered in ≤ ${Math.round(Math.max(...waited.map((r) => r.ms)))} ms, slowest ${Math.round(slowest)} ms, ` +
        `${sandbox.maskinporten.stats.tokenRequests} Maskinporten calls, ${waits} lease waits, ` +
        `sources ${JSON.stringify(countBy(results.map((r) => r.value.source)))}`,
    );
  });
});

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
