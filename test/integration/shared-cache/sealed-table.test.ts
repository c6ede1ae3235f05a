import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AttributeValue,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { DecryptCommand, GenerateDataKeyCommand } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../../../functions/local/server.js';
import { DynamoDbTokenCache } from '../../../shared/adapters/dynamodb/dynamodb-token-cache.js';
import { InMemoryMetrics } from '../../../shared/adapters/metrics/in-memory-metrics.js';
import { parseEnvelope, SEALED_PREFIX } from '../../../shared/adapters/sealing/aes-gcm-envelope.js';
import { KmsTokenSealer } from '../../../shared/adapters/sealing/kms-token-sealer.js';
import { createFileGrantSigner } from '../../../shared/adapters/signing/file-grant-signer.js';
import { generateRsaKeyPemAsync } from '../../../shared/adapters/signing/signing-key-spec.js';
import { MemoryTokenCache } from '../../../shared/app/memory-token-cache.js';
import { SealedSharedCache } from '../../../shared/app/sealed-shared-cache.js';
import { tokenCacheKey } from '../../../shared/domain/cache-key.js';
import { Deadline } from '../../../shared/ports/deadline.js';
import type { GrantSigner } from '../../../shared/ports/grant-signer.js';
import { DEMO, seedDemo } from '../../../shared/sandbox/demo.js';
import { type SandboxServer, startSandboxServer } from '../../../shared/sandbox/sandbox.js';
import { type DynaliteHarness, startDynalite } from '../../support/dynalite.js';
import {
  installSealKey,
  kmsError,
  mockKmsWithRealKey,
  TEST_SEAL_KEY_ARN,
} from '../../support/kms-mock.js';
import { RecordingLogger } from '../../support/recording-logger.js';
import { createTestBroker, type TestBroker } from '../../support/test-broker.js';
import { callApi, freshResource, postJson, SCOPE, tokenRequest } from './support.js';

// Tokens at rest (README "Caching and concurrency", sealed tokens): several brokers share one
// dynalite table; every value in it is read back raw and must not be a readable token, and items
// moved to another key, planted or altered are refused (a miss, counted in CacheSealFailures).

const JWT_SHAPED = /eyJ[\w-]+\.[\w-]+\.[\w-]+/;

