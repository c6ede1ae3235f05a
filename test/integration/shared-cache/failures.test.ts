import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../../../functions/local/server.js';
import { InMemoryMetrics } from '../../../shared/adapters/metrics/in-memory-metrics.js';
import { tokenCacheKey } from '../../../shared/domain/cache-key.js';
import type { Sandbox } from '../../../shared/sandbox/sandbox.js';
import { type DynaliteHarness, startDynalite } from '../../support/dynalite.js';
import { RecordingLogger } from '../../support/recording-logger.js';
import {
  countDynamoCalls,
  freshResource,
  postJson,
  SCOPE,
  shiftableClock,
  timed,
  tokenRequest,
} from './support.js';

// When parts fail, over real HTTP: the local server (same runtime as the Lambda) in sandbox mode
// with the DynamoDB cache on dynalite, on a clock the test can move forward.

const DEADLINE_MS = 1_500;
const LIFETIME = 120;

interface Harness {
  server: LocalServer;
  sandbox: Sandbox;
  db: DynaliteHarness;
  metrics: InMemoryMetrics;
  clock: ReturnType<typeof shiftableClock>;
  dynamoCalls: { readonly count: number };
}

async function startHarness(): Promise<Harness> {
  const db = await startDynalite();
  const client = db.createClient();
  const dynamoCalls = countDynamoCalls(client);
  const clock = shiftableClock();
  const metrics = new InMemoryMetrics();
  const server = await startLocalServer({
    env: {
      PORT: '0',
      BROKER_DEADLINE_MS: String(DEADLINE_MS),
      SANDBOX_TOKEN_LIFETIME_SECONDS: String(LIFETIME),
      TOKEN_CACHE_TABLE: db.tableName,
    },
    logger: new RecordingLogger(),
    metrics,
    clock,
    dynamoDbClient: client,
  });
  if (!server.sandbox) throw new Error('expected sandbox mode');
  return { server, sandbox: server.sandbox, db, metrics, clock, dynamoCalls };
}

async function stopHarness(h: Harness | undefined) {
  await h?.server.close();
  await h?.db.close();
}

describe('Maskinporten failing', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => stopHarness(h));
  beforeEach(() => {
    h.sandbox.maskinporten.faults.clear();
    h.sandbox.maskinporten.stats.reset();
    h.metrics.reset();
  });

  /** Caches a token for a new key and returns the request body and the token. */
  async function cachedToken() {
    const body = { scope: SCOPE, resource: freshResource('failures') };
    const first = await postJson(h.server.url, body);
    expect(first.status).toBe(200);
    return { body, token: first.json.access_token as string };
  }

  it.each([
    ['503', { status: 503, times: 10 }],
    ['a timeout', { hang: true, times: 10 }],
  ] as const)(
    'serves the still-valid token inside the refresh margin when Maskinporten answers %s, and says so',
    async (_what, fault) => {
      const { body, token } = await cachedToken();
      h.clock.advance((LIFETIME - 20) * 1000); // 20 s left: inside the 24 s margin, still valid
      h.sandbox.maskinporten.stats.reset();
      h.sandbox.maskinporten.faults.enqueue({ endpoint: 'token', ...fault });

      const { value: response, ms } = await timed(() => postJson(h.server.url, body));

      expect(response.status).toBe(200);
      expect(response.headers['broker-token-source']).toBe('stale');
      expect(response.json.access_token).toBe(token);
      expect(response.json.expires_in).toBeGreaterThan(15);
      expect(response.json.expires_in).toBeLessThanOrEqual(20);
      expect(h.metrics.get('StaleServed')).toBe(1);
      expect(h.metrics.get('MaskinportenErrors')).toBeGreaterThanOrEqual(1);
      expect(h.sandbox.maskinporten.stats.tokenRequests).toBeGreaterThanOrEqual(1);
      expect(ms).toBeLessThan(DEADLINE_MS + 500);

      // Once Maskinporten answers again, the next request refreshes.
      h.sandbox.maskinporten.faults.clear();
      const recovered = await postJson(h.server.url, body);
      expect(recovered.headers['broker-token-source']).toBe('maskinporten');
      expect(recovered.json.access_token).not.toBe(token);
      expect(recovered.json.expires_in).toBeGreaterThanOrEqual(LIFETIME - 1);
    },
  );

  it.each([
    ['expired', 502, LIFETIME * 1000 + 1, { status: 503, times: 10 }],
    ['expired', 504, LIFETIME * 1000 + 1, { hang: true, times: 10 }],
    ['under a second from expiry', 502, LIFETIME * 1000 - 500, { status: 503, times: 10 }],
  ] as const)(
    'never serves a token that is %s: Maskinporten failing gives %i',
    async (_what, status, advanceMs, fault) => {
      const { body, token } = await cachedToken();
      h.clock.advance(advanceMs);
      h.sandbox.maskinporten.faults.enqueue({ endpoint: 'token', ...fault });

      const { value: response, ms } = await timed(() => postJson(h.server.url, body));

      expect(response.status).toBe(status);
      expect(response.json.error).toBe('temporarily_unavailable');
      expect(response.json.access_token).toBeUndefined();
      expect(JSON.stringify(response.json)).not.toContain(token);
      expect(h.metrics.get('StaleServed')).toBe(0);
      expect(ms).toBeLessThan(DEADLINE_MS + 500);
    },
  );
});

