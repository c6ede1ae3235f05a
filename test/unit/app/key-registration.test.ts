import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MaskinportenHttpClient } from '../../../shared/adapters/maskinporten/maskinporten-client.js';
import { MaskinportenAdminClient } from '../../../shared/adapters/maskinporten-admin/admin-client.js';
import { InMemoryMetrics } from '../../../shared/adapters/metrics/in-memory-metrics.js';
import { createFileGrantSigner } from '../../../shared/adapters/signing/file-grant-signer.js';
import {
  type ConfiguredKeys,
  KeyRegistrationService,
} from '../../../shared/app/key-registration.js';
import { createKeyVerifier } from '../../../shared/app/key-verification.js';
import type { RsaPublicJwk } from '../../../shared/domain/public-jwk.js';
import { Deadline } from '../../../shared/ports/deadline.js';
import {
  type MaskinportenAdminApi,
  MaskinportenAdminError,
} from '../../../shared/ports/maskinporten-admin.js';
import { DEMO } from '../../../shared/sandbox/demo.js';
import { RecordingLogger } from '../../support/recording-logger.js';
import { rsaTestKey } from '../../support/rsa-jwks.js';
import { startTestSandbox, type TestSandbox } from '../../support/sandbox-fixture.js';
import { adminToken } from '../../support/self-service.js';

// KeyRegistrationService over the self-service adapter and the sandbox's simulation of Digdir's
// API (manual clock, real RSA keys and tokens): what each sync records (metrics, log lines that
// name kids and never keys or tokens), and what status reports. Digdir's rules:
// ../shared/reference/maskinporten-admin-api.md §4 (exp one year after posting; 5 keys), §5
// (verify a new key with a real token request), §7 (access_token_lifetime).

const DAY = 86_400_000;
let t: TestSandbox;
let active: RsaPublicJwk;
const next = rsaTestKey('broker-next');
let metrics: InMemoryMetrics;
let logger: RecordingLogger;
let tokens: string[];

const deadline = () => Deadline.after(5_000, t.clock);

function admin(): MaskinportenAdminClient {
  return new MaskinportenAdminClient({
    baseUrl: t.sandbox.selfServiceUrl,
    clientId: DEMO.clientId,
    tokenProvider: async (scopes) => {
      const token = await adminToken(t, scopes.join(' '));
      tokens.push(token);
      return token;
    },
  });
}

function service(api: MaskinportenAdminApi = admin()) {
  return new KeyRegistrationService({
    admin: api,
    clock: t.clock,
    metrics,
    logger,
    propagationDelayMs: 5_000,
  });
}

const keys = (extra: Partial<ConfiguredKeys> = {}): ConfiguredKeys => ({
  active,
  next: next.jwk,
  retired: [],
  ...extra,
});

beforeAll(async () => {
  t = await startTestSandbox();
  active = { ...(t.key.publicJwk as RsaPublicJwk), alg: 'RS256', use: 'sig' };
});
afterAll(() => t.sandbox.close());
beforeEach(() => {
  t.sandbox.maskinporten.selfService.setPropagationDelay(5_000);
  t.sandbox.maskinporten.selfService.replace(DEMO.clientId, [active]);
  t.clock.advance(10_000); // the reset above propagates
  t.sandbox.faults.clear();
  metrics = new InMemoryMetrics();
  logger = new RecordingLogger();
  tokens = [];
});

function expectNoSecretsLogged() {
  const text = logger.text();
  for (const token of tokens) expect(text).not.toContain(token);
  expect(text).not.toContain(active.n);
  expect(text).not.toContain(next.jwk.n);
}

