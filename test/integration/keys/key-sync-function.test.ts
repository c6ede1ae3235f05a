import { createPublicKey } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DescribeKeyCommand,
  GetPublicKeyCommand,
  KMSClient,
  SignCommand,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { calculateJwkThumbprint } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBrokerClient } from '../../../client/src/index.js';
import { brokerTokenProvider } from '../../../functions/key-sync/broker-token.js';
import {
  createKeySyncHandler,
  type KeySyncDependencies,
} from '../../../functions/key-sync/create-handler.js';
import { type LocalServer, startLocalServer } from '../../../functions/local/server.js';
import { InMemoryMetrics } from '../../../shared/adapters/metrics/in-memory-metrics.js';
import { systemClock } from '../../../shared/ports/clock.js';
import { DEMO, seedDemo } from '../../../shared/sandbox/demo.js';
import { type SandboxServer, startSandboxServer } from '../../../shared/sandbox/sandbox.js';
import { type KeyFile, type KeyFiles, keyFiles, signingEnv } from '../../support/key-files.js';
import { getPublicKeyOutput, kmsError } from '../../support/kms-mock.js';
import { RecordingLogger } from '../../support/recording-logger.js';
import { rsaTestKey } from '../../support/rsa-jwks.js';

// The scheduled key sync (functions/key-sync) end to end but for AWS itself: its admin token comes
// from a real local broker through the client package, as the caller its role is, allowed by a
// policy rule that names exactly idporten:dcr.write; Digdir is the sandbox's self-service API;
// KMS is a mock that answers GetPublicKey and DescribeKey from real RSA keys and refuses Sign.
// Digdir's rules: ../shared/reference/maskinporten-admin-api.md §3 (whole set), §4 (exp), §5.

const ROLE = 'arn:aws:iam::111111111111:role/maskinporten-broker-test-key-sync';
const ARN = (name: string) => `arn:aws:kms:eu-north-1:111111111111:key/${name}`;
const DAY = 86_400_000;

