import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LocalServer, startLocalServer } from '../../../functions/local/server.js';
import { InMemoryMetrics } from '../../../shared/adapters/metrics/in-memory-metrics.js';
import { createFileGrantSigner } from '../../../shared/adapters/signing/file-grant-signer.js';
import { generateRsaKeyPemAsync } from '../../../shared/adapters/signing/signing-key-spec.js';
import { DEMO, seedDemo } from '../../../shared/sandbox/demo.js';
import { type SandboxServer, startSandboxServer } from '../../../shared/sandbox/sandbox.js';
import { type DynaliteHarness, startDynalite } from '../../support/dynalite.js';
import { RecordingLogger } from '../../support/recording-logger.js';
import { freshResource, postJson, SCOPE } from './support.js';

// TOKEN_CACHE_TABLE switches the local server to the DynamoDB cache (here dynalite). Two local
// servers with the same Maskinporten client and key share the table like two Lambda instances.

describe('local server with TOKEN_CACHE_TABLE', () => {
  let db: DynaliteHarness;
  let sandbox: SandboxServer;
  let keyDir: string;
  let env: Record<string, string>;
  const tableName = `local-tokens-${randomUUID().slice(0, 8)}`;
  const servers: LocalServer[] = [];

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
    const signer = await createFileGrantSigner({ key: pem });
    seedDemo(sandbox, { publicJwk: await signer.publicJwk() });
    env = {
      PORT: '0',
      MASKINPORTEN_ISSUER: sandbox.issuer,
      MASKINPORTEN_CLIENT_ID: DEMO.clientId,
      SIGNING_KEY: `file:${keyPath}`,
      BROKER_DEADLINE_MS: '3000',
      TOKEN_CACHE_TABLE: tableName,
    };
  });

  afterAll(async () => {
    for (const server of servers) await server.close();
    await Promise.all([
      db?.close(),
      sandbox?.close(),
      keyDir && rm(keyDir, { recursive: true, force: true }),
    ]);
  });

  async function start(options: { withClient: boolean }) {
    const metrics = new InMemoryMetrics();
    const server = await startLocalServer({
      env,
      logger: new RecordingLogger(),
      metrics,
      ...(options.withClient ? { dynamoDbClient: db.createClient() } : {}),
    });
    servers.push(server);
    return { server, metrics };
  }

  const tableStatus = async () => {
    try {
      const out = await db.client.send(new DescribeTableCommand({ TableName: tableName }));
      return out.Table?.TableStatus;
    } catch (error) {
      return (error as Error).name;
    }
  };

  it('creates the table if it is missing', async () => {
    expect(await tableStatus()).toBe('ResourceNotFoundException');

    const { server } = await start({ withClient: true });

    expect(await tableStatus()).toBe('ACTIVE');
    const { Table } = await db.client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }]);
    expect(server.config.tokenCacheTable).toBe(tableName);
    expect(server.runtime.shared?.state()).toBe('closed');
  });

  it('a second local server serves the first one’s token as a shared hit', async () => {
    const first = servers[0] ?? (await start({ withClient: true })).server;
    const { server: second, metrics } = await start({ withClient: true });
    sandbox.maskinporten.stats.reset();
    const body = { scope: SCOPE, resource: freshResource('local-ddb') };

    const fromFirst = await postJson(first.url, body);
    const fromSecond = await postJson(second.url, body);
    const again = await postJson(second.url, body);

    expect(fromFirst.status).toBe(200);
    expect(fromFirst.headers['broker-token-source']).toBe('maskinporten');
    expect(fromSecond.status).toBe(200);
    expect(fromSecond.headers['broker-token-source']).toBe('shared');
    expect(fromSecond.json.access_token).toBe(fromFirst.json.access_token);
    expect(again.headers['broker-token-source']).toBe('memory');
    expect(sandbox.maskinporten.stats.tokenRequests).toBe(1);
    expect(metrics.get('CacheHitShared')).toBe(1);
    expect(metrics.get('CacheErrors')).toBe(0);
  });

  it('finds the table through the standard AWS SDK settings alone (AWS_ENDPOINT_URL_DYNAMODB, AWS_REGION)', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', db.endpoint);
    vi.stubEnv('AWS_REGION', 'eu-north-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    vi.stubEnv('AWS_SESSION_TOKEN', undefined);
    vi.stubEnv('AWS_PROFILE', undefined);
    const first = servers[0] ?? (await start({ withClient: true })).server;
    const { server: third, metrics } = await start({ withClient: false });
    sandbox.maskinporten.stats.reset();
    const body = { scope: SCOPE, resource: freshResource('local-ddb-env') };

    const fromFirst = await postJson(first.url, body);
    const fromThird = await postJson(third.url, body);

    expect(fromThird.headers['broker-token-source']).toBe('shared');
    expect(fromThird.json.access_token).toBe(fromFirst.json.access_token);
    expect(sandbox.maskinporten.stats.tokenRequests).toBe(1);
    expect(metrics.get('CacheErrors')).toBe(0);
  });
});
