import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InMemoryMetrics } from '../../../shared/adapters/metrics/in-memory-metrics.js';
import { SEALED_PREFIX } from '../../../shared/adapters/sealing/aes-gcm-envelope.js';
import { createDerivedTokenSealer } from '../../../shared/adapters/sealing/derived-token-sealer.js';
import { SealedSharedCache } from '../../../shared/app/sealed-shared-cache.js';
import type { CachedToken } from '../../../shared/domain/cache-policy.js';
import { Deadline } from '../../../shared/ports/deadline.js';
import type { TokenSealer } from '../../../shared/ports/token-sealer.js';
import { RecordingLogger } from '../../support/recording-logger.js';
import { MapSharedCache } from '../../support/virtual-upstreams.js';

const NOW = 1_800_000_000_000;
const TOKEN: CachedToken = {
  accessToken: 'eyJhbGciOiJSUzI1NiJ9.eyJzY29wZSI6ImtyciJ9.c2lnbmF0dXJlLW9mLWEtdG9rZW4',
  tokenType: 'Bearer',
  scope: 'krr:global/kontaktinformasjon.read',
  expiresAt: NOW + 120_000,
  lifetime: 120,
};
const inTime = () => Deadline.after(5_000);

function setup(
  sealer: TokenSealer = createDerivedTokenSealer({ secret: randomBytes(32), table: 't' }),
) {
  const store = new MapSharedCache();
  const metrics = new InMemoryMetrics();
  const logger = new RecordingLogger();
  const cache = new SealedSharedCache({ inner: store, sealer, metrics, logger });
  return { store, metrics, logger, cache, sealer };
}