let files: KeyFiles;
let k1: KeyFile;
let k2: KeyFile;
let old: KeyFile;
let sandbox: SandboxServer;
let broker: LocalServer;
const kms = new KMSClient({
  region: 'eu-north-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});
const kmsMock = mockClient(kms);
const keyStates = new Map<string, string>();
let secret: Record<string, unknown>;

beforeAll(async () => {
  files = await keyFiles();
  k1 = await files.key('kms-2026a');
  k2 = await files.key('kms-2026b');
  old = await files.key('kms-2025a');
  sandbox = await startSandboxServer({ propagationDelayMs: 0 });
  seedDemo(sandbox, { publicJwk: k1.jwk });
  const policyFile = join(files.dir, 'policy.json');
  await writeFile(
    policyFile,
    JSON.stringify({
      rules: [
        {
          name: 'key-sync',
          callers: [ROLE],
          scopes: ['idporten:dcr.write'],
          orgs: [],
          vendorTokens: true,
        },
        {
          name: 'service',
          callers: ['arn:aws:iam::111111111111:role/service'],
          scopes: ['idporten:*', 'krr:*'],
          orgs: '*',
          vendorTokens: true,
        },
      ],
    }),
  );
  broker = await startLocalServer({
    env: {
      PORT: '0',
      MASKINPORTEN_ISSUER: sandbox.issuer,
      MASKINPORTEN_CLIENT_ID: DEMO.clientId,
      BROKER_POLICY_FILE: policyFile,
      ...signingEnv(k1, k2),
    },
    logger: new RecordingLogger(),
    metrics: new InMemoryMetrics(),
  });
});
afterAll(async () => {
  await broker.close();
  await sandbox.close();
  await files.remove();
});

beforeEach(() => {
  sandbox.maskinporten.selfService.replace(DEMO.clientId, [k1.jwk]);
  sandbox.faults.clear();
  secret = { clientId: DEMO.clientId, kid: k1.kid, kidNext: k2.kid };
  keyStates.clear();
  keyStates.set(ARN('k1'), 'Enabled');
  keyStates.set(ARN('k2'), 'Enabled');
  keyStates.set(ARN('old'), 'Enabled');
  kmsMock.reset();
  const byArn = new Map([
    [ARN('k1'), k1],
    [ARN('k2'), k2],
    [ARN('old'), old],
  ]);
  kmsMock.on(GetPublicKeyCommand).callsFake((input: { KeyId: string }) => {
    const key = byArn.get(input.KeyId);
    if (!key) throw kmsError('NotFoundException');
    if (keyStates.get(input.KeyId) !== 'Enabled') throw kmsError('DisabledException');
    return getPublicKeyOutput(createPublicKey(key.privateKey), input.KeyId);
  });
  kmsMock.on(DescribeKeyCommand).callsFake((input: { KeyId: string }) => {
    const state = keyStates.get(input.KeyId);
    if (!state) throw kmsError('NotFoundException');
    return {
      KeyMetadata: {
        KeyId: input.KeyId,
        KeyState: state,
        Enabled: state === 'Enabled',
        CreationDate: new Date(Date.now() - 100 * DAY),
      },
    };
  });
  kmsMock.on(SignCommand).rejects(kmsError('AccessDeniedException'));
});

function run(env: Record<string, string> = {}, caller = ROLE) {
  const metrics = new InMemoryMetrics();
  const logger = new RecordingLogger();
  const callerFetch: typeof fetch = (input, init) =>
    fetch(input, { ...init, headers: { ...(init?.headers as object), 'broker-caller': caller } });
  const deps: KeySyncDependencies = {
    env: {
      SIGNING_KEY: `kms:${ARN('k1')}`,
      SIGNING_KEY_NEXT: `kms:${ARN('k2')}`,
      SIGNING_KEYS_RETIRED: JSON.stringify([{ kid: old.kid, keyId: ARN('old') }]),
      MASKINPORTEN_ADMIN_URL: sandbox.selfServiceUrl,
      BROKER_URL: broker.url,
      BROKER_CONFIG_SECRET: 'maskinporten-broker/test/config',
      BROKER_ENVIRONMENT: 'test',
      ...env,
    },
    clock: systemClock,
    logger,
    metrics,
    secrets: { getJson: async () => secret },
    kms,
    brokerToken: () =>
      brokerTokenProvider(createBrokerClient({ baseUrl: broker.url, fetch: callerFetch })),
  };
  return { keySync: createKeySyncHandler(deps), metrics, logger };
}

const stored = () =>
  sandbox.maskinporten.selfService.stored(DEMO.clientId)?.keys.map((key) => key.jwk.kid);

describe('the scheduled key sync', () => {
  it('registers the next key from KMS, keeps the active, and writes nothing the next hour', async () => {
    const first = run();
    expect(await first.keySync()).toMatchObject({ outcome: 'written', added: [k2.kid] });
    expect(stored()).toEqual([k1.kid, k2.kid]);
    expect(first.metrics.get('KeySyncWrites')).toBe(1);
    expect(first.metrics.get('KeySyncFailures')).toBe(0);
    // The active key's age from KMS's CreationDate, not from the registration.
    expect(first.metrics.get('ActiveKeyAgeDays')).toBe(100);
    expect(first.metrics.get('ActiveKeyExpiresInDays')).toBeGreaterThanOrEqual(364);

    const second = run();
    expect(await second.keySync()).toEqual({ outcome: 'unchanged', registered: [k1.kid, k2.kid] });
    expect(second.metrics.get('KeySyncWrites')).toBe(0);
  });

  it('never asks KMS to sign: GetPublicKey and DescribeKey are all it calls', async () => {
    await run().keySync();
    const used = new Set(kmsMock.calls().map((call) => call.args[0].constructor.name));
    expect(used).toEqual(new Set(['GetPublicKeyCommand', 'DescribeKeyCommand']));
  });

  it('uses the kids the broker signs with: the secret’s, else the RFC 7638 thumbprint', async () => {
    secret = { clientId: DEMO.clientId, kidNext: k2.kid };
    const thumbprint = await calculateJwkThumbprint(k1.jwk, 'sha256');
    // Without the secret's kid, the broker would sign with k1's thumbprint: that kid is registered.
    const synced = await run().keySync();
    expect(synced).toMatchObject({ outcome: 'written', added: [thumbprint, k2.kid] });
    expect(stored()).toEqual([thumbprint, k2.kid, k1.kid]);
  });

  it('removes a retired kid only once KMS reports its key disabled', async () => {
    sandbox.maskinporten.selfService.replace(DEMO.clientId, [k1.jwk, old.jwk]);
    const enabled = run();
    expect(await enabled.keySync()).toMatchObject({ outcome: 'written', kept: [old.kid] });
    expect(stored()).toEqual([k1.kid, k2.kid, old.kid]);
    expect(enabled.logger.entries).toContainEqual({
      level: 'info',
      message: 'retired key still enabled in KMS: left registered',
      fields: { kid: old.kid, keyState: 'Enabled' },
    });

    keyStates.set(ARN('old'), 'Disabled');
    expect(await run().keySync()).toMatchObject({ outcome: 'written', removed: [old.kid] });
    expect(stored()).toEqual([k1.kid, k2.kid]);
  });

  it('treats a retired key that KMS no longer knows as gone', async () => {
    sandbox.maskinporten.selfService.replace(DEMO.clientId, [k1.jwk, old.jwk]);
    keyStates.delete(ARN('old'));
    expect(await run().keySync()).toMatchObject({ outcome: 'written', removed: [old.kid] });
  });

  it('fails, counted once, when the broker does not give this caller the admin scope', async () => {
    // Only the key sync's role is named with the scope: any other caller is refused (403).
    const other = run({}, 'arn:aws:iam::111111111111:role/stranger');
    const result = await other.keySync();
    expect(result).toMatchObject({ outcome: 'failed' });
    expect((result as { reason: string }).reason).toContain('access_denied');
    expect(other.metrics.get('KeySyncFailures')).toBe(1);
    expect(stored()).toEqual([k1.kid]);
  });

  it('fails when the caller’s rule reaches the admin scope only through a wildcard', async () => {
    // issue 11: an administrative scope (idporten:dcr.*) is granted only by its exact name, so the
    // "service" rule's idporten:* does not hand this caller the key sync's admin token.
    const service = run({}, 'arn:aws:iam::111111111111:role/service');
    const result = await service.keySync();
    expect(result).toMatchObject({ outcome: 'failed' });
    expect((result as { reason: string }).reason).toContain('access_denied');
    expect(service.metrics.get('KeySyncFailures')).toBe(1);
    expect(stored()).toEqual([k1.kid]);
  });

  it('fails, counted once, when Digdir fails, and when its own configuration is incomplete', async () => {
    sandbox.faults.enqueue({ endpoint: 'selvbetjening', status: 503 });
    const down = run();
    expect(await down.keySync()).toMatchObject({ outcome: 'failed' });
    expect(down.metrics.get('KeySyncFailures')).toBe(1);

    const incomplete = run({ BROKER_URL: '' });
    expect(await incomplete.keySync()).toEqual({
      outcome: 'failed',
      reason: 'missing required environment variable(s): BROKER_URL',
    });
    expect(incomplete.metrics.get('KeySyncFailures')).toBe(1);
    expect(incomplete.logger.entries).toContainEqual({
      level: 'error',
      message: 'key sync could not start',
      fields: { reason: 'missing required environment variable(s): BROKER_URL' },
    });
  });

  it('fails, counted, within its deadline when KMS never answers', async () => {
    kmsMock.on(DescribeKeyCommand).callsFake(() => new Promise(() => {}));
    const hung = run();
    // The invocation has 4 s left: the run keeps 3 s back to log and flush, so it gives up at 1 s.
    const result = await hung.keySync(4_000);
    expect(result).toEqual({
      outcome: 'failed',
      reason: 'the secret or the KMS keys did not answer before the deadline',
    });
    expect(hung.metrics.get('KeySyncFailures')).toBe(1);
  });

  it('refuses, counted, a set that would exceed 5 keys', async () => {
    const others = ['o1', 'o2', 'o3', 'o4'].map((kid) => rsaTestKey(kid).jwk);
    sandbox.maskinporten.selfService.replace(DEMO.clientId, [k1.jwk, ...others]);
    const full = run();
    expect(await full.keySync()).toMatchObject({ outcome: 'refused', reason: 'over_limit' });
    expect(full.metrics.get('KeySyncFailures')).toBe(1);
    expect(stored()).toEqual([k1.kid, 'o1', 'o2', 'o3', 'o4']);
  });
});
