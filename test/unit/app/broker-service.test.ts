import { describe, expect, it } from 'vitest';
import { InMemoryMetrics } from '../../../shared/adapters/metrics/in-memory-metrics.js';
import { BrokerService } from '../../../shared/app/broker-service.js';
import { GuardedSharedCache } from '../../../shared/app/guarded-shared-cache.js';
import { MemoryTokenCache } from '../../../shared/app/memory-token-cache.js';
import { tokenCacheKey } from '../../../shared/domain/cache-key.js';
import { parseTokenRequest } from '../../../shared/domain/token-request.js';
import { Deadline } from '../../../shared/ports/deadline.js';
import type { SharedTokenCache } from '../../../shared/ports/token-cache.js';
import { RecordingLogger } from '../../support/recording-logger.js';
import {
  advance,
  clock,
  ISSUER,
  MapSharedCache,
  START,
  type TokenStep,
  unavailable,
  useVirtualClock,
  virtualFetcher,
  watch,
} from '../../support/virtual-upstreams.js';

// BrokerService on a virtual clock, over a real TokenFetcher and memory cache and a shared cache
// with the table's contract: when a token is served from where, how callers share one fetch, how
// they wait for another process's lease, and what they get when Maskinporten fails or hangs.

const SCOPE = 'krr:global/kontaktinformasjon.read';
const request = (extra: Record<string, unknown> = {}) =>
  parseTokenRequest({ scope: SCOPE, org: '910753614', ...extra });
const deadline = (ms = 6_000) => Deadline.after(ms, clock);

function service(steps: TokenStep[], shared?: SharedTokenCache) {
  const { fetcher, grants, metrics, logger } = virtualFetcher(steps);
  const subject = new BrokerService({
    identity: { issuer: ISSUER, clientId: 'client' },
    fetcher,
    memory: new MemoryTokenCache(),
    shared,
    clock,
    metrics,
    logger,
    random: () => 0.5,
  });
  return { subject, grants, metrics, logger };
}

