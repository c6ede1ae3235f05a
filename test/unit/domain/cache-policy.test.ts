import { describe, expect, it } from 'vitest';
import {
  type CachedToken,
  isServable,
  isUsableWhenStale,
  MAX_REFRESH_MARGIN_SECONDS,
  refreshMarginSeconds,
  remainingSeconds,
  requiredRemainingMs,
  toCachedToken,
} from '../../../shared/domain/cache-policy.js';

const NOW = 1_700_000_000_000;

/** A cached token with the given lifetime (s) and `leftMs` ms left at NOW. */
function token(lifetime: number, leftMs: number): CachedToken {
  return { accessToken: 'at', tokenType: 'Bearer', scope: 'a', expiresAt: NOW + leftMs, lifetime };
}

describe('refreshMarginSeconds', () => {
  it.each([
    [0, 0],
    [1, 0],
    [2, 1],
    [3, 1],
    [30, 15],
    [119, 59],
    [120, 60],
    [121, 60],
    [599, 60],
    [3600, 60],
  ])('lifetime %d s → margin %d s', (lifetime, margin) => {
    expect(refreshMarginSeconds(lifetime)).toBe(margin);
  });

  it('is never more than the maximum, never more than half the lifetime', () => {
    expect(MAX_REFRESH_MARGIN_SECONDS).toBe(60);
    for (let lifetime = 0; lifetime <= 400; lifetime++) {
      const margin = refreshMarginSeconds(lifetime);
      expect(margin).toBeLessThanOrEqual(MAX_REFRESH_MARGIN_SECONDS);
      expect(margin * 2).toBeLessThanOrEqual(lifetime);
    }
  });
});

describe('remainingSeconds', () => {
  it.each([
    [120_000, 120],
    [59_999, 59],
    [1_000, 1],
    [999, 0],
    [0, 0],
    [-1, 0],
    [-60_000, 0],
  ])('%d ms left → %d s', (leftMs, seconds) => {
    expect(remainingSeconds(token(600, leftMs), NOW)).toBe(seconds);
  });
});

describe('requiredRemainingMs', () => {
  it.each([
    [600, 0, 60_000],
    [600, 30, 60_000],
    [600, 60, 60_000],
    [600, 300, 300_000],
    [30, 0, 15_000],
    [30, 10, 15_000],
    [30, 20, 20_000],
    [120, 3600, 3_600_000],
  ])('lifetime %d s, minTtl %d s → %d ms', (lifetime, minTtl, ms) => {
    expect(requiredRemainingMs({ lifetime }, minTtl)).toBe(ms);
  });
});

describe('isServable', () => {
  it.each([
    ['a fresh 600 s token', 600, 600_000, 0, true],
    ['exactly the 60 s margin left', 600, 60_000, 0, true],
    ['1 ms inside the margin', 600, 59_999, 0, false],
    ['expired', 600, -1, 0, false],
    ['minTtl covered exactly', 600, 120_000, 120, true],
    ['minTtl missed by 1 ms', 600, 119_999, 120, false],
    ['minTtl below the margin changes nothing', 600, 60_000, 10, true],
    ['a 30 s token with half its life left', 30, 15_000, 0, true],
    ['a 30 s token 1 ms under half', 30, 14_999, 0, false],
    ['minTtl longer than the token ever lived', 120, 120_000, 121, false],
  ])('%s → %s', (_, lifetime, leftMs, minTtl, expected) => {
    expect(isServable(token(lifetime, leftMs), NOW, minTtl)).toBe(expected);
  });
});

describe('isUsableWhenStale', () => {
  it.each([
    ['inside the refresh margin', 600, 30_000, 0, true],
    ['exactly 1 s left', 600, 1_000, 0, true],
    ['under 1 s left', 600, 999, 0, false],
    ['at expiry', 600, 0, 0, false],
    ['expired', 600, -1_000, 0, false],
    ['minTtl covered exactly', 600, 30_000, 30, true],
    ['minTtl missed by 1 ms', 600, 29_999, 30, false],
  ])('%s → %s', (_, lifetime, leftMs, minTtl, expected) => {
    expect(isUsableWhenStale(token(lifetime, leftMs), NOW, minTtl)).toBe(expected);
  });

  it('covers tokens that are no longer servable but still valid', () => {
    const stale = token(600, 30_000);
    expect(isServable(stale, NOW, 0)).toBe(false);
    expect(isUsableWhenStale(stale, NOW, 0)).toBe(true);
  });

  it('holds whenever isServable holds for a token of a realistic lifetime', () => {
    for (const lifetime of [2, 30, 120, 599, 3600]) {
      for (const leftMs of [0, 500, 1_000, 15_000, 60_000, 600_000]) {
        for (const minTtl of [0, 1, 30, 300]) {
          const t = token(lifetime, leftMs);
          if (isServable(t, NOW, minTtl)) expect(isUsableWhenStale(t, NOW, minTtl)).toBe(true);
        }
      }
    }
  });
});

describe('toCachedToken', () => {
  it('keeps Maskinporten’s scope and counts expiry from receipt', () => {
    expect(
      toCachedToken(
        { access_token: 'eyJ.a.b', token_type: 'Bearer', expires_in: 599, scope: 'b a' },
        'a b',
        NOW,
      ),
    ).toStrictEqual({
      accessToken: 'eyJ.a.b',
      tokenType: 'Bearer',
      scope: 'b a',
      expiresAt: NOW + 599_000,
      lifetime: 599,
    });
  });

  it('falls back to the requested scope', () => {
    expect(
      toCachedToken({ access_token: 'x', token_type: 'Bearer', expires_in: 120 }, 'a b', NOW),
    ).toStrictEqual({
      accessToken: 'x',
      tokenType: 'Bearer',
      scope: 'a b',
      expiresAt: NOW + 120_000,
      lifetime: 120,
    });
  });

  it('produces a token that is servable at once, and not after lifetime - margin', () => {
    const cached = toCachedToken(
      { access_token: 'x', token_type: 'Bearer', expires_in: 120 },
      'a',
      NOW,
    );
    expect(isServable(cached, NOW, 0)).toBe(true);
    expect(isServable(cached, NOW + 60_000, 0)).toBe(true);
    expect(isServable(cached, NOW + 60_001, 0)).toBe(false);
    expect(remainingSeconds(cached, NOW)).toBe(120);
  });
});
