import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbTokenCache } from '../../../shared/adapters/dynamodb/dynamodb-token-cache.js';
import { GuardedSharedCache } from '../../../shared/app/guarded-shared-cache.js';
import type { CachedToken } from '../../../shared/domain/cache-policy.js';
import { Deadline } from '../../../shared/ports/deadline.js';
import type { BrokerLogger } from '../../../shared/ports/logger.js';
import type { BrokerMetricName, BrokerMetrics } from '../../../shared/ports/metrics.js';
import type { SharedTokenCache } from '../../../shared/ports/token-cache.js';
import { type DynaliteHarness, startDynalite } from '../../support/dynalite.js';

/** A deadline far enough away not to matter (the table answers or fails at once). */
const inTime = () => Deadline.after(10_000);

// GuardedSharedCache against a scripted inner cache, then wrapped around a real dynalite that is
// stopped and restarted.

const SECRET = 'eyJ-secret-access-token';
const stored: CachedToken = {
  accessToken: SECRET,
  tokenType: 'Bearer',
  scope: 's',
  expiresAt: 2_000_000,
  lifetime: 120,
};
const lease = { owner: 'me', now: 1000, leaseUntil: 11_000, freshAfter: 61_000 };

/** Recording fakes for the ports the guard reports through. */
function recorders() {
  const counts = new Map<BrokerMetricName, number>();
  const metrics: BrokerMetrics = {
    count: (name, value = 1) => counts.set(name, (counts.get(name) ?? 0) + value),
    timing: () => {},
  };
  const logs: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
  const log =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      logs.push({ level, message, ...(fields ? { fields } : {}) });
    };
  const logger: BrokerLogger = {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
  };
  return { metrics, logger, logs, cacheErrors: () => counts.get('CacheErrors') ?? 0 };
}

type Mode = 'ok' | 'fail' | 'hang';

/** An inner cache that succeeds, rejects (with the token in the message) or never settles. */
function scriptedInner() {
  const state = { mode: 'ok' as Mode, calls: 0 };
  const answer = <T>(value: T): Promise<T> => {
    state.calls += 1;
    if (state.mode === 'fail') {
      return Promise.reject(
        Object.assign(new Error(`boom ${SECRET}`), { name: 'ThrottlingException' }),
      );
    }
    if (state.mode === 'hang') return new Promise<T>(() => {});
    return Promise.resolve(value);
  };
  const inner: SharedTokenCache = {
    get: () => answer<CachedToken | undefined>(stored),
    tryAcquireLease: () => answer(false),
    put: () => answer(undefined),
    releaseLease: () => answer(undefined),
  };
  return { inner, state };
}

function setup(options: { failureThreshold?: number } = {}) {
  const { inner, state } = scriptedInner();
  const rec = recorders();
  const clock = { now: 1_000_000 };
  const cache = new GuardedSharedCache({
    inner,
    clock: () => clock.now,
    metrics: rec.metrics,
    logger: rec.logger,
    openMs: 30_000,
    ...options,
  });
  return { cache, state, clock, ...rec };
}