describe('BrokerService on a virtual clock', () => {
  useVirtualClock();

  describe('expiry and margins', () => {
    it('serves a 120 s token from memory while 24 s are left (its proportional margin), then fetches anew', async () => {
      const { subject, grants } = service([{ token: 'first' }, { token: 'second' }]);

      expect((await subject.getToken(request(), deadline())).source).toBe('maskinporten');
      // 36 s left: the edge of the refresh window, not inside it (no refresh ahead starts).
      await advance(84_000);
      const cached = await subject.getToken(request(), deadline());
      expect(cached).toMatchObject({ source: 'memory', expiresIn: 36 });
      // Nothing asked inside the window: past the 24 s margin the next caller fetches.
      await advance(12_001);
      const renewed = await subject.getToken(request(), deadline());

      expect(renewed).toMatchObject({ source: 'maskinporten', expiresIn: 120 });
      expect(renewed.token.accessToken).toBe('second');
      expect(grants).toHaveLength(2);
    });

    it('holds a minTtl caller to its own margin, and refuses one no token can meet', async () => {
      const { subject, grants } = service([{ token: 'first' }, { token: 'second' }]);
      await subject.getToken(request(), deadline());
      await advance(20_000);

      expect((await subject.getToken(request({ minTtl: 100 }), deadline())).source).toBe('memory');
      await advance(1_000);
      expect((await subject.getToken(request({ minTtl: 100 }), deadline())).source).toBe(
        'maskinporten',
      );
      await expect(subject.getToken(request({ minTtl: 121 }), deadline())).rejects.toMatchObject({
        kind: 'invalid_request',
      });
      expect(grants).toHaveLength(2);
    });
  });

  it('lets concurrent callers for one key share a single fetch', async () => {
    const { subject, grants } = service([{ token: 'only', afterMs: 300 }]);

    const callers = Array.from({ length: 10 }, () =>
      watch(subject.getToken(request(), deadline())),
    );
    await advance(300);

    expect(grants).toHaveLength(1);
    expect(callers.every((c) => c.value?.token.accessToken === 'only')).toBe(true);
  });

  it('stops a caller due sooner at its own deadline while the shared fetch goes on', async () => {
    const { subject } = service([{ token: 'slow', afterMs: 1_500 }]);

    const first = watch(subject.getToken(request(), deadline(6_000)));
    const hurried = watch(subject.getToken(request(), deadline(1_000)));
    await advance(1_000);

    expect(hurried.error).toMatchObject({ kind: 'upstream_timeout', retryAfter: 1 });
    expect(first.settled).toBe(false);
    await advance(500);
    expect(first.value?.token.accessToken).toBe('slow');
  });

  describe('across processes (the shared cache)', () => {
    it('waits for another process holding the lease, then serves its token', async () => {
      const table = new MapSharedCache();
      const { subject, grants, metrics } = service([{ token: 'mine' }], table);
      const key = tokenCacheKey({ issuer: ISSUER, clientId: 'client', kid: 'test-kid' }, request());
      table.leaseTo(key, 'other-process', START + 8_000);

      const result = watch(subject.getToken(request(), deadline()));
      await advance(300);
      expect(result.settled).toBe(false);
      await table.put(
        key,
        {
          accessToken: 'theirs',
          tokenType: 'Bearer',
          scope: SCOPE,
          expiresAt: Date.now() + 120_000,
          lifetime: 120,
        },
        { owner: 'other-process' },
        deadline(),
      );
      await advance(200);

      expect(result.value).toMatchObject({ source: 'shared', token: { accessToken: 'theirs' } });
      expect(grants).toHaveLength(0);
      expect(metrics.get('LeaseWaits')).toBeGreaterThan(0);
    });

    it('fetches itself when the holder is too slow, keeping the fetch reserve of its deadline', async () => {
      const table = new MapSharedCache();
      const { subject, grants } = service([{ token: 'mine' }], table);
      const key = tokenCacheKey({ issuer: ISSUER, clientId: 'client', kid: 'test-kid' }, request());
      table.leaseTo(key, 'stuck-process', START + 8_000);

      const result = watch(subject.getToken(request(), deadline(6_000)));
      // It waits while more than the 2.5 s reserve is left, then fetches directly.
      await advance(3_400);
      expect(result.settled).toBe(false);
      await advance(200);

      expect(result.value).toMatchObject({
        source: 'maskinporten',
        token: { accessToken: 'mine' },
      });
      expect(grants).toHaveLength(1);
      expect(Date.now() - START).toBeLessThan(6_000 - 2_000);
    });

    it('does not let a slow table eat the fetch: reads stop at the cache sub-deadline', async () => {
      const hanging: SharedTokenCache = {
        get: () => new Promise(() => {}),
        tryAcquireLease: () => new Promise(() => {}),
        put: () => new Promise(() => {}),
        releaseLease: () => new Promise(() => {}),
      };
      const guarded = new GuardedSharedCache({
        inner: hanging,
        clock,
        metrics: new InMemoryMetrics(),
        logger: new RecordingLogger(),
      });
      const { subject } = service([{ token: 'fetched' }], guarded);

      const result = watch(subject.getToken(request(), deadline(6_000)));
      // Reads and the lease give up 2.5 s before the deadline; the write waits at most 0.5 s.
      await advance(3_500);
      expect(result.settled).toBe(false);
      await advance(500);

      expect(result.value).toMatchObject({ source: 'maskinporten' });
      expect(Date.now() - START).toBe(4_000);
    });
  });

  describe('when Maskinporten fails', () => {
    it('serves a still-valid token inside its refresh margin (stale-if-error)', async () => {
      const { subject, metrics } = service([{ token: 'old' }, { fail: unavailable() }]);
      await subject.getToken(request(), deadline());
      await advance(100_000);

      const result = watch(subject.getToken(request(), deadline()));
      await advance(300);

      expect(result.value).toMatchObject({ source: 'stale', expiresIn: 19 });
      expect(metrics.get('StaleServed')).toBe(1);
    });

    it('serves the stale token at the deadline when Maskinporten hangs', async () => {
      const { subject } = service([{ token: 'old' }, { hang: true }]);
      await subject.getToken(request(), deadline());
      await advance(100_000);

      const result = watch(subject.getToken(request(), deadline(1_500)));
      await advance(1_499);
      expect(result.settled).toBe(false);
      await advance(1);

      expect(result.value).toMatchObject({ source: 'stale', token: { accessToken: 'old' } });
    });

    it('answers upstream_timeout at the deadline with nothing to fall back on', async () => {
      const { subject } = service([{ hang: true }]);

      const result = watch(subject.getToken(request(), deadline(1_500)));
      await advance(1_499);
      expect(result.settled).toBe(false);
      await advance(1);

      expect(result.error).toMatchObject({ kind: 'upstream_timeout' });
    });

    it('never serves a stale token for a refusal', async () => {
      const { subject } = service([
        { token: 'old' },
        { fail: { kind: 'http', status: 400, body: { error: 'invalid_scope' } } },
      ]);
      await subject.getToken(request(), deadline());
      await advance(100_000);

      await expect(subject.getToken(request(), deadline())).rejects.toMatchObject({
        kind: 'upstream_refused',
      });
    });
  });
});