describe('SealedSharedCache', () => {
  it('stores the token sealed and reads it back whole', async () => {
    const { store, cache, metrics } = setup();

    await cache.put('k', TOKEN, {}, inTime());

    const stored = store.items.get('k')?.token;
    expect(stored?.accessToken.startsWith(SEALED_PREFIX)).toBe(true);
    expect(JSON.stringify(stored)).not.toContain(TOKEN.accessToken);
    expect(stored).toMatchObject({ expiresAt: TOKEN.expiresAt, lifetime: 120, scope: TOKEN.scope });
    expect(await cache.get('k', {}, inTime())).toStrictEqual(TOKEN);
    expect(metrics.get('CacheSealFailures')).toBe(0);
  });

  it('refuses an item moved to another key: a miss, counted, logged without the value', async () => {
    const { store, cache, metrics, logger } = setup();
    await cache.put('org-a', TOKEN, {}, inTime());
    store.items.set('org-b', { token: store.items.get('org-a')?.token as CachedToken });

    expect(await cache.get('org-b', {}, inTime())).toBeUndefined();

    expect(metrics.get('CacheSealFailures')).toBe(1);
    expect(logger.entries).toEqual([
      {
        level: 'error',
        message: 'cached token refused: its seal does not open',
        fields: { cacheKey: 'org-b', reason: expect.stringMatching(/does not authenticate/) },
      },
    ]);
    expect(logger.text()).not.toContain(store.items.get('org-a')?.token?.accessToken);
    // The item under its own key still opens.
    expect(await cache.get('org-a', {}, inTime())).toStrictEqual(TOKEN);
  });

  it('refuses a planted plain token, and its key gets no coordination from the store until replaced', async () => {
    const { store, cache, metrics, logger } = setup();
    // Planted to expire far later than any real token, with another caller's lease on it.
    store.items.set('k', {
      token: { ...TOKEN, expiresAt: NOW + 10 * 365 * 86_400_000 },
      leaseOwner: 'planted',
      leaseUntil: NOW + 86_400_000,
    });

    expect(await cache.get('k', {}, inTime())).toBeUndefined();
    expect(metrics.get('CacheSealFailures')).toBe(1);
    expect(logger.text()).not.toContain(TOKEN.accessToken);
    const lease = { owner: 'me', now: NOW, leaseUntil: NOW + 5_000, freshAfter: NOW + 60_000 };
    const callsBefore = store.calls;
    expect(await cache.tryAcquireLease('k', lease, inTime())).toBe(true);
    expect(store.calls).toBe(callsBefore);

    const fresh = { ...TOKEN, accessToken: 'a-fresh-token-from-maskinporten' };
    await cache.put('k', fresh, { owner: 'me' }, inTime());

    // Replaced, although the planted item claimed a later expiry.
    expect(await cache.get('k', {}, inTime())).toStrictEqual(fresh);
    expect(metrics.get('CacheSealFailures')).toBe(1);
    // Healed: the next lease goes through the store again.
    await cache.tryAcquireLease('k', lease, inTime());
    expect(store.calls).toBeGreaterThan(callsBefore + 2);
  });

  it.each<[string, Partial<CachedToken>]>([
    ['a later expiry', { expiresAt: TOKEN.expiresAt + 3_600_000 }],
    ['another lifetime', { lifetime: 3_600 }],
    ['another scope', { scope: 'altinn:admin' }],
    ['another token type', { tokenType: 'DPoP' }],
  ])('refuses an item whose readable attributes were changed: %s', async (_, change) => {
    const { store, cache, metrics } = setup();
    await cache.put('k', TOKEN, {}, inTime());
    const stored = store.items.get('k')?.token as CachedToken;
    store.items.set('k', { token: { ...stored, ...change } });

    expect(await cache.get('k', {}, inTime())).toBeUndefined();
    expect(metrics.get('CacheSealFailures')).toBe(1);
  });

  it('refuses a seal that opens to something that is not a token record', async () => {
    const { store, cache, sealer, metrics } = setup();
    const sealed = await sealer.seal(Buffer.from('{"accessToken":""}'), 'k', inTime());
    store.items.set('k', { token: { ...TOKEN, accessToken: sealed } });

    expect(await cache.get('k', {}, inTime())).toBeUndefined();
    expect(metrics.get('CacheSealFailures')).toBe(1);
  });

  it('lets the sealer failing propagate (for the guard to count), and releases its lease on a failed seal', async () => {
    const failing: TokenSealer = {
      seal: async () => {
        throw Object.assign(new Error('KMS GenerateDataKey'), { name: 'ThrottlingException' });
      },
      open: async () => {
        throw Object.assign(new Error('KMS Decrypt'), { name: 'ThrottlingException' });
      },
    };
    const { store, cache, metrics } = setup(failing);
    store.items.set('k', { token: { ...TOKEN, accessToken: `${SEALED_PREFIX}AAAA` } });
    await expect(cache.get('k', {}, inTime())).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    expect(metrics.get('CacheSealFailures')).toBe(0);

    store.leaseTo('other', 'me', NOW + 5_000);
    await expect(cache.put('other', TOKEN, { owner: 'me' }, inTime())).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    expect(store.items.get('other')?.leaseOwner).toBeUndefined();
  });

  it('a key whose item the sealer could not open gets no coordination, and a write does not override a later token', async () => {
    const sealer = createDerivedTokenSealer({ secret: randomBytes(32), table: 't' });
    let openFails = true;
    const flaky: TokenSealer = {
      seal: (plaintext, boundTo, deadline) => sealer.seal(plaintext, boundTo, deadline),
      open: (sealed, boundTo, deadline) =>
        openFails
          ? Promise.reject(Object.assign(new Error('KMS Decrypt'), { name: 'ThrottlingException' }))
          : sealer.open(sealed, boundTo, deadline),
    };
    const { store, cache } = setup(flaky);
    const later = { ...TOKEN, expiresAt: TOKEN.expiresAt + 60_000 };
    await cache.put('k', later, {}, inTime());
    await expect(cache.get('k', {}, inTime())).rejects.toMatchObject({
      name: 'ThrottlingException',
    });

    const callsBefore = store.calls;
    const lease = { owner: 'me', now: NOW, leaseUntil: NOW + 5_000, freshAfter: NOW + 60_000 };
    expect(await cache.tryAcquireLease('k', lease, inTime())).toBe(true);
    expect(store.calls).toBe(callsBefore);
    await cache.put('k', TOKEN, { owner: 'me' }, inTime());

    openFails = false;
    // The stored token expires later and was another's good one: it stays.
    expect(await cache.get('k', {}, inTime())).toStrictEqual(later);
    expect(await cache.tryAcquireLease('k', lease, inTime())).toBe(false);
  });
});
