import { randomUUID } from 'node:crypto';
import { type AttributeValue, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbTokenCache } from '../../../shared/adapters/dynamodb/dynamodb-token-cache.js';
import type { CachedToken } from '../../../shared/domain/cache-policy.js';
import { type DynaliteHarness, startDynalite } from '../../support/dynalite.js';

const NOW = 1_800_000_000_000;

const token = (expiresAt: number, accessToken = `at-${randomUUID()}`): CachedToken => ({
  accessToken,
  tokenType: 'Bearer',
  scope: 'altinn:authentication/systemuser.request.read',
  expiresAt,
  lifetime: 120,
});

const lease = (
  owner: string,
  now = NOW,
  overrides: { leaseUntil?: number; freshAfter?: number } = {},
) => ({
  owner,
  now,
  leaseUntil: overrides.leaseUntil ?? now + 10_000,
  freshAfter: overrides.freshAfter ?? now + 60_000,
});

describe('DynamoDbTokenCache (dynalite)', () => {
  let db: DynaliteHarness;
  let cache: DynamoDbTokenCache;
  const rawItem = async (key: string) =>
    (
      await db.client.send(
        new GetItemCommand({
          TableName: db.tableName,
          Key: { pk: { S: key } },
          ConsistentRead: true,
        }),
      )
    ).Item;

  beforeAll(async () => {
    db = await startDynalite();
    cache = new DynamoDbTokenCache({ client: db.client, tableName: db.tableName });
  });
  afterAll(() => db.close());

  describe('get / put', () => {
    it('round-trips a token, with and without a consistent read', async () => {
      const key = randomUUID();
      const stored = token(NOW + 120_000);
      await cache.put(key, stored);
      expect(await cache.get(key)).toEqual(stored);
      expect(await cache.get(key, { consistent: true })).toEqual(stored);
    });

    it('returns undefined for a missing key', async () => {
      expect(await cache.get(randomUUID())).toBeUndefined();
    });

    it('does not filter on expiry: an expired token is returned for the caller to judge', async () => {
      const key = randomUUID();
      const expired = token(1000);
      await cache.put(key, expired);
      expect(await cache.get(key)).toEqual(expired);
    });

    it('writes the item contract: pk, numbers as N, ttl in epoch seconds plus the grace, no lease', async () => {
      const key = randomUUID();
      const stored = token(NOW + 120_500);
      await cache.put(key, stored);
      expect(await rawItem(key)).toEqual({
        pk: { S: key },
        accessToken: { S: stored.accessToken },
        tokenType: { S: 'Bearer' },
        scope: { S: stored.scope },
        expiresAt: { N: String(NOW + 120_500) },
        lifetime: { N: '120' },
        ttl: { N: String(Math.ceil((NOW + 120_500) / 1000) + 3600) },
      });
    });

    it('honours garbageCollectionGraceSeconds', async () => {
      const shortGrace = new DynamoDbTokenCache({
        client: db.client,
        tableName: db.tableName,
        garbageCollectionGraceSeconds: 60,
      });
      const key = randomUUID();
      await shortGrace.put(key, token(NOW));
      expect((await rawItem(key))?.['ttl']).toEqual({ N: String(NOW / 1000 + 60) });
    });

    it('reads a lease-only item as undefined', async () => {
      const key = randomUUID();
      expect(await cache.tryAcquireLease(key, lease('a'))).toBe(true);
      expect(await rawItem(key)).toMatchObject({ leaseOwner: { S: 'a' } });
      expect(await cache.get(key, { consistent: true })).toBeUndefined();
    });

    const valid: Record<string, AttributeValue> = {
      accessToken: { S: 'at' },
      tokenType: { S: 'Bearer' },
      scope: { S: 's' },
      expiresAt: { N: String(NOW) },
      lifetime: { N: '120' },
    };
    it.each<[string, Record<string, AttributeValue>]>([
      ['expiresAt stored as a string', { ...valid, expiresAt: { S: String(NOW) } }],
      ['lifetime stored as NULL', { ...valid, lifetime: { NULL: true } }],
      [
        'lifetime missing',
        Object.fromEntries(Object.entries(valid).filter(([k]) => k !== 'lifetime')),
      ],
      ['tokenType stored as a number', { ...valid, tokenType: { N: '1' } }],
      ['scope missing', Object.fromEntries(Object.entries(valid).filter(([k]) => k !== 'scope'))],
      ['empty accessToken', { ...valid, accessToken: { S: '' } }],
    ])('reads a malformed item (%s) as undefined', async (_, attributes) => {
      const key = randomUUID();
      await db.client.send(
        new PutItemCommand({ TableName: db.tableName, Item: { pk: { S: key }, ...attributes } }),
      );
      expect(await cache.get(key, { consistent: true })).toBeUndefined();
    });

    it('reads the well-formed control item of the malformed cases', async () => {
      const key = randomUUID();
      await db.client.send(
        new PutItemCommand({ TableName: db.tableName, Item: { pk: { S: key }, ...valid } }),
      );
      expect(await cache.get(key, { consistent: true })).toEqual({
        accessToken: 'at',
        tokenType: 'Bearer',
        scope: 's',
        expiresAt: NOW,
        lifetime: 120,
      });
    });

    it('never replaces a token that expires later (skip-lease path)', async () => {
      const key = randomUUID();
      const later = token(NOW + 120_000);
      await cache.put(key, later);
      await cache.put(key, token(NOW + 60_000));
      expect(await cache.get(key, { consistent: true })).toEqual(later);
      const evenLater = token(NOW + 180_000);
      await cache.put(key, evenLater);
      expect(await cache.get(key, { consistent: true })).toEqual(evenLater);
    });

    it('leaves another caller’s lease alone when putting without an owner', async () => {
      const key = randomUUID();
      await cache.tryAcquireLease(key, lease('holder'));
      const fresh = token(NOW + 120_000);
      await cache.put(key, fresh);
      expect(await rawItem(key)).toMatchObject({ leaseOwner: { S: 'holder' } });
      expect(await cache.get(key, { consistent: true })).toEqual(fresh);
    });

    it('rejects non-finite numbers without echoing the token', async () => {
      const bad = { ...token(Number.NaN), accessToken: 'secret-token-value' };
      const error = await cache.put(randomUUID(), bad).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TypeError);
      expect(String((error as Error).message)).not.toContain('secret-token-value');
    });
  });

  describe('lease', () => {
    it('lets the first owner win and the second lose', async () => {
      const key = randomUUID();
      expect(await cache.tryAcquireLease(key, lease('a'))).toBe(true);
      expect(await cache.tryAcquireLease(key, lease('b'))).toBe(false);
      expect((await rawItem(key))?.['leaseOwner']).toEqual({ S: 'a' });
    });

    it('lets the same owner re-acquire (extend) its lease', async () => {
      const key = randomUUID();
      await cache.tryAcquireLease(key, lease('a'));
      expect(await cache.tryAcquireLease(key, lease('a', NOW + 1000))).toBe(true);
      expect((await rawItem(key))?.['leaseUntil']).toEqual({ N: String(NOW + 11_000) });
    });

    it('lets another owner take over an expired lease (crashed holder)', async () => {
      const key = randomUUID();
      await cache.tryAcquireLease(key, lease('a', NOW, { leaseUntil: NOW + 10_000 }));
      expect(await cache.tryAcquireLease(key, lease('b', NOW + 9_999))).toBe(false);
      expect(await cache.tryAcquireLease(key, lease('b', NOW + 10_001))).toBe(true);
      expect((await rawItem(key))?.['leaseOwner']).toEqual({ S: 'b' });
    });

    it('is blocked by a token that expires at or after freshAfter', async () => {
      const key = randomUUID();
      await cache.put(key, token(NOW + 120_000));
      expect(await cache.tryAcquireLease(key, lease('a', NOW, { freshAfter: NOW + 120_000 }))).toBe(
        false,
      );
      expect(await cache.tryAcquireLease(key, lease('a', NOW, { freshAfter: NOW + 60_000 }))).toBe(
        false,
      );
    });

    it('is granted when the stored token expires before freshAfter', async () => {
      const key = randomUUID();
      await cache.put(key, token(NOW + 30_000));
      expect(await cache.tryAcquireLease(key, lease('a', NOW, { freshAfter: NOW + 60_000 }))).toBe(
        true,
      );
      // The stale token stays readable (stale-if-error) while the holder refreshes.
      expect(await cache.get(key, { consistent: true })).toMatchObject({ expiresAt: NOW + 30_000 });
    });

    it('gives a lease-only item a ttl so an abandoned lease is garbage-collected', async () => {
      const key = randomUUID();
      await cache.tryAcquireLease(key, lease('a', NOW, { leaseUntil: NOW + 10_000 }));
      expect((await rawItem(key))?.['ttl']).toEqual({ N: String((NOW + 60_000) / 1000 + 3600) });
    });

    it('put by the owner stores the token and releases the lease', async () => {
      const key = randomUUID();
      await cache.tryAcquireLease(key, lease('a'));
      const fresh = token(NOW + 120_000);
      await cache.put(key, fresh, { owner: 'a' });
      const item = await rawItem(key);
      expect(item).not.toHaveProperty('leaseOwner');
      expect(item).not.toHaveProperty('leaseUntil');
      expect(await cache.get(key, { consistent: true })).toEqual(fresh);
    });

    it('put with an owner writes when no lease exists (the lease was skipped or degraded)', async () => {
      const key = randomUUID();
      const fresh = token(NOW + 120_000);
      await cache.put(key, fresh, { owner: 'a' });
      expect(await cache.get(key, { consistent: true })).toEqual(fresh);
    });

    it('put by a stale owner does not clobber the new owner’s lease', async () => {
      const key = randomUUID();
      await cache.tryAcquireLease(key, lease('a', NOW, { leaseUntil: NOW + 1000 }));
      expect(await cache.tryAcquireLease(key, lease('b', NOW + 2000))).toBe(true);
      await expect(cache.put(key, token(NOW + 120_000), { owner: 'a' })).resolves.toBeUndefined();
      expect(await cache.get(key, { consistent: true })).toBeUndefined();
      expect((await rawItem(key))?.['leaseOwner']).toEqual({ S: 'b' });
      const fromB = token(NOW + 122_000);
      await cache.put(key, fromB, { owner: 'b' });
      expect(await cache.get(key, { consistent: true })).toEqual(fromB);
    });

    it('an owner whose put loses to a later token still frees its lease', async () => {
      const key = randomUUID();
      await cache.tryAcquireLease(key, lease('a'));
      const later = token(NOW + 180_000);
      await cache.put(key, later); // skip-lease writer, meanwhile
      await cache.put(key, token(NOW + 120_000), { owner: 'a' });
      const item = await rawItem(key);
      expect(item).not.toHaveProperty('leaseOwner');
      expect(await cache.get(key, { consistent: true })).toEqual(later);
    });

    it('release by a non-owner is a no-op; release by the owner frees the lease', async () => {
      const key = randomUUID();
      await cache.tryAcquireLease(key, lease('a'));
      await expect(cache.releaseLease(key, 'b')).resolves.toBeUndefined();
      expect(await cache.tryAcquireLease(key, lease('b'))).toBe(false);
      await cache.releaseLease(key, 'a');
      expect(await cache.tryAcquireLease(key, lease('b'))).toBe(true);
    });

    it('release of a missing key resolves and creates no item', async () => {
      const key = randomUUID();
      await expect(cache.releaseLease(key, 'a')).resolves.toBeUndefined();
      expect(await rawItem(key)).toBeUndefined();
    });

    it('propagates errors other than a failed condition', async () => {
      const missingTable = new DynamoDbTokenCache({
        client: db.client,
        tableName: 'no-such-table',
      });
      await expect(missingTable.tryAcquireLease(randomUUID(), lease('a'))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
      await expect(missingTable.releaseLease(randomUUID(), 'a')).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
    });
  });
});
