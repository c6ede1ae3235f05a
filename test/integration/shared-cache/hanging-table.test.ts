import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileGrantSigner } from '../../../shared/adapters/signing/file-grant-signer.js';
import { generateRsaKeyPemAsync } from '../../../shared/adapters/signing/signing-key-spec.js';
import type { BrokerService } from '../../../shared/app/broker-service.js';
import { systemClock } from '../../../shared/ports/clock.js';
import { Deadline } from '../../../shared/ports/deadline.js';
import type { SharedTokenCache } from '../../../shared/ports/token-cache.js';
import { DEMO, seedDemo } from '../../../shared/sandbox/demo.js';
import { type SandboxServer, startSandboxServer } from '../../../shared/sandbox/sandbox.js';
import { createTestBroker } from '../../support/test-broker.js';
import { freshResource, SCOPE, tokenRequest } from './support.js';

/** The edge's deadline for each call, as with `BROKER_DEADLINE_MS=1500`. */
const inTime = () => Deadline.after(1_500);
/**
 * How late past the deadline an answer may come on a loaded 2-core machine (timers fire late): a
 * 200 ms slack was used up to 120 ms. Nothing is lost by a generous one: a table wait that reached
 * the deadline would leave no time to fetch (no token), and an unbounded one never answers.
 */
const SCHEDULING_SLACK_MS = 1000;

/** A table that accepts every call and never answers (a black-holed network path). */
const never = () => new Promise<never>(() => {});
const hangingTable: SharedTokenCache = {
  get: never,
  tryAcquireLease: never,
  put: never,
  releaseLease: never,
};

describe('a shared cache that never answers', () => {
  let sandbox: SandboxServer;
  let broker: BrokerService;

  beforeAll(async () => {
    sandbox = await startSandboxServer();
    const signer = await createFileGrantSigner({ key: await generateRsaKeyPemAsync() });
    seedDemo(sandbox, { clientId: DEMO.clientId, publicJwk: await signer.publicJwk() });
    broker = createTestBroker({
      issuer: sandbox.issuer,
      clientId: DEMO.clientId,
      signer,
      clock: systemClock,
      sharedCache: hangingTable,
    }).service;
    // Metadata discovery and cold code paths are paid here, not inside the timed cases: on a
    // loaded machine they alone outlasted the fetch's part of the deadline. The warm-up has a
    // deadline of its own, long enough to wait out the hanging table and still fetch.
    await broker.getToken(
      tokenRequest({ scope: SCOPE, resource: freshResource() }),
      Deadline.after(10_000),
    );
  });
  afterAll(() => sandbox.close());

  it('still issues a token, within the deadline', async () => {
    const started = Date.now();

    const result = await broker.getToken(
      tokenRequest({ scope: SCOPE, resource: freshResource() }),
      inTime(),
    );

    expect(result.source).toBe('maskinporten');
    // Reads and the lease give up at half the deadline and the write waits at most 500 ms more,
    // so the answer comes within the deadline (plus scheduling slack on a busy machine).
    expect(Date.now() - started).toBeLessThan(1500 + SCHEDULING_SLACK_MS);
    expect(sandbox.maskinporten.stats.tokensIssued).toBeGreaterThanOrEqual(1);
  });

  it('answers a failing fetch within the deadline too', async () => {
    sandbox.maskinporten.faults.enqueue({ endpoint: 'token', status: 503, times: 10 });
    const started = Date.now();

    await expect(
      broker.getToken(tokenRequest({ scope: SCOPE, resource: freshResource() }), inTime()),
    ).rejects.toMatchObject({
      kind: 'upstream_unavailable',
    });
    expect(Date.now() - started).toBeLessThan(1500 + SCHEDULING_SLACK_MS);
    sandbox.maskinporten.faults.clear();
  });
});
