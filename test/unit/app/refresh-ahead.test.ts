import { describe, expect, it } from 'vitest';
import { InMemoryMetrics } from '../../../shared/adapters/metrics/in-memory-metrics.js';
import { BrokerService, type TokenResult } from '../../../shared/app/broker-service.js';
import { MemoryTokenCache } from '../../../shared/app/memory-token-cache.js';
import { TokenFetcher } from '../../../shared/app/token-fetcher.js';
import { parseTokenRequest, type TokenRequest } from '../../../shared/domain/token-request.js';
import { Deadline } from '../../../shared/ports/deadline.js';
import type { RefreshScheduler } from '../../../shared/ports/refresh-scheduler.js';
import { RecordingLogger } from '../../support/recording-logger.js';
import {
  advance,
  clock,
  fakeSigner,
  ISSUER,
  MapSharedCache,
  scriptedMaskinporten,
  type TokenStep,
  unavailable,
  useVirtualClock,
  watch,
} from '../../support/virtual-upstreams.js';

// Issue 13 §1, refresh ahead, on a virtual clock: a token still valid but inside its refresh
// window (36 s of a 120 s token) is served at once while exactly one refresh runs, coordinated
// across instances by the shared cache's lease; keys nobody asks for are not refreshed. Counts,
// not times: which answers came from where, and how many grants reached the token endpoint.

const SCOPE = 'krr:global/kontaktinformasjon.read';
const request = (extra: Record<string, unknown> = {}) =>
  parseTokenRequest({ scope: SCOPE, org: '910753614', ...extra });
const deadline = () => Deadline.after(6_000, clock);

/** `count` instances sharing one token endpoint and (optionally) one shared cache. */
function instances(
  count: number,
  steps: TokenStep[],
  options: { shared?: MapSharedCache; scheduler?: RefreshScheduler } = {},
) {
  const maskinporten = scriptedMaskinporten(steps);
  const { signer } = fakeSigner();
  const brokers = Array.from({ length: count }, () => {
    const metrics = new InMemoryMetrics();
    const logger = new RecordingLogger();
    const fetcher = new TokenFetcher({
      server: maskinporten.server,
      signer,
      clientId: 'client',
      clock,
      metrics,
      logger,
      random: () => 0.5,
    });
    const service = new BrokerService({
      identity: { issuer: ISSUER, clientId: 'client' },
      fetcher,
      memory: new MemoryTokenCache(),
      shared: options.shared,
      clock,
      metrics,
      logger,
      random: () => 0.5,
      refreshScheduler: options.scheduler,
    });
    return { service, metrics, logger };
  });
  return { brokers, grants: maskinporten.grants };
}

/** Tokens named by their order, each answered 50 ms after the grant arrives. */
const tokens = (count: number): TokenStep[] =>
  Array.from({ length: count }, (_, i) => ({ token: `t${i + 1}`, afterMs: 50 }));