/** Every attribute value of every item in the table, as text (strings, numbers, binaries). */
async function everyValue(db: DynaliteHarness, tableName: string): Promise<string[]> {
  const values: string[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await db.client.send(
      new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    for (const item of page.Items ?? []) {
      for (const value of Object.values(item)) {
        if (value.S !== undefined) values.push(value.S);
        if (value.N !== undefined) values.push(value.N);
        if (value.B !== undefined) values.push(Buffer.from(value.B).toString('latin1'));
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return values;
}

/** No value is JWT-shaped or contains any of the tokens (or the signature part of one). */
function expectNoReadableToken(values: string[], tokens: string[]): void {
  expect(tokens.length).toBeGreaterThan(0);
  for (const token of tokens) expect(token).toMatch(JWT_SHAPED); // the scan below is not vacuous
  for (const value of values) {
    expect(value).not.toMatch(JWT_SHAPED);
    for (const token of tokens) {
      expect(value).not.toContain(token);
      expect(value).not.toContain(token.split('.')[2]);
    }
  }
}

async function item(db: DynaliteHarness, tableName: string, key: string) {
  const out = await db.client.send(
    new GetItemCommand({ TableName: tableName, Key: { pk: { S: key } }, ConsistentRead: true }),
  );
  return out.Item;
}

describe('local servers on one table (seal key derived from the signing key they share)', () => {
  let db: DynaliteHarness;
  let sandbox: SandboxServer;
  let keyDir: string;
  const servers: { server: LocalServer; metrics: InMemoryMetrics; logger: RecordingLogger }[] = [];
  const tokens: string[] = [];
  const tableName = 'sealed-local';

  beforeAll(async () => {
    let pem: string;
    [db, sandbox, pem, keyDir] = await Promise.all([
      startDynalite(),
      startSandboxServer({ tokenLifetimeSeconds: 120 }),
      generateRsaKeyPemAsync(),
      mkdtemp(join(tmpdir(), 'broker-key-')),
    ]);
    const keyPath = join(keyDir, 'client-key.pem');
    await writeFile(keyPath, pem, { mode: 0o600 });
    seedDemo(sandbox, { publicJwk: await (await createFileGrantSigner({ key: pem })).publicJwk() });
    for (let i = 0; i < 3; i++) {
      const metrics = new InMemoryMetrics();
      const logger = new RecordingLogger();
      // No new setting: the same env as an unsealed shared cache would need.
      const server = await startLocalServer({
        env: {
          PORT: '0',
          MASKINPORTEN_ISSUER: sandbox.issuer,
          MASKINPORTEN_CLIENT_ID: DEMO.clientId,
          SIGNING_KEY: `file:${keyPath}`,
          BROKER_DEADLINE_MS: '3000',
          TOKEN_CACHE_TABLE: tableName,
        },
        logger,
        metrics,
        dynamoDbClient: db.createClient(),
      });
      servers.push({ server, metrics, logger });
    }
  });

  afterAll(async () => {
    for (const { server } of servers) await server.close();
    await Promise.all([
      db?.close(),
      sandbox?.close(),
      keyDir && rm(keyDir, { recursive: true, force: true }),
    ]);
  });

  const at = (i: number) => servers[i] as (typeof servers)[number];
  const keyOf = (body: Record<string, unknown>) =>
    tokenCacheKey(at(0).server.runtime.broker.identity, tokenRequest(body));
  const sealFailures = () => servers.reduce((n, s) => n + s.metrics.get('CacheSealFailures'), 0);

  it('share tokens through the table, which holds no readable token in any attribute', async () => {
    for (let i = 0; i < 6; i++) {
      const body = { scope: SCOPE, resource: freshResource('sealed') };
      const first = await postJson(at(i % 3).server.url, body);
      const second = await postJson(at((i + 1) % 3).server.url, body);
      expect(first.headers['broker-token-source']).toBe('maskinporten');
      expect(second.headers['broker-token-source']).toBe('shared');
      expect(second.json.access_token).toBe(first.json.access_token);
      tokens.push(first.json.access_token);
    }

    const values = await everyValue(db, tableName);
    expect(values.filter((v) => v.startsWith(SEALED_PREFIX))).toHaveLength(6);
    expectNoReadableToken(values, tokens);
    expect(sealFailures()).toBe(0);
  });

  it('refuses an item moved to another key (org A’s token under org B’s key), and counts it', async () => {
    const a = { scope: SCOPE, resource: freshResource('moved-from') };
    const b = { scope: SCOPE, resource: freshResource('moved-to') };
    const fromA = await postJson(at(0).server.url, a);
    const original = await item(db, tableName, keyOf(a));
    await db.client.send(
      new PutItemCommand({ TableName: tableName, Item: { ...original, pk: { S: keyOf(b) } } }),
    );

    const forB = await postJson(at(1).server.url, b);

    expect(forB.status).toBe(200);
    expect(forB.headers['broker-token-source']).toBe('maskinporten');
    expect(forB.json.access_token).not.toBe(fromA.json.access_token);
    expect(at(1).metrics.get('CacheSealFailures')).toBe(1);
    const refusal = at(1).logger.entries.find((e) => e.message.startsWith('cached token refused'));
    expect(refusal).toMatchObject({ level: 'error', fields: { cacheKey: keyOf(b) } });
    expect(at(1).logger.text()).not.toContain(fromA.json.access_token);
    expect(at(1).logger.text()).not.toContain(original?.['accessToken']?.S);
    at(1).metrics.reset();
  });

  it('refuses a planted readable token that claims to live for years, and replaces it', async () => {
    const victim = { scope: SCOPE, resource: freshResource('planted') };
    const stolen = tokens[0] as string;
    const farFuture = Date.now() + 10 * 365 * 86_400_000;
    await db.client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          pk: { S: keyOf(victim) },
          accessToken: { S: stolen },
          tokenType: { S: 'Bearer' },
          scope: { S: SCOPE },
          expiresAt: { N: String(farFuture) },
          lifetime: { N: '120' },
          ttl: { N: String(Math.ceil(farFuture / 1000)) },
        },
      }),
    );

    const served = await postJson(at(2).server.url, victim);

    expect(served.headers['broker-token-source']).toBe('maskinporten');
    expect(served.json.access_token).not.toBe(stolen);
    expect(at(2).metrics.get('CacheSealFailures')).toBe(1);
    expect(at(2).logger.text()).not.toContain(stolen);
    // Replaced despite its later expiry: the next instance gets the real token from the table.
    const next = await postJson(at(0).server.url, victim);
    expect(next.headers['broker-token-source']).toBe('shared');
    expect(next.json.access_token).toBe(served.json.access_token);
    expect((await item(db, tableName, keyOf(victim)))?.['accessToken']?.S).toMatch(/^mpb1:/);
    at(2).metrics.reset();
  });

  it('refuses an item whose ciphertext was altered', async () => {
    const body = { scope: SCOPE, resource: freshResource('tampered') };
    await postJson(at(0).server.url, body);
    const original = await item(db, tableName, keyOf(body));
    const sealed = original?.['accessToken']?.S as string;
    const raw = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64url');
    raw[raw.byteLength - 40] = (raw[raw.byteLength - 40] as number) ^ 0x20;
    await db.client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { ...original, accessToken: { S: SEALED_PREFIX + raw.toString('base64url') } },
      }),
    );

    const served = await postJson(at(1).server.url, body);

    expect(served.headers['broker-token-source']).toBe('maskinporten');
    expect(at(1).metrics.get('CacheSealFailures')).toBe(1);
  });

  it('seals with KMS data keys instead when TOKEN_CACHE_KMS_KEY is set', async () => {
    const kms = mockKmsWithRealKey();
    installSealKey(kms.kmsMock, { table: 'sealed-local-kms' });
    const metrics = new InMemoryMetrics();
    const server = await startLocalServer({
      env: {
        PORT: '0',
        MASKINPORTEN_ISSUER: sandbox.issuer,
        MASKINPORTEN_CLIENT_ID: DEMO.clientId,
        SIGNING_KEY: `file:${join(keyDir, 'client-key.pem')}`,
        TOKEN_CACHE_TABLE: 'sealed-local-kms',
        TOKEN_CACHE_KMS_KEY: TEST_SEAL_KEY_ARN,
      },
      logger: new RecordingLogger(),
      metrics,
      dynamoDbClient: db.createClient(),
      kmsClient: kms.client,
    });
    try {
      const body = { scope: SCOPE, resource: freshResource('local-kms') };
      const answer = await postJson(server.url, body);
      expect(answer.status).toBe(200);
      const stored = await item(db, 'sealed-local-kms', keyOf(body));
      const sealed = stored?.['accessToken']?.S as string;
      expect(parseEnvelope(sealed).kind).toBe('kms-data-key');
      expect(kms.kmsMock.commandCalls(GenerateDataKeyCommand)).toHaveLength(1);
      expectNoReadableToken(await everyValue(db, 'sealed-local-kms'), [answer.json.access_token]);
    } finally {
      await server.close();
    }
  });

  it('still holds no readable token after all of that', async () => {
    const values = await everyValue(db, tableName);
    // The planted item was replaced; nothing readable is left.
    expectNoReadableToken(values, tokens);
  });
});

