import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MEMORY_CACHE_ENTRIES,
  MemoryTokenCache,
} from '../../../shared/app/memory-token-cache.js';
import type { CachedToken } from '../../../shared/domain/cache-policy.js';

const NOW = 1_700_000_000_000;
const token = (name: string, expiresAt = NOW + 600_000): CachedToken => ({
  accessToken: name,
  tokenType: 'Bearer',
  scope: 'a',
  expiresAt,
  lifetime: 600,
});

describe('MemoryTokenCache', () => {
  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses maxEntries %d', (max) => {
    expect(() => new MemoryTokenCache(max)).toThrow(
      new TypeError('maxEntries must be a positive integer'),
    );
  });

  it('defaults to a bound of 10 000 entries', () => {
    expect(DEFAULT_MEMORY_CACHE_ENTRIES).toBe(10_000);
    const cache = new MemoryTokenCache();
    for (let i = 0; i <= DEFAULT_MEMORY_CACHE_ENTRIES; i++) cache.set(`k${i}`, token(`t${i}`));
    expect(cache.size).toBe(DEFAULT_MEMORY_CACHE_ENTRIES);
    expect(cache.get('k0', NOW)).toBeUndefined();
    expect(cache.get(`k${DEFAULT_MEMORY_CACHE_ENTRIES}`, NOW)?.accessToken).toBe(
      `t${DEFAULT_MEMORY_CACHE_ENTRIES}`,
    );
  });

  it('returns undefined for a missing key', () => {
    expect(new MemoryTokenCache().get('nope', NOW)).toBeUndefined();
  });

  it('returns what was stored', () => {
    const cache = new MemoryTokenCache();
    const stored = token('t');
    cache.set('k', stored);
    expect(cache.get('k', NOW)).toBe(stored);
  });

  it.each([
    ['1 ms before expiry', -1, true],
    ['at expiry', 0, false],
    ['after expiry', 1, false],
  ])('%s: found %s, and an expired entry is dropped on read', (_, offset, found) => {
    const cache = new MemoryTokenCache();
    cache.set('k', token('t', NOW));
    expect(cache.get('k', NOW + offset) !== undefined).toBe(found);
    expect(cache.size).toBe(found ? 1 : 0);
  });

  it('evicts the least recently stored entry beyond the bound', () => {
    const cache = new MemoryTokenCache(2);
    cache.set('a', token('a'));
    cache.set('b', token('b'));
    cache.set('c', token('c'));
    expect(cache.size).toBe(2);
    expect(cache.get('a', NOW)).toBeUndefined();
    expect(cache.get('b', NOW)?.accessToken).toBe('b');
    expect(cache.get('c', NOW)?.accessToken).toBe('c');
  });

  it('refreshes recency on read', () => {
    const cache = new MemoryTokenCache(2);
    cache.set('a', token('a'));
    cache.set('b', token('b'));
    cache.get('a', NOW);
    cache.set('c', token('c'));
    expect(cache.get('a', NOW)?.accessToken).toBe('a');
    expect(cache.get('b', NOW)).toBeUndefined();
  });

  it('refreshes the recency of a key read again after another key was stored', () => {
    const cache = new MemoryTokenCache(2);
    cache.set('a', token('a'));
    cache.get('a', NOW);
    cache.set('b', token('b'));
    cache.get('a', NOW);
    cache.get('a', NOW);

    cache.set('c', token('c'));

    expect(cache.get('a', NOW)?.accessToken).toBe('a');
    expect(cache.get('b', NOW)).toBeUndefined();
  });

  it('refreshes recency on overwrite', () => {
    const cache = new MemoryTokenCache(2);
    cache.set('a', token('a1'));
    cache.set('b', token('b'));
    cache.set('a', token('a2', NOW + 700_000));
    cache.set('c', token('c'));
    expect(cache.get('a', NOW)?.accessToken).toBe('a2');
    expect(cache.get('b', NOW)).toBeUndefined();
  });

  it('does not grow when a key is overwritten', () => {
    const cache = new MemoryTokenCache(1);
    cache.set('a', token('a1'));
    cache.set('a', token('a2', NOW + 700_000));
    expect(cache.size).toBe(1);
    expect(cache.get('a', NOW)?.accessToken).toBe('a2');
  });

  it.each([
    ['a shorter-lived token is ignored', NOW + 300_000, 'long'],
    ['an equally long-lived token replaces', NOW + 600_000, 'new'],
    ['a longer-lived token replaces', NOW + 900_000, 'new'],
  ])('%s', (_, expiresAt, expected) => {
    const cache = new MemoryTokenCache();
    cache.set('k', token('long', NOW + 600_000));
    cache.set('k', token('new', expiresAt));
    expect(cache.get('k', NOW)?.accessToken).toBe(expected);
  });

  it('replace() stores a shorter-lived token unconditionally', () => {
    const cache = new MemoryTokenCache();
    cache.set('k', token('long', NOW + 600_000));
    cache.replace('k', token('short', NOW + 60_000));
    expect(cache.get('k', NOW)?.accessToken).toBe('short');
    expect(cache.size).toBe(1);
  });

  it('replace() respects the bound', () => {
    const cache = new MemoryTokenCache(1);
    cache.set('a', token('a'));
    cache.replace('b', token('b'));
    expect(cache.size).toBe(1);
    expect(cache.get('a', NOW)).toBeUndefined();
  });

  it('delete() removes an entry, and ignores a missing one', () => {
    const cache = new MemoryTokenCache();
    cache.set('k', token('t'));
    cache.delete('k');
    cache.delete('never');
    expect(cache.get('k', NOW)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('behaves like a reference LRU model (property)', () => {
    const op = fc.oneof(
      fc.record({
        op: fc.constant('set' as const),
        key: fc.integer({ min: 0, max: 5 }),
        ttl: fc.integer({ min: 1, max: 5 }),
      }),
      fc.record({ op: fc.constant('get' as const), key: fc.integer({ min: 0, max: 5 }) }),
      fc.record({ op: fc.constant('get' as const), key: fc.integer({ min: 0, max: 5 }) }),
      fc.record({ op: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 5 }) }),
      fc.record({
        op: fc.constant('replace' as const),
        key: fc.integer({ min: 0, max: 5 }),
        ttl: fc.integer({ min: 1, max: 5 }),
      }),
      fc.record({ op: fc.constant('tick' as const) }),
    );
    // The model's recency: `key` moves to the end; beyond the bound the oldest goes.
    const touch = (model: Map<string, number>, key: string, expiresAt: number, max: number) => {
      model.delete(key);
      model.set(key, expiresAt);
      if (model.size > max) model.delete(model.keys().next().value as string);
    };
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(op, { maxLength: 80 }), (max, ops) => {
        const cache = new MemoryTokenCache(max);
        const model = new Map<string, number>();
        let now = 0;
        for (const step of ops) {
          if (step.op === 'tick') {
            now++;
          } else if (step.op === 'delete') {
            cache.delete(`k${step.key}`);
            model.delete(`k${step.key}`);
          } else if (step.op === 'replace') {
            const key = `k${step.key}`;
            cache.replace(key, token(key, now + step.ttl));
            touch(model, key, now + step.ttl, max);
          } else if (step.op === 'set') {
            const key = `k${step.key}`;
            const expiresAt = now + step.ttl;
            cache.set(key, token(key, expiresAt));
            const current = model.get(key);
            if (current === undefined || current <= expiresAt) touch(model, key, expiresAt, max);
          } else {
            const key = `k${step.key}`;
            const got = cache.get(key, now);
            const expected = model.get(key);
            if (expected === undefined || expected <= now) {
              model.delete(key);
              expect(got).toBeUndefined();
            } else {
              model.delete(key);
              model.set(key, expected);
              expect(got?.expiresAt).toBe(expected);
            }
          }
          expect(cache.size).toBe(model.size);
          expect(cache.size).toBeLessThanOrEqual(max);
        }
      }),
      { numRuns: 500 },
    );
  });
});