describe('refresh ahead on a virtual clock', () => {
  useVirtualClock();

  it('serves a token inside its window at once and renews it in the background, once', async () => {
    const { brokers, grants } = instances(1, tokens(3));
    const [{ service, metrics }] = brokers as [(typeof brokers)[number]];
    const first = watch(service.getToken(request(), deadline()));
    await advance(50);
    expect(first.value?.source).toBe('maskinporten');

    // 35 s left of 120: inside the 36 s window. Ten callers are answered from memory at once.
    await advance(85_000 - 50);
    const inWindow = await Promise.all(
      Array.from({ length: 10 }, () => service.getToken(request(), deadline())),
    );
    expect(inWindow.map((r) => [r.source, r.token.accessToken])).toEqual(
      Array.from({ length: 10 }, () => ['memory', 't1']),
    );
    expect(grants).toHaveLength(2);
    expect(metrics.get('RefreshAhead')).toBe(1);

    await advance(50);
    const after = await service.getToken(request(), deadline());
    expect(after).toMatchObject({ source: 'memory', token: { accessToken: 't2' }, expiresIn: 120 });
    expect(grants).toHaveLength(2);
  });

  it('keeps the answer synchronous: fromMemory serves the window token and starts the refresh', async () => {
    const { brokers, grants } = instances(1, tokens(2));
    const [{ service }] = brokers as [(typeof brokers)[number]];
    const first = watch(service.getToken(request(), deadline()));
    await advance(50);
    expect(first.value?.source).toBe('maskinporten');
    await advance(90_000);

    const hit = service.fromMemory(request());

    expect(hit).toMatchObject({ source: 'memory', token: { accessToken: 't1' } });
    expect(hit?.handoff).toBeUndefined();
    await advance(0);
    expect(grants).toHaveLength(2);
  });

  it('leaves a failed refresh to the margin: the old token is served, the next caller past it fetches', async () => {
    const { brokers, grants } = instances(1, [
      { token: 't1' },
      { fail: unavailable() },
      { fail: unavailable() },
      { fail: unavailable() },
      { token: 't2' },
    ]);
    const [{ service, metrics }] = brokers as [(typeof brokers)[number]];
    await service.getToken(request(), deadline());
    await advance(85_000);
    expect((await service.getToken(request(), deadline())).source).toBe('memory');
    await advance(2_000);
    expect(metrics.get('RefreshAheadFailures')).toBe(1);
    // Within the retry pause the window token is served without another attempt.
    expect((await service.getToken(request(), deadline())).token.accessToken).toBe('t1');
    expect(grants).toHaveLength(4);
  });

  it('hands the refresh to a scheduler when there is one, and the caller waits only for the hand-off', async () => {
    const scheduled: TokenRequest[] = [];
    const scheduler: RefreshScheduler = {
      schedule: async (renew) => {
        scheduled.push(renew);
      },
    };
    const { brokers, grants } = instances(1, tokens(2), { scheduler });
    const [{ service }] = brokers as [(typeof brokers)[number]];
    watch(service.getToken(request({ minTtl: 10 }), deadline()));
    await advance(50);
    await advance(90_000);

    const hit = service.fromMemory(request({ minTtl: 10 }));
    expect(hit?.handoff).toBeInstanceOf(Promise);
    await hit?.handoff;

    // The scheduler gets the key's request (minTtl dropped), never a token; nothing was fetched.
    expect(scheduled).toEqual([{ ...request(), minTtl: 0 }]);
    expect(grants).toHaveLength(1);
    const outcome = watch(service.refreshAhead(scheduled[0] as TokenRequest, deadline()));
    await advance(50);
    expect(outcome.value).toBe('refreshed');
    expect(grants).toHaveLength(2);
  });

  it('over 4 instances sharing a cache, a key asked every 100 ms for five lifetimes: no caller waits, one Maskinporten call per renewal', async () => {
    const lifetime = 120;
    const shared = new MapSharedCache();
    const { brokers, grants } = instances(4, tokens(20), { shared });
    const answers: TokenResult[] = [];
    const duration = 5 * lifetime * 1000;
    for (let t = 0, i = 0; t < duration; t += 100, i++) {
      const broker = brokers[i % brokers.length] as (typeof brokers)[number];
      const answer = watch(broker.service.getToken(request(), deadline()));
      // The very first caller waits for the first token; every other answer is in hand at once.
      if (i === 0) await advance(50);
      else await advance(0);
      if (!answer.value) throw new Error(`caller ${i} at ${t} ms was not answered at once`);
      answers.push(answer.value);
      await advance(i === 0 ? 50 : 100);
    }

    const sources = new Map<string, number>();
    for (const answer of answers.slice(1)) {
      sources.set(answer.source, (sources.get(answer.source) ?? 0) + 1);
    }
    expect(answers[0]?.source).toBe('maskinporten');
    expect(sources.get('maskinporten') ?? 0).toBe(0);
    expect(sources.get('stale') ?? 0).toBe(0);
    // Renewed once per (lifetime − window) = 84 s, by whichever instance first served the old
    // token inside the window; the others found the new token in the shared cache.
    const renewals = Math.floor((duration - 100) / (84_000 + 100));
    expect(grants).toHaveLength(1 + renewals);
    expect(grants.length).toBeLessThanOrEqual(Math.ceil(duration / 84_000));
    const started = brokers.reduce((n, b) => n + b.metrics.get('RefreshAhead'), 0);
    expect(started).toBeGreaterThanOrEqual(renewals);
    // Every answer was a token with more than its margin left.
    expect(answers.every((a) => a.expiresIn >= 24)).toBe(true);
  });

  it('does not refresh a key nobody asks for', async () => {
    const { brokers, grants } = instances(1, tokens(20));
    const [{ service }] = brokers as [(typeof brokers)[number]];
    const asked = request({ externalRef: 'asked' });
    const idle = request({ externalRef: 'idle' });
    watch(service.getToken(asked, deadline()));
    watch(service.getToken(idle, deadline()));
    await advance(100);
    expect(grants).toHaveLength(2);

    for (let t = 0; t < 3 * 120_000; t += 1_000) {
      watch(service.getToken(asked, deadline()));
      await advance(1_000);
    }
    const askedRenewals = grants.length - 2;
    expect(askedRenewals).toBeGreaterThanOrEqual(3);

    // The idle key's token ran out long ago and nothing renewed it: its next caller fetches.
    const late = watch(service.getToken(idle, deadline()));
    await advance(100);
    expect(late.value?.source).toBe('maskinporten');
    expect(grants).toHaveLength(2 + askedRenewals + 1);
  });
});