describe('Lambda-like instances on one table (KMS data keys, a KMS-faithful mock)', () => {
  let db: DynaliteHarness;
  let sandbox: SandboxServer;
  let signer: GrantSigner;

  beforeAll(async () => {
    let pem: string;
    [db, sandbox, pem] = await Promise.all([
      startDynalite(),
      startSandboxServer({ tokenLifetimeSeconds: 120 }),
      generateRsaKeyPemAsync(),
    ]);
    signer = await createFileGrantSigner({ key: pem });
    seedDemo(sandbox, { publicJwk: await signer.publicJwk() });
  });
  afterAll(async () => {
    await Promise.all([db?.close(), sandbox?.close()]);
  });

  /** One instance: its own KMS and DynamoDB clients, its own memory, the same seal key. */
  function instance(options: { maxDataKeyUses?: number; memory?: MemoryTokenCache } = {}) {
    const kms = mockKmsWithRealKey();
    // The key policy admits only this table's context.
    installSealKey(kms.kmsMock, { table: db.tableName });
    const broker: TestBroker = createTestBroker({
      issuer: sandbox.issuer,
      clientId: DEMO.clientId,
      signer,
      clock: Date.now,
      dynamo: { client: db.createClient(), tableName: db.tableName },
      tokenSealer: new KmsTokenSealer({
        client: kms.client,
        keyId: TEST_SEAL_KEY_ARN,
        table: db.tableName,
        maxDataKeyUses: options.maxDataKeyUses,
      }),
      memory: options.memory,
    });
    return {
      broker,
      generated: () => kms.kmsMock.commandCalls(GenerateDataKeyCommand).length,
      decrypted: () => kms.kmsMock.commandCalls(DecryptCommand).length,
    };
  }

  it('any instance reads what another wrote; rotated data keys keep old items readable; one Decrypt per data key', async () => {
    const writer = instance({ maxDataKeyUses: 2 });
    // A reader that remembers one token only, so every read below goes to the table.
    const reader = instance({ memory: new MemoryTokenCache(1) });
    const bodies = Array.from({ length: 5 }, () => ({
      scope: SCOPE,
      resource: freshResource('kms-sealed'),
    }));
    const written: string[] = [];
    for (const body of bodies) {
      const answer = await callApi(writer.broker.runtime.api, body);
      expect(answer.headers['broker-token-source']).toBe('maskinporten');
      written.push(answer.json.access_token);
    }
    // Five tokens, at most two per data key: three data keys.
    expect(writer.generated()).toBe(3);

    for (let round = 0; round < 3; round++) {
      for (const [i, body] of bodies.entries()) {
        const answer = await callApi(reader.broker.runtime.api, body);
        expect(answer.headers['broker-token-source']).toBe('shared');
        expect(answer.json.access_token).toBe(written[i]);
      }
    }

    expect(reader.broker.metrics.get('CacheHitShared')).toBe(15);
    // 15 reads of items under 3 data keys: 3 Decrypts, none per read; the reader sealed nothing.
    expect(reader.decrypted()).toBe(3);
    expect(reader.generated()).toBe(0);
    expect(writer.decrypted()).toBe(0);
    expect(reader.broker.metrics.get('CacheSealFailures')).toBe(0);
    expectNoReadableToken(await everyValue(db, db.tableName), written);
  });

  it('KMS failing to unwrap is a cache error (200 from Maskinporten, CacheErrors), not a refused item', async () => {
    const writer = instance();
    const body = { scope: SCOPE, resource: freshResource('kms-down') };
    const written = await callApi(writer.broker.runtime.api, body);
    const kms = mockKmsWithRealKey();
    kms.kmsMock.on(DecryptCommand).rejects(kmsError('ThrottlingException', 'Rate exceeded'));
    const reader = createTestBroker({
      issuer: sandbox.issuer,
      clientId: DEMO.clientId,
      signer,
      clock: Date.now,
      dynamo: { client: db.createClient(), tableName: db.tableName },
      tokenSealer: new KmsTokenSealer({
        client: kms.client,
        keyId: TEST_SEAL_KEY_ARN,
        table: db.tableName,
      }),
    });

    const answer = await callApi(reader.runtime.api, body);

    expect(answer.status).toBe(200);
    expect(answer.headers['broker-token-source']).toBe('maskinporten');
    expect(answer.json.access_token).not.toBe(written.json.access_token);
    expect(reader.metrics.get('CacheErrors')).toBeGreaterThanOrEqual(1);
    expect(reader.metrics.get('CacheSealFailures')).toBe(0);
    // It did not wait on the lease of an item it cannot read: it fetched at once.
    expect(reader.metrics.get('LeaseWaits')).toBe(0);
    expect(reader.logger.text()).not.toContain('Rate exceeded');
  });

  it('an item sealed for another table (another encryption context) is refused and counted', async () => {
    const reader = instance();
    const body = { scope: SCOPE, resource: freshResource('other-table') };
    const key = tokenCacheKey(reader.broker.runtime.broker.identity, tokenRequest(body));
    // Written into this table by an instance configured for another one: same seal key, but the
    // data key's encryption context (and the seal's bound data) name the other table.
    const elsewhere = new SealedSharedCache({
      inner: new DynamoDbTokenCache({ client: db.client, tableName: db.tableName }),
      sealer: new KmsTokenSealer({
        client: mockKmsWithRealKey().client,
        keyId: TEST_SEAL_KEY_ARN,
        table: 'another-table',
      }),
      metrics: new InMemoryMetrics(),
      logger: new RecordingLogger(),
    });
    const expiresAt = Date.now() + 100_000;
    const token = { accessToken: 'x', tokenType: 'Bearer', scope: SCOPE, expiresAt, lifetime: 120 };
    await elsewhere.put(key, token, { replace: true }, Deadline.after(5_000));

    const answer = await callApi(reader.broker.runtime.api, body);

    expect(answer.headers['broker-token-source']).toBe('maskinporten');
    expect(reader.broker.metrics.get('CacheSealFailures')).toBe(1);
    expect(reader.broker.metrics.get('CacheErrors')).toBe(0);
  });
});
