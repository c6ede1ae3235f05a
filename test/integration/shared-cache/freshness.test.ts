import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFileGrantSigner } from '../../../shared/adapters/signing/file-grant-signer.js';
import { generateRsaKeyPemAsync } from '../../../shared/adapters/signing/signing-key-spec.js';
import { MemoryTokenCache } from '../../../shared/app/memory-token-cache.js';
import { tokenCacheKey } from '../../../shared/domain/cache-key.js';
import { BrokerError } from '../../../shared/domain/errors.js';
import type { TokenRequest } from '../../../shared/domain/token-request.js';
import { toErrorResponse } from '../../../shared/http/error-response.js';
import { Deadline } from '../../../shared/ports/deadline.js';
import type { GrantSigner } from '../../../shared/ports/grant-signer.js';
import { DEMO, seedDemo } from '../../../shared/sandbox/demo.js';
import { type SandboxServer, startSandboxServer } from '../../../shared/sandbox/sandbox.js';
import { type DynaliteHarness, startDynalite } from '../../support/dynalite.js';
import { type ManualClock, manualClock } from '../../support/sandbox-grants.js';
import {
  createTestBroker,
  sealedTable,
  type TestBroker,
  type TestBrokerOptions,
} from '../../support/test-broker.js';
import { freshResource, tokenRequest } from './support.js';

/** The edge's deadline for each call (the default `BROKER_DEADLINE_MS`). */
const inTime = () => Deadline.after(6_000);

// Freshness rules of the tiered cache, on a clock the test moves: the sandbox Maskinporten, the
// brokers and the DynamoDB items all live on the same manual clock.

const LIFETIME = 120;