describe('sync', () => {
  it('writes once, counts the write, and records the active key age and days to exp', async () => {
    const created = t.clock() - 40 * DAY;
    const result = await service().sync(keys({ activeCreatedAt: created }), {}, deadline());

    expect(result).toMatchObject({ outcome: 'written', added: [next.kid] });
    expect(metrics.get('KeySyncWrites')).toBe(1);
    expect(metrics.get('KeySyncFailures')).toBe(0);
    expect(metrics.get('ActiveKeyAgeDays')).toBe(40);
    // §4: every posted key gets exp one year after the post (the sandbox renews kept keys too).
    expect(metrics.get('ActiveKeyExpiresInDays')).toBeGreaterThanOrEqual(364);
    expect(logger.entries.find((entry) => entry.message === 'key set replaced')?.fields).toEqual({
      added: [next.kid],
      removed: [],
      updated: [],
      kept: [],
      registered: [t.key.kid, next.kid],
    });
    expectNoSecretsLogged();
  });

  it('writes nothing the second time, and takes the age from the registration without a creation time', async () => {
    await service().sync(keys(), {}, deadline());
    t.clock.advance(3 * DAY);
    metrics = new InMemoryMetrics();
    const result = await service().sync(keys(), {}, deadline());

    expect(result).toEqual({ outcome: 'unchanged', registered: [t.key.kid, next.kid] });
    expect(metrics.get('KeySyncWrites')).toBe(0);
    const registeredAt = t.sandbox.maskinporten.selfService.stored(DEMO.clientId)?.keys[0]?.created;
    expect(metrics.get('ActiveKeyAgeDays')).toBe(
      Math.floor((t.clock() - (registeredAt as number)) / DAY),
    );
    expect(metrics.get('ActiveKeyAgeDays')).toBeGreaterThanOrEqual(3);
  });

  it('warns in the log when the active key nears Digdir’s exp', async () => {
    t.clock.advance(340 * DAY);
    await service().sync(keys({ next: undefined }), {}, deadline());
    expect(metrics.get('ActiveKeyExpiresInDays')).toBeLessThan(30);
    expect(logger.entries).toContainEqual({
      level: 'warn',
      message: 'active key',
      fields: {
        kid: t.key.kid,
        warning: expect.stringMatching(/^active key \S+ expires at Digdir in 2\d days: rotate it$/),
      },
    });
  });

  it('returns a refusal, counts it as a failure and writes nothing', async () => {
    const others = ['a', 'b', 'c', 'd'].map((kid) => rsaTestKey(kid).jwk);
    t.sandbox.maskinporten.selfService.replace(DEMO.clientId, [active, ...others]);
    const writes = t.sandbox.selfService.stats.writes;

    const result = await service().sync(keys(), {}, deadline());
    expect(result).toMatchObject({ outcome: 'refused', reason: 'over_limit' });
    expect(metrics.get('KeySyncFailures')).toBe(1);
    expect(t.sandbox.selfService.stats.writes).toBe(writes);
    expect(logger.entries.at(-1)).toMatchObject({ level: 'error', message: 'key sync refused' });
  });

  it('counts, logs and rethrows a failure of Digdir’s API', async () => {
    t.sandbox.faults.enqueue({
      endpoint: 'selvbetjening',
      status: 500,
      body: '{"error":"server_error","correlation_id":"corr-9"}',
    });
    const error = await service()
      .sync(keys(), {}, deadline())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MaskinportenAdminError);
    expect(metrics.get('KeySyncFailures')).toBe(1);
    expect(logger.entries.at(-1)).toMatchObject({
      level: 'error',
      message: 'key sync failed',
      fields: { kind: 'unavailable', status: 500, correlationId: 'corr-9' },
    });
    expectNoSecretsLogged();
  });

  it('fails when Digdir answers a write with a set that lacks a key it was sent', async () => {
    const real = admin();
    const forgetful: MaskinportenAdminApi = {
      getKeys: (d) => real.getKeys(d),
      getClient: (d) => real.getClient(d),
      replaceKeys: async (sent, d) => {
        const stored = await real.replaceKeys(sent, d);
        return { ...stored, keys: stored.keys.filter((key) => key.jwk.kid !== next.kid) };
      },
    };
    await expect(service(forgetful).sync(keys(), {}, deadline())).rejects.toThrow(
      `Digdir answered the write without ${next.kid}`,
    );
    expect(metrics.get('KeySyncWrites')).toBe(1);
    expect(metrics.get('KeySyncFailures')).toBe(1);
  });
});

describe('status', () => {
  async function verifier() {
    const signer = await createFileGrantSigner({
      key: JSON.stringify(next.privateJwk),
    });
    return createKeyVerifier({
      server: new MaskinportenHttpClient({ issuer: t.sandbox.issuer, clock: t.clock }),
      signer,
      clientId: DEMO.clientId,
      clock: t.clock,
      metrics: new InMemoryMetrics(),
      logger: new RecordingLogger(),
    });
  }

  it('verifies the next key only once it is registered, then is ready after the delay', async () => {
    const verify = await verifier();
    let calls = 0;
    const counting = async (d: Deadline) => {
      calls++;
      return verify(d);
    };
    const before = await service().status(keys(), { verifyNext: counting }, deadline());
    expect(calls).toBe(0);
    expect(before.status.next?.promotion).toMatchObject({ ready: false });
    expect(before.accessTokenLifetimeSeconds).toBe(120);

    await service().sync(keys(), {}, deadline());
    const early = await service().status(keys(), { verifyNext: counting }, deadline());
    expect(early.nextVerification).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/^MP-124 /),
    });
    t.clock.advance(6_000);
    const ready = await service().status(keys(), { verifyNext: counting }, deadline());
    expect(ready.nextVerification).toMatchObject({ ok: true });
    expect(ready.status.next?.promotion).toEqual({ ready: true });
    expect(calls).toBe(2);
  });

  it('says why the lifetime is not shown when Digdir does not show the client', async () => {
    const real = admin();
    const noClient: MaskinportenAdminApi = {
      getKeys: (d) => real.getKeys(d),
      replaceKeys: (k, d) => real.replaceKeys(k, d),
      getClient: async () => {
        throw new MaskinportenAdminError(
          'forbidden',
          "Digdir's self-service API answered HTTP 403",
          {
            status: 403,
          },
        );
      },
    };
    const report = await service(noClient).status(keys(), {}, deadline());
    expect(report.accessTokenLifetimeSeconds).toBeUndefined();
    expect(report.lifetimeNote).toBe(
      "Digdir did not show the client (Digdir's self-service API answered HTTP 403)",
    );
    expect(report.status.active).toMatchObject({ kid: t.key.kid, registration: 'registered' });
  });
});