describe('GuardedSharedCache (scripted inner)', () => {
  it('passes answers through while the inner cache works', async () => {
    const { cache, cacheErrors } = setup();
    expect(await cache.get('k', {}, inTime())).toEqual(stored);
    expect(await cache.tryAcquireLease('k', lease, inTime())).toBe(false);
    await expect(cache.put('k', stored, { owner: 'me' }, inTime())).resolves.toBeUndefined();
    expect(cacheErrors()).toBe(0);
    expect(cache.state()).toBe('closed');
  });

  it('degrades every operation on errors, counts CacheErrors and logs the error name only', async () => {
    const { cache, state, cacheErrors, logs } = setup({ failureThreshold: 10 });
    state.mode = 'fail';
    expect(await cache.get('k', {}, inTime())).toBeUndefined();
    expect(await cache.tryAcquireLease('k', lease, inTime())).toBe(true);
    await expect(cache.put('k', stored, { owner: 'me' }, inTime())).resolves.toBeUndefined();
    await expect(cache.releaseLease('k', 'me', inTime())).resolves.toBeUndefined();
    expect(cacheErrors()).toBe(4);
    expect(logs.filter((l) => l.level === 'warn').map((l) => l.fields)).toEqual([
      { operation: 'get', error: 'ThrottlingException' },
      { operation: 'tryAcquireLease', error: 'ThrottlingException' },
      { operation: 'put', error: 'ThrottlingException' },
      { operation: 'releaseLease', error: 'ThrottlingException' },
    ]);
    expect(JSON.stringify(logs)).not.toContain(SECRET);
  });

  it('treats a synchronous throw from the inner cache like a rejection', async () => {
    const { metrics, logger } = recorders();
    const throwing = {
      get: () => {
        throw new Error('sync');
      },
    } as unknown as SharedTokenCache;
    const cache = new GuardedSharedCache({ inner: throwing, clock: () => 0, metrics, logger });
    expect(await cache.get('k', {}, inTime())).toBeUndefined();
  });

  it('opens after the threshold of consecutive failures and stops calling the inner cache', async () => {
    const { cache, state, cacheErrors } = setup({ failureThreshold: 3 });
    state.mode = 'fail';
    await cache.get('k', {}, inTime());
    await cache.get('k', {}, inTime());
    expect(cache.state()).toBe('closed');
    await cache.get('k', {}, inTime());
    expect(cache.state()).toBe('open');
    expect(state.calls).toBe(3);

    expect(await cache.get('k', {}, inTime())).toBeUndefined();
    expect(await cache.tryAcquireLease('k', lease, inTime())).toBe(true);
    await cache.put('k', stored, {}, inTime());
    expect(state.calls).toBe(3);
    expect(cacheErrors()).toBe(3);
  });

  it('resets the failure count on success: failures must be consecutive', async () => {
    const { cache, state } = setup({ failureThreshold: 2 });
    state.mode = 'fail';
    await cache.get('k', {}, inTime());
    state.mode = 'ok';
    await cache.get('k', {}, inTime());
    state.mode = 'fail';
    await cache.get('k', {}, inTime());
    expect(cache.state()).toBe('closed');
    await cache.get('k', {}, inTime());
    expect(cache.state()).toBe('open');
  });

  it('goes half-open after openMs, lets one probe through, and closes on its success', async () => {
    const { cache, state, clock, logs } = setup({ failureThreshold: 1 });
    state.mode = 'fail';
    await cache.get('k', {}, inTime());
    expect(cache.state()).toBe('open');
    clock.now += 29_999;
    expect(cache.state()).toBe('open');
    expect(await cache.get('k', {}, inTime())).toBeUndefined();
    expect(state.calls).toBe(1);

    clock.now += 1;
    expect(cache.state()).toBe('half-open');
    state.mode = 'ok';
    expect(await cache.get('k', {}, inTime())).toEqual(stored);
    expect(state.calls).toBe(2);
    expect(cache.state()).toBe('closed');
    expect(logs.some((l) => l.message.includes('closed'))).toBe(true);
  });

  it('re-opens for another openMs when the probe fails', async () => {
    const { cache, state, clock } = setup({ failureThreshold: 1 });
    state.mode = 'fail';
    await cache.get('k', {}, inTime());
    clock.now += 30_000;
    expect(await cache.get('k', {}, inTime())).toBeUndefined();
    expect(state.calls).toBe(2);
    expect(cache.state()).toBe('open');
    clock.now += 29_999;
    expect(cache.state()).toBe('open');
  });

  it('lets only one probe through while half-open', async () => {
    const { cache, state, clock } = setup({ failureThreshold: 1 });
    state.mode = 'fail';
    await cache.get('k', {}, inTime());
    clock.now += 30_000;
    state.mode = 'hang';
    const probe = cache.get('k', {}, Deadline.after(50));
    expect(await cache.tryAcquireLease('k', lease, inTime())).toBe(true); // degraded, not sent
    expect(state.calls).toBe(2);
    expect(await probe).toBeUndefined();
  });

  it('gives up on a slow inner call at its deadline: degraded answer, CacheErrors, and it counts towards opening', async () => {
    const { cache, state, cacheErrors, logs } = setup({ failureThreshold: 2 });
    state.mode = 'hang';
    const started = performance.now();
    expect(await cache.get('k', {}, Deadline.after(20))).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(500);
    expect(await cache.tryAcquireLease('k', lease, Deadline.after(20))).toBe(true);
    expect(cacheErrors()).toBe(2);
    expect(logs[0]?.fields).toEqual({ operation: 'get', error: 'SharedCacheTimeoutError' });
    expect(cache.state()).toBe('open');
  });

  it('rejects invalid options', () => {
    const { inner } = scriptedInner();
    const { metrics, logger } = recorders();
    expect(
      () => new GuardedSharedCache({ inner, clock: () => 0, metrics, logger, openMs: 0 }),
    ).toThrow(TypeError);
  });
});

describe('GuardedSharedCache over a stopped dynalite', () => {
  let db: DynaliteHarness;
  beforeAll(async () => {
    db = await startDynalite();
  });
  afterAll(() => db.close());

  it('degrades while the table is unreachable, opens, and closes again after a restart', async () => {
    const table = new DynamoDbTokenCache({ client: db.createClient(), tableName: db.tableName });
    let innerCalls = 0;
    const counted =
      <A extends unknown[], R>(call: (...args: A) => R) =>
      (...args: A): R => {
        innerCalls += 1;
        return call(...args);
      };
    const counting: SharedTokenCache = {
      get: counted((key, options, deadline) => table.get(key, options, deadline)),
      tryAcquireLease: counted((key, l, deadline) => table.tryAcquireLease(key, l, deadline)),
      put: counted((key, token, options, deadline) => table.put(key, token, options, deadline)),
      releaseLease: counted((key, owner, deadline) => table.releaseLease(key, owner, deadline)),
    };
    const { metrics, logger, logs, cacheErrors } = recorders();
    const clock = { now: 1_000_000 };
    const cache = new GuardedSharedCache({
      inner: counting,
      clock: () => clock.now,
      metrics,
      logger,
      failureThreshold: 2,
      openMs: 30_000,
    });
    await cache.put('k', stored, {}, inTime());
    expect(await cache.get('k', { consistent: true }, inTime())).toEqual(stored);

    await db.stop();
    const started = performance.now();
    expect(await cache.get('k', {}, inTime())).toBeUndefined();
    expect(await cache.tryAcquireLease('k', lease, inTime())).toBe(true);
    expect(performance.now() - started).toBeLessThan(2000); // fails fast, no retries
    expect(cacheErrors()).toBe(2);
    expect(cache.state()).toBe('open');
    expect(JSON.stringify(logs)).not.toContain(SECRET);

    await cache.get('k', {}, inTime());
    await cache.put('k', stored, {}, inTime());
    expect(innerCalls).toBe(4); // 2 before the stop, 2 failures; none while open

    await db.restart();
    clock.now += 30_000;
    expect(cache.state()).toBe('half-open');
    // The restarted dynalite kept its data: the probe reads the token stored before the stop.
    expect(await cache.get('k', { consistent: true }, inTime())).toEqual(stored);
    expect(cache.state()).toBe('closed');
    expect(innerCalls).toBe(5);
    expect(cacheErrors()).toBe(2);
  });
});
