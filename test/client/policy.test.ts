import { describe, expect, it } from 'vitest';
import { resolveEndpoint } from '../../client/src/endpoint.js';
import { parseRetryAfterMs, retryDelayMs } from '../../client/src/retry-policy.js';
import {
  type HeldToken,
  isReusable,
  jwtLifetimeSeconds,
  reuseMarginMs,
} from '../../client/src/token-cache.js';

describe('endpoint', () => {
  const INVOKE_URL =
    'https://a1b2c3d4e5-vpce-0123456789abcdef0.execute-api.eu-north-1.amazonaws.com/test';

  it('signs for the region in an execute-api host name, keeping the stage path', () => {
    const endpoint = resolveEndpoint(INVOKE_URL, { env: {} });

    expect(endpoint.region).toBe('eu-north-1');
    expect(endpoint.tokenUrl.href).toBe(`${INVOKE_URL}/v1/token`);
    expect(resolveEndpoint(`${INVOKE_URL}/`, { env: {} }).tokenUrl.href).toBe(
      `${INVOKE_URL}/v1/token`,
    );
  });

  it('takes the region from the option, then AWS_REGION, then AWS_DEFAULT_REGION', () => {
    const custom = 'https://broker.internal.example/prod';

    expect(resolveEndpoint(custom, { region: 'eu-west-1', env: { AWS_REGION: 'x' } }).region).toBe(
      'eu-west-1',
    );
    expect(resolveEndpoint(custom, { env: { AWS_REGION: 'eu-central-1' } }).region).toBe(
      'eu-central-1',
    );
    expect(resolveEndpoint(custom, { env: { AWS_DEFAULT_REGION: 'us-east-1' } }).region).toBe(
      'us-east-1',
    );
    expect(() => resolveEndpoint(custom, { env: {} })).toThrow(/region is required/);
  });

  it.each([
    'http://127.0.0.1:8080',
    'http://localhost:8080/',
    'http://[::1]:8080',
    'http://127.8.9.10',
  ])('does not sign plain http on loopback (%s)', (base) => {
    expect(resolveEndpoint(base, { env: {} }).region).toBeUndefined();
  });

  it('signs loopback when told to (a SigV4 verifier in tests), and never when told not to', () => {
    expect(
      resolveEndpoint('http://127.0.0.1:1', { signing: 'sigv4', region: 'eu-north-1' }).region,
    ).toBe('eu-north-1');
    expect(resolveEndpoint(INVOKE_URL, { signing: 'none' }).region).toBeUndefined();
  });

  it.each([
    ['plain http off loopback', 'http://broker.internal.example', /https/],
    ['another scheme', 'ftp://127.0.0.1', /https/],
    ['not a URL', 'broker', /not a URL/],
    ['a query', 'https://broker.example/?x=1', /query or fragment/],
    ['credentials', 'https://user:pass@broker.example/', /credentials/],
  ])('refuses %s with a TypeError', (_what, base, message) => {
    expect(() => resolveEndpoint(base, { region: 'eu-north-1' })).toThrow(TypeError);
    expect(() => resolveEndpoint(base, { region: 'eu-north-1' })).toThrow(message);
  });
});

describe('reuse margin', () => {
  it.each([
    [30, 7_500],
    [60, 15_000],
    [120, 30_000],
    [600, 30_000],
    [3600, 30_000],
  ])('keeps back min(30 s, a quarter) of a %i s token: %i ms', (lifetime, margin) => {
    expect(reuseMarginMs(lifetime)).toBe(margin);
  });

  it("is at most half the broker's refresh margin, min(60 s, half the lifetime), for every lifetime", () => {
    for (let lifetime = 1; lifetime <= 7200; lifetime++) {
      const broker = Math.min(60, lifetime / 2) * 1000;
      expect(reuseMarginMs(lifetime)).toBeLessThanOrEqual(broker / 2);
    }
  });

  it('hands out a token only while it outlives both the margin and minTtl', () => {
    const token: HeldToken = {
      accessToken: 't',
      tokenType: 'Bearer',
      scope: 's',
      expiresAt: 120_000,
      lifetime: 120,
      source: 'maskinporten',
    };

    expect(isReusable(token, 89_999, 0)).toBe(true);
    expect(isReusable(token, 90_000, 0)).toBe(false);
    expect(isReusable(token, 20_000, 100)).toBe(true);
    expect(isReusable(token, 20_001, 100)).toBe(false);
  });

  it('reads the lifetime from a JWT, or not at all', () => {
    const jwt = (claims: object) =>
      `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

    expect(jwtLifetimeSeconds(jwt({ iat: 100, exp: 220 }))).toBe(120);
    expect(jwtLifetimeSeconds(jwt({ exp: 220 }))).toBeUndefined();
    expect(jwtLifetimeSeconds(jwt({ iat: 220, exp: 100 }))).toBeUndefined();
    expect(jwtLifetimeSeconds('opaque-reference-token')).toBeUndefined();
    expect(jwtLifetimeSeconds('a.%%%.c')).toBeUndefined();
  });
});

describe('Retry-After and backoff', () => {
  const now = Date.UTC(2026, 10, 30, 12, 0, 0);

  it.each([
    ['1', 1000],
    ['0', 0],
    [' 30 ', 30_000],
    ['Mon, 30 Nov 2026 12:00:04 GMT', 4000],
    ['Mon, 30 Nov 2026 11:00:00 GMT', 0],
    ['soon', undefined],
    ['-1', undefined],
    ['1.5', undefined],
  ])('reads %j as %s ms', (value, ms) => {
    expect(parseRetryAfterMs(value, now)).toBe(ms);
  });

  it('is undefined without the header', () => {
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
  });

  it('stays within full jitter of 200 ms × 2^(n−1), capped at 2 s', () => {
    for (let attempt = 1; attempt <= 8; attempt++) {
      const cap = Math.min(2000, 200 * 2 ** (attempt - 1));
      expect(retryDelayMs(attempt, undefined, () => 0)).toBe(0);
      expect(retryDelayMs(attempt, undefined, () => 0.999_999)).toBeLessThan(cap);
      expect(retryDelayMs(attempt, undefined, () => 0.999_999)).toBeGreaterThan(cap * 0.99);
    }
  });

  it('waits at least Retry-After, and at most a tenth (or 1 s) longer', () => {
    expect(retryDelayMs(1, 1000, () => 0)).toBe(1000);
    expect(retryDelayMs(1, 1000, () => 0.999_999)).toBeLessThan(1100);
    expect(retryDelayMs(1, 30_000, () => 0.999_999)).toBeLessThan(31_000);
  });
});
