import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbTokenCache } from '../../../shared/adapters/dynamodb/dynamodb-token-cache.js';
import type { CachedToken } from '../../../shared/domain/cache-policy.js';
import { type DynaliteHarness, startDynalite } from '../../support/dynalite.js';

// The thundering-herd race from aws-notes.md §4: with only "lease free or expired" in the lease
// condition, a caller whose GetItem predated the winner's put took the lease after the winner had
// released it, and fetched a second time. The condition must also require "no fresh token".

const MARGIN_MS = 60_000;
const CALLERS = 40;

const token = (expiresAt: number): CachedToken => ({
  accessToken: `at-${randomUUID()}`,
  tokenType: 'Bearer',
  scope: 'scope:a',
  expiresAt,
  lifetime: 120,
});

/** One broker instance asking for the token: read, else lease and fetch, else wait and re-read. */
async function caller(cache: DynamoDbTokenCache, key: string, owner: string, fetches: string[]) {
  for (let attempt = 0; attempt < 200; attempt++) {
    const now = Date.now();
    const cached = await cache.get(key, { consistent: attempt > 0 });
    if (cached && cached.expiresAt - now >= MARGIN_MS) return cached.accessToken;
    const won = await cache.tryAcquireLease(key, {
      owner,
      now,
      leaseUntil: now + 10_000,
      freshAfter: now + MARGIN_MS,
    });
    if (won) {
      fetches.push(owner); // the simulated Maskinporten call, as fast as possible to widen the race
      const fetched = token(Date.now() + 120_000);
      await cache.put(key, fetched, { owner: owner });
      return fetched.accessToken;
    }
    await sleep(2 + Math.random() * 8);
  }
  throw new Error(`caller ${owner} gave up`);
}

describe('lease race (dynalite, one client per simulated instance)', () => {
  let db: DynaliteHarness;

  beforeAll(async () => {
    db = await startDynalite();
  });
  afterAll(() => db.close());

  it.each([1, 2, 3, 4, 5])(
    `run %i: ${CALLERS} concurrent cold callers cause exactly one fetch and share its token`,
    async () => {
      const key = randomUUID();
      const fetches: string[] = [];
      const caches = Array.from(
        { length: CALLERS },
        () => new DynamoDbTokenCache({ client: db.createClient(), tableName: db.tableName }),
      );
      const tokens = await Promise.all(
        caches.map((cache, i) => caller(cache, key, `instance-${i}`, fetches)),
      );
      expect(fetches).toHaveLength(1);
      expect(new Set(tokens).size).toBe(1);
    },
  );

  it('a caller whose read predates the winner’s put cannot take the released lease', async () => {
    const key = randomUUID();
    const now = Date.now();
    const a = new DynamoDbTokenCache({ client: db.createClient(), tableName: db.tableName });
    const b = new DynamoDbTokenCache({ client: db.createClient(), tableName: db.tableName });
    const lease = (owner: string, freshAfter: number) => ({
      owner,
      now,
      leaseUntil: now + 10_000,
      freshAfter,
    });

    // Both read a cold key.
    expect(await a.get(key)).toBeUndefined();
    expect(await b.get(key)).toBeUndefined();
    // A wins, fetches, stores and releases.
    expect(await a.tryAcquireLease(key, lease('a', now + MARGIN_MS))).toBe(true);
    const stored = token(now + 120_000);
    await a.put(key, stored, { owner: 'a' });
    const item = await db.client.send(
      new GetItemCommand({
        TableName: db.tableName,
        Key: { pk: { S: key } },
        ConsistentRead: true,
      }),
    );
    // The naive condition would now grant B the lease: it is free.
    expect(item.Item).not.toHaveProperty('leaseOwner');

    // B acts on its stale read: refused for any freshAfter up to the stored token's expiry.
    expect(await b.tryAcquireLease(key, lease('b', now + MARGIN_MS))).toBe(false);
    expect(await b.tryAcquireLease(key, lease('b', stored.expiresAt))).toBe(false);
    // Only a caller needing the token to outlive the stored one may refresh.
    expect(await b.tryAcquireLease(key, lease('b', stored.expiresAt + 1))).toBe(true);
  });
});