describe('token freshness (manual clock, sandbox Maskinporten, dynalite)', () => {
  let clock: ManualClock;
  let sandbox: SandboxServer;
  let db: DynaliteHarness;
  let signer: GrantSigner;

  beforeAll(async () => {
    clock = manualClock();
    let pem: string;
    [sandbox, db, pem] = await Promise.all([
      startSandboxServer({ clock, tokenLifetimeSeconds: LIFETIME }),
      startDynalite(),
      generateRsaKeyPemAsync(),
    ]);
    signer = await createFileGrantSigner({ key: pem });
    seedDemo(sandbox, { publicJwk: await signer.publicJwk() });
  });

  afterAll(async () => {
    await Promise.all([sandbox?.close(), db?.close()]);
  });

  beforeEach(() => {
    sandbox.maskinporten.setTokenLifetime(LIFETIME);
    sandbox.maskinporten.faults.clear();
    sandbox.maskinporten.stats.reset();
  });

  /** A broker instance on the shared table, with its own memory cache unless given one. */
  const broker = (overrides: Partial<TestBrokerOptions> = {}): TestBroker =>
    createTestBroker({
      issuer: sandbox.issuer,
      clientId: DEMO.clientId,
      signer,
      clock,
      dynamo: { client: db.client, tableName: db.tableName },
      ...overrides,
    });

  const calls = () => sandbox.maskinporten.stats.tokenRequests;

  /** The token the table holds under `key`, opened as a broker opens it (the item is sealed). */
  async function storedToken(key: string) {
    const out = await db.client.send(
      new GetItemCommand({
        TableName: db.tableName,
        Key: { pk: { S: key } },
        ConsistentRead: true,
      }),
    );
    const opened = await sealedTable({ client: db.client, tableName: db.tableName }).get(
      key,
      { consistent: true },
      inTime(),
    );
    // Never the token itself in the table.
    expect(out.Item?.['accessToken']?.S).not.toBe(opened?.accessToken);
    return opened?.accessToken;
  }

  async function rejection(promise: Promise<unknown>): Promise<BrokerError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BrokerError);
    return error as BrokerError;
  }

  describe('refresh margin = min(lifetime / 2, clamp(lifetime / 5, 10, 60))', () => {
    it.each([
      [120, 24],
      [30, 10],
      [10, 5],
    ])('a %i s token is served until %i s are left, then refreshed', async (lifetime, margin) => {
      sandbox.maskinporten.setTokenLifetime(lifetime);
      // Refreshes ahead are only recorded here: this is about the hard margin.
      const refreshes: unknown[] = [];
      const refreshScheduler = { schedule: async (r: unknown) => void refreshes.push(r) };
      const a = broker({ refreshScheduler });
      const b = broker({ refreshScheduler });
      const request = tokenRequest({ resource: freshResource('margin') });

      const first = await a.service.getToken(request, inTime());
      expect(first).toMatchObject({ source: 'maskinporten', expiresIn: lifetime });

      clock.advance((lifetime - margin) * 1000);
      // Exactly the margin left: still served, from memory and from the shared table.
      expect(await a.service.getToken(request, inTime())).toMatchObject({
        source: 'memory',
        expiresIn: margin,
      });
      const fromShared = await b.service.getToken(request, inTime());
      expect(fromShared).toMatchObject({ source: 'shared', expiresIn: margin });
      expect(fromShared.token.accessToken).toBe(first.token.accessToken);
      expect(calls()).toBe(1);

      clock.advance(1);
      // One millisecond inside the margin: neither tier serves it, one new fetch replaces it.
      const refreshed = await a.service.getToken(request, inTime());
      expect(refreshed).toMatchObject({ source: 'maskinporten', expiresIn: lifetime });
      expect(refreshed.token.accessToken).not.toBe(first.token.accessToken);
      const bAfter = await b.service.getToken(request, inTime());
      expect(bAfter.source).toBe('shared');
      expect(bAfter.token.accessToken).toBe(refreshed.token.accessToken);
      expect(calls()).toBe(2);
    });
  });

  it('respects minTtl: a cached token with less left is not served, a new one is fetched', async () => {
    const a = broker();
    const b = broker();
    const body = { resource: freshResource('min-ttl') };
    const first = await a.service.getToken(tokenRequest(body), inTime());
    clock.advance(20_000); // 100 s left

    const covered = await a.service.getToken(tokenRequest({ ...body, minTtl: 100 }), inTime());
    expect(covered).toMatchObject({ source: 'memory', expiresIn: 100 });
    expect(covered.token.accessToken).toBe(first.token.accessToken);
    expect(calls()).toBe(1);

    const longer = await a.service.getToken(tokenRequest({ ...body, minTtl: 101 }), inTime());
    expect(longer).toMatchObject({ source: 'maskinporten', expiresIn: LIFETIME });
    expect(longer.token.accessToken).not.toBe(first.token.accessToken);
    expect(calls()).toBe(2);

    // The new token replaced the old one in both tiers.
    expect((await a.service.getToken(tokenRequest(body), inTime())).token.accessToken).toBe(
      longer.token.accessToken,
    );
    const shared = await b.service.getToken(tokenRequest({ ...body, minTtl: 101 }), inTime());
    expect(shared.source).toBe('shared');
    expect(shared.token.accessToken).toBe(longer.token.accessToken);
    expect(calls()).toBe(2);
  });

  it('refuses a minTtl longer than the token lifetime with 400, without calling Maskinporten again', async () => {
    const a = broker();
    const b = broker();
    const request = tokenRequest({
      resource: freshResource('min-ttl-too-long'),
      minTtl: LIFETIME + 1,
    });

    // The lifetime is only known after the first fetch: one call is unavoidable, then none.
    const error = await rejection(a.service.getToken(request, inTime()));
    expect(error.kind).toBe('invalid_request');
    expect(error.message).toContain('minTtl');
    expect(toErrorResponse(error).status).toBe(400);
    expect(calls()).toBe(1);

    clock.advance(5_000);
    for (const instance of [a, b, a, b]) {
      const again = await rejection(instance.service.getToken(request, inTime()));
      expect(toErrorResponse(again).status).toBe(400);
      expect(again.message).toContain('minTtl');
    }
    expect(calls()).toBe(1);
  });

  it('recomputes expires_in as the remaining life, in every tier', async () => {
    const a = broker();
    const b = broker();
    const request = tokenRequest({ resource: freshResource('expires-in') });
    expect((await a.service.getToken(request, inTime())).expiresIn).toBe(LIFETIME);

    clock.advance(37_500);

    expect(await a.service.getToken(request, inTime())).toMatchObject({
      source: 'memory',
      expiresIn: 82,
    });
    expect(await b.service.getToken(request, inTime())).toMatchObject({
      source: 'shared',
      expiresIn: 82,
    });
    clock.advance(10_000);
    expect(await b.service.getToken(request, inTime())).toMatchObject({
      source: 'memory',
      expiresIn: 72,
    });
  });

  describe('skipCache', () => {
    it('fetches a new token and replaces the cached one in memory and in DynamoDB', async () => {
      const a = broker();
      const b = broker();
      const body = { resource: freshResource('skip-cache') };
      const request = tokenRequest(body);
      const key = tokenCacheKey(a.service.identity, request);
      const first = await a.service.getToken(request, inTime());
      clock.advance(1_000);

      const refreshed = await a.service.getToken(
        tokenRequest({ ...body, skipCache: true }),
        inTime(),
      );

      expect(refreshed.source).toBe('maskinporten');
      expect(refreshed.token.accessToken).not.toBe(first.token.accessToken);
      expect(calls()).toBe(2);
      expect(await storedToken(key)).toBe(refreshed.token.accessToken);
      expect(await a.service.getToken(request, inTime())).toMatchObject({
        source: 'memory',
        token: { accessToken: refreshed.token.accessToken },
      });
      expect(await b.service.getToken(request, inTime())).toMatchObject({
        source: 'shared',
        token: { accessToken: refreshed.token.accessToken },
      });
      expect(calls()).toBe(2);
    });

    it('replaces the cached token even when the new one expires sooner', async () => {
      const a = broker();
      const b = broker();
      const body = { resource: freshResource('skip-cache-shorter') };
      const request = tokenRequest(body);
      const key = tokenCacheKey(a.service.identity, request);
      const first = await a.service.getToken(request, inTime());
      clock.advance(1_000);
      // Maskinporten now issues shorter-lived tokens (a changed client setting).
      sandbox.maskinporten.setTokenLifetime(100);

      const refreshed = await a.service.getToken(
        tokenRequest({ ...body, skipCache: true }),
        inTime(),
      );

      expect(refreshed.token.accessToken).not.toBe(first.token.accessToken);
      expect(refreshed.expiresIn).toBe(100);
      expect((await a.service.getToken(request, inTime())).token.accessToken).toBe(
        refreshed.token.accessToken,
      );
      expect(await storedToken(key)).toBe(refreshed.token.accessToken);
      expect((await b.service.getToken(request, inTime())).token.accessToken).toBe(
        refreshed.token.accessToken,
      );
      expect(calls()).toBe(2);
    });
  });

  describe('every read checks expiresAt, whatever DynamoDB still holds', () => {
    /**
     * Writes a token item as another broker instance would have (sealed), where a lazily-deleted
     * or stale item would sit: its TTL is an hour past its expiry, so DynamoDB has not collected it.
     */
    async function plantItem(request: TokenRequest, accessToken: string, expiresAt: number) {
      const key = tokenCacheKey(broker().service.identity, request);
      const token = { accessToken, tokenType: 'Bearer', scope: DEMO.scopes[0], expiresAt };
      await sealedTable({ client: db.client, tableName: db.tableName }).put(
        key,
        { ...token, lifetime: LIFETIME },
        { replace: true },
        inTime(),
      );
      return key;
    }

    it('never serves an expired item, and replaces it', async () => {
      const request = tokenRequest({ resource: freshResource('expired-item') });
      const key = await plantItem(request, 'planted-expired-token', clock() - 1);

      const result = await broker().service.getToken(request, inTime());

      expect(result.source).toBe('maskinporten');
      expect(result.token.accessToken).not.toBe('planted-expired-token');
      expect(calls()).toBe(1);
      expect(await storedToken(key)).toBe(result.token.accessToken);
    });

    it('does not serve an unexpired item inside the refresh margin', async () => {
      const request = tokenRequest({ resource: freshResource('margin-item') });
      await plantItem(request, 'planted-near-expiry', clock() + 23_000);

      const result = await broker().service.getToken(request, inTime());

      expect(result.source).toBe('maskinporten');
      expect(result.token.accessToken).not.toBe('planted-near-expiry');
    });

    it('serves an item that is still fresh (the items above are read, not missed)', async () => {
      const request = tokenRequest({ resource: freshResource('fresh-item') });
      await plantItem(request, 'planted-fresh', clock() + 90_000);

      const result = await broker().service.getToken(request, inTime());

      expect(result).toMatchObject({
        source: 'shared',
        expiresIn: 90,
        token: { accessToken: 'planted-fresh' },
      });
      expect(calls()).toBe(0);
    });
  });

  it('never serves a token minted under another client id or another key (rotation)', async () => {
    const [rotated, otherSigner] = await Promise.all(
      [generateRsaKeyPemAsync(), generateRsaKeyPemAsync()].map(async (pem) =>
        createFileGrantSigner({ key: await pem }),
      ),
    );
    if (!rotated || !otherSigner) throw new Error('no signers');
    sandbox.maskinporten.addClientKey(DEMO.clientId, await rotated.publicJwk());
    const otherClient = 'b1e4a7c2-9d3f-4e6a-8b5c-0f1e2d3c4b5a';
    sandbox.maskinporten.registerClient({
      clientId: otherClient,
      orgnr: DEMO.vendor.orgNo,
      scopes: [...DEMO.scopes],
      keys: [await otherSigner.publicJwk()],
    });
    // One memory cache and one table for all three: only the key keeps them apart.
    const memory = new MemoryTokenCache();
    const original = broker({ memory });
    const afterRotation = broker({ memory, signer: rotated });
    const otherIdentity = broker({ memory, clientId: otherClient, signer: otherSigner });
    const request = tokenRequest({ resource: freshResource('identity') });

    const t1 = await original.service.getToken(request, inTime());
    clock.advance(1_000);
    const t2 = await afterRotation.service.getToken(request, inTime());
    clock.advance(1_000);
    const t3 = await otherIdentity.service.getToken(request, inTime());

    expect(rotated.kid).not.toBe(signer.kid);
    expect([t1.source, t2.source, t3.source]).toEqual([
      'maskinporten',
      'maskinporten',
      'maskinporten',
    ]);
    expect(new Set([t1, t2, t3].map((t) => t.token.accessToken)).size).toBe(3);
    expect(decodeJwt(t3.token.accessToken)['client_id']).toBe(otherClient);
    expect(calls()).toBe(3);
    // Each identity keeps getting its own token back.
    expect((await original.service.getToken(request, inTime())).token.accessToken).toBe(
      t1.token.accessToken,
    );
    expect((await afterRotation.service.getToken(request, inTime())).token.accessToken).toBe(
      t2.token.accessToken,
    );
    expect((await otherIdentity.service.getToken(request, inTime())).token.accessToken).toBe(
      t3.token.accessToken,
    );
    expect(calls()).toBe(3);

    // Only the client id differs (same key): still a different cache entry. Maskinporten does not
    // know this client, so the answer is its refusal, never the token cached for the other one.
    const unknownClient = broker({ memory, clientId: 'c0ffee00-0000-4000-8000-000000000000' });
    const refused = await rejection(unknownClient.service.getToken(request, inTime()));
    expect(refused.kind).not.toBe('invalid_request');
    expect(calls()).toBe(4);
  });
});
