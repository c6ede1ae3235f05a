import { describe, expect, it } from 'vitest';
import { RefusalCache } from '../../../shared/app/refusal-cache.js';
import { BrokerError } from '../../../shared/domain/errors.js';

const refused = () => new BrokerError('upstream_refused', 'MP-303: no system user');

describe('RefusalCache', () => {
  it('remembers refusals only, for its time to live', () => {
    const cache = new RefusalCache(30_000);
    cache.remember('a', refused(), 0, '910753614');
    cache.remember('b', new BrokerError('upstream_unavailable', '503'), 0, '910753614');
    expect(cache.get('a', 29_999)?.message).toBe('MP-303: no system user');
    expect(cache.get('b', 1)).toBeUndefined();
    expect(cache.get('a', 30_000)).toBeUndefined();
  });

  it('forgetOrg ends every refusal of that org and no other', () => {
    const cache = new RefusalCache(30_000);
    cache.remember('a1', refused(), 0, '910753614');
    cache.remember('a2', refused(), 0, '910753614');
    cache.remember('b', refused(), 0, '313725138');
    cache.remember('vendor', refused(), 0);
    cache.forgetOrg('910753614');
    expect(cache.get('a1', 1)).toBeUndefined();
    expect(cache.get('a2', 1)).toBeUndefined();
    expect(cache.get('b', 1)).toBeDefined();
    expect(cache.get('vendor', 1)).toBeDefined();
  });

  it('keeps its org index in step with eviction, expiry and a key remembered again', () => {
    const cache = new RefusalCache(30_000, 2);
    cache.remember('a', refused(), 0, '910753614');
    cache.remember('b', refused(), 0, '313725138');
    cache.remember('c', refused(), 0, '313725138'); // evicts a
    expect(cache.get('a', 1)).toBeUndefined();
    // The same key for another org: only the new org's approval ends it.
    cache.remember('b', refused(), 0, '910753614');
    cache.forgetOrg('313725138');
    expect(cache.get('b', 1)).toBeDefined();
    expect(cache.get('c', 1)).toBeUndefined();
    cache.forgetOrg('910753614');
    expect(cache.get('b', 1)).toBeUndefined();
  });

  it('remembers nothing with a time to live of 0', () => {
    const cache = new RefusalCache(0);
    cache.remember('a', refused(), 0, '910753614');
    expect(cache.get('a', 0)).toBeUndefined();
  });
});
