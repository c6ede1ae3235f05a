import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_PROPORTIONAL_MARGIN_SECONDS,
  MIN_REFRESH_MARGIN_SECONDS,
  tokenRefreshMarginSeconds,
  tokenRefreshWindowSeconds,
} from '../../../shared/domain/refresh-margin.js';

// Issue 14 §4: the margin is proportional to the lifetime the broker receives, bounded. Lifetimes
// from ../shared/reference/maskinporten-protocol.md §2 (default access_token_lifetime 120 s;
// observed 599 s and 1000 s; a scope's at_max_age can make it shorter).

describe('tokenRefreshMarginSeconds', () => {
  it.each([
    [120, 24], // Digdir's default lifetime: a fifth
    [599, 60], // Digdir's example: capped at a minute
    [1000, 60],
    [300, 60],
    [100, 20],
    [51, 11],
    [50, 10],
    [30, 10], // the 10 s floor
    [20, 10],
    [15, 7], // never more than half the lifetime
    [2, 1],
    [1, 0],
  ])('lifetime %d s → margin %d s', (lifetime, margin) => {
    expect(tokenRefreshMarginSeconds(lifetime)).toBe(margin);
  });

  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY])(
    'gives 0 for a lifetime of %d',
    (value) => {
      expect(tokenRefreshMarginSeconds(value)).toBe(0);
    },
  );

  it('is bounded, at most half the lifetime, and never shrinks as the lifetime grows', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 86_400 }), (lifetime) => {
        const margin = tokenRefreshMarginSeconds(lifetime);
        expect(Number.isInteger(margin)).toBe(true);
        expect(margin).toBeLessThanOrEqual(MAX_PROPORTIONAL_MARGIN_SECONDS);
        expect(margin * 2).toBeLessThanOrEqual(lifetime);
        expect(margin).toBeGreaterThanOrEqual(
          Math.min(MIN_REFRESH_MARGIN_SECONDS, Math.floor(lifetime / 2)),
        );
        expect(tokenRefreshMarginSeconds(lifetime + 1)).toBeGreaterThanOrEqual(margin);
        if (lifetime >= 50 && lifetime <= 300) expect(margin).toBe(Math.ceil(lifetime / 5));
      }),
    );
  });
});

describe('tokenRefreshWindowSeconds: refresh ahead starts here', () => {
  it.each([
    [30, 10, 15],
    [120, 24, 36],
    [600, 60, 120],
    [3600, 60, 120],
    [20, 10, 10],
    [15, 7, 7],
  ])('a %i s token: margin %i s, window %i s', (lifetime, margin, window) => {
    expect(tokenRefreshMarginSeconds(lifetime)).toBe(margin);
    expect(tokenRefreshWindowSeconds(lifetime)).toBe(window);
  });

  it('lies between the margin and half the lifetime, at most 60 s past the margin', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 86_400 }), (lifetime) => {
        const margin = tokenRefreshMarginSeconds(lifetime);
        const window = tokenRefreshWindowSeconds(lifetime);
        expect(window).toBeGreaterThanOrEqual(margin);
        expect(window).toBeLessThanOrEqual(Math.max(margin, Math.floor(lifetime / 2)));
        expect(window - margin).toBeLessThanOrEqual(60);
      }),
    );
  });

  it('starts before the client library reuse margin once the token is 20 s or longer', () => {
    fc.assert(
      fc.property(fc.integer({ min: 20, max: 86_400 }), (lifetime) => {
        expect(tokenRefreshWindowSeconds(lifetime)).toBeGreaterThanOrEqual(
          Math.min(30, lifetime / 4),
        );
      }),
    );
  });
});
