import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BenchSandbox, startBenchSandbox } from '../../../bench/fixtures.js';
import { runRefreshAhead } from '../../../bench/refresh-ahead.js';
import { DynamoDbTokenCache } from '../../../shared/adapters/dynamodb/dynamodb-token-cache.js';
import { type DynaliteHarness, startDynalite } from '../../support/dynalite.js';
import { manualClock } from '../../support/sandbox-grants.js';

// Issue 13 §1, measured over the real pieces: 3 broker instances (the production composition
// root, each with its own memory cache and DynamoDB client) sharing one dynalite table, against
// the sandbox Maskinporten with 30 s tokens; one key asked every 100 ms of a virtual clock for
// five lifetimes. Counts, not times (the scenario waits for each background refresh to land).
// `npm run bench` runs the same scenario (bench/refresh-ahead.ts).

describe('refresh ahead over dynalite and the sandbox', () => {
  const clock = manualClock();
  let sandbox: BenchSandbox;
  let db: DynaliteHarness;

  beforeAll(async () => {
    [sandbox, db] = await Promise.all([
      startBenchSandbox({ clock, tokenLifetimeSeconds: 30 }),
      startDynalite(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([sandbox?.close(), db?.close()]);
  });

  it('after the first request no caller is answered from Maskinporten, one call per renewal', async () => {
    const outcome = await runRefreshAhead({
      sandbox,
      clock,
      sharedCache: () =>
        new DynamoDbTokenCache({ client: db.createClient(), tableName: db.tableName }),
      instances: 3,
      lifetime: 30,
      lifetimes: 5,
    });

    expect(outcome.requests).toBe(1_500);
    expect(outcome.sources.maskinporten).toBe(1);
    expect(outcome.waits).toBe(0);
    expect(outcome.sources.stale).toBe(0);
    expect(outcome.belowMargin).toBe(0);
    // A 30 s token is renewed once per 15 s (30 − its 15 s window): 10 renewals at most in 150 s.
    expect(outcome.maskinportenCalls).toBeLessThanOrEqual(outcome.maxRenewals);
    expect(outcome.maskinportenCalls).toBeGreaterThanOrEqual(5);
  }, 60_000);
});
