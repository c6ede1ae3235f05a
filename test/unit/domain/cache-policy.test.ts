import { describe, expect, it } from 'vitest';
import {
  type CachedToken,
  isInRefreshWindow,
  isServable,
  isUsableWhenStale,
  MAX_REFRESH_MARGIN_SECONDS,
  refreshMarginSeconds,
  remainingSeconds,
  requiredRemainingMs,
  toCachedToken,
} from '../../../shared/domain/cache-policy.js';
import { tokenRefreshWindowSeconds } from '../../../shared/domain/refresh-margin.js';

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
    [20, 10],
    [30, 10],
    [119, 24],
    [120, 24],
    [121, 25],
    [299, 60],
    [599, 60],
    [3600, 60],
  ])(
    'lifetime %d s → margin %d s (proportional, issue 13 §1 / issue 14 §4)',
    (lifetime, margin) => {
      expect(refreshMarginSeconds(lifetime)).toBe(margin);
    },
  );

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
    [30, 0, 10_000],
    [30, 10, 10_000],
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
    ['a 30 s token with its 10 s margin left', 30, 10_000, 0, true],
    ['a 30 s token 1 ms inside its margin', 30, 9_999, 0, false],
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

describe('isInRefreshWindow: a served token that also starts a refresh', () => {
  it.each([
    ['a 120 s token with 37 s left', 120, 37_000, false],
    ['a 120 s token with 36 s left', 120, 36_000, false],
    ['a 120 s token 1 ms inside its 36 s window', 120, 35_999, true],
    ['a 30 s token 1 ms inside its 15 s window', 30, 14_999, true],
    ['an hour token with 121 s left', 3600, 121_000, false],
    ['an hour token with 119 s left', 3600, 119_000, true],
  ])('%s → %s', (_, lifetime, leftMs, expected) => {
    expect(isInRefreshWindow(token(lifetime, leftMs), NOW)).toBe(expected);
  });

  it('opens before the margin closes: a window token is still servable for a while', () => {
    for (const lifetime of [30, 120, 600, 3600]) {
      const justInside = token(lifetime, tokenRefreshWindowSeconds(lifetime) * 1000 - 1);
      expect(isInRefreshWindow(justInside, NOW)).toBe(true);
      expect(isServable(justInside, NOW, 0)).toBe(true);
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
    // A 120 s token's margin is 24 s: served for 96 s.
    expect(isServable(cached, NOW + 96_000, 0)).toBe(true);
    expect(isServable(cached, NOW + 96_001, 0)).toBe(false);
    expect(remainingSeconds(cached, NOW)).toBe(120);
  });
});