describe('DynamoDB failing', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => stopHarness(h));

  it('keeps issuing tokens, counts the errors, stops calling the table, and recovers', async () => {
    const shared = h.server.runtime.shared;
    if (!shared) throw new Error('expected the shared cache');
    const warm = { scope: SCOPE, resource: freshResource('ddb-warm') };
    expect((await postJson(h.server.url, warm)).headers['broker-token-source']).toBe(
      'maskinporten',
    );
    expect(h.dynamoCalls.count).toBeGreaterThan(0);

    await h.db.stop();
    const callsAtStop = h.dynamoCalls.count;

    // A memory hit does not need the table at all.
    const hit = await postJson(h.server.url, warm);
    expect(hit.status).toBe(200);
    expect(hit.headers['broker-token-source']).toBe('memory');

    // Cold keys: fetched directly; the first one's failures open the circuit.
    const bodies = Array.from({ length: 6 }, () => ({
      scope: SCOPE,
      resource: freshResource('ddb-down'),
    }));
    const outage = [];
    for (const body of bodies) outage.push(await timed(() => postJson(h.server.url, body)));
    for (const { value, ms } of outage) {
      expect(value.status).toBe(200);
      expect(value.headers['broker-token-source']).toBe('maskinporten');
      expect(ms).toBeLessThan(DEADLINE_MS + 500);
    }
    expect(h.metrics.get('CacheErrors')).toBe(3);
    expect(shared.state()).toBe('open');
    // Three failed calls (read, lease, write) opened it; nothing reached the table after that.
    expect(h.dynamoCalls.count - callsAtStop).toBe(3);
    // Repeats of those keys are memory hits.
    for (const body of bodies) {
      const repeat = await postJson(h.server.url, body);
      expect(repeat.headers['broker-token-source']).toBe('memory');
    }
    expect(h.dynamoCalls.count - callsAtStop).toBe(3);
    const callsWhileDown = h.dynamoCalls.count - callsAtStop;

    await h.db.restart();
    h.clock.advance(30_001); // the guard's default open period
    expect(shared.state()).toBe('half-open');

    const after = { scope: SCOPE, resource: freshResource('ddb-back') };
    const recovered = await postJson(h.server.url, after);
    expect(recovered.status).toBe(200);
    expect(shared.state()).toBe('closed');
    expect(h.metrics.get('CacheErrors')).toBe(3);
    // The token went into the table again.
    const key = tokenCacheKey(h.server.runtime.broker.identity, tokenRequest(after));
    const item = await h.db.client.send(
      new GetItemCommand({
        TableName: h.db.tableName,
        Key: { pk: { S: key } },
        ConsistentRead: true,
      }),
    );
    // Sealed: the item holds the token, but not readably.
    expect(item.Item?.['accessToken']?.S).toMatch(/^mpb1:[A-Za-z0-9_-]+$/);
    expect(item.Item?.['expiresAt']?.N).toBeDefined();
    expect(JSON.stringify(item.Item)).not.toContain(recovered.json.access_token);
    console.info(
      `[failures] DynamoDB down: ${outage.length} cold keys + ${bodies.length + 1} memory hits issued, ` +
        `slowest ${Math.round(Math.max(...outage.map((o) => o.ms)))} ms; ${callsWhileDown} table calls ` +
        `while down, CacheErrors ${h.metrics.get('CacheErrors')}; circuit open → half-open → closed`,
    );
  });
});
