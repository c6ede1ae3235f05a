import { describe, expect, it } from 'vitest';
import {
  capacityModel,
  clientReuseSeconds,
  QUOTAS,
  renewalsPerHour,
} from '../../infra/capacity-model.js';
import { ENVIRONMENTS } from '../../infra/config.js';
import { formatCapacity, runCapacity } from '../../infra/ops/capacity.js';
import { reservedConcurrency } from '../../infra/sizing.js';

// The formulas of `npm run capacity` (issue 13 §2). The simulation in bench/simulation.ts (and its
// small version in test/integration/shared-cache/capacity-simulation.test.ts) checks them against
// the real BrokerService.

const VENDOR = {
  customers: 100_000,
  activePerHour: 20_000,
  scopes: 3,
  lifetime: 120,
  callers: 200,
  requestsPerCallerPerMin: 600,
  clientCache: false,
};

describe('renewalsPerHour: one key, Poisson requests, renewed by the first request a period after the last', () => {
  it('a busy key is renewed once per period, plus half a renewal for the cold start', () => {
    expect(renewalsPerHour(1_000, 84)).toBeCloseTo(3600 / 84 + 0.5, 1);
  });

  it('a rare key is renewed at almost every request', () => {
    const rate = 1 / 7200;
    expect(renewalsPerHour(rate, 84)).toBeCloseTo(3600 * rate, 1);
  });

  it('grows with the request rate and shrinks with the period', () => {
    expect(renewalsPerHour(0.1, 84)).toBeGreaterThan(renewalsPerHour(0.01, 84));
    expect(renewalsPerHour(0.1, 84)).toBeGreaterThan(renewalsPerHour(0.1, 480));
    expect(renewalsPerHour(0, 84)).toBe(0);
  });
});

describe('clientReuseSeconds: how long a caller holds a token before it asks again', () => {
  it.each([
    [120, 84],
    [600, 480],
    [3600, 3480],
    [30, 15],
  ])('a %i s token is reused %i s', (lifetime, reuse) => {
    expect(clientReuseSeconds(lifetime)).toBe(reuse);
  });
});

describe('capacityModel', () => {
  const prod = ENVIRONMENTS.prod;

  it('counts keys, and one KMS signature per Maskinporten request', () => {
    const figures = capacityModel(VENDOR, prod);
    expect(figures.keys).toBe(60_000);
    expect(figures.kmsSigns).toEqual(figures.maskinportenRequests);
    expect(figures.windowSeconds).toBe(36);
    expect(figures.marginSeconds).toBe(24);
  });

  it("the issue's large vendor (20k active customers, 3 scopes, 120 s tokens) needs more than the 500/s RSA quota", () => {
    const figures = capacityModel(VENDOR, prod);
    // Busy keys cost 60,000 / 84 s ≈ 714 Sign/s; this traffic leaves some keys cool.
    expect(figures.kmsSigns.peakPerSecond).toBeGreaterThan(QUOTAS.kmsRsaPerSecond);
    expect(figures.kmsSigns.peakPerSecond).toBeLessThan(60_000 / 84);
    const kms = figures.limits.find((check) => check.name.startsWith('KMS'));
    expect(kms?.share).toBeGreaterThan(1);
  });

  it('a 600 s token lifetime brings the same vendor under the KMS quota', () => {
    const figures = capacityModel({ ...VENDOR, lifetime: 600 }, prod);
    expect(figures.kmsSigns.peakPerSecond).toBeLessThan(QUOTAS.kmsRsaPerSecond);
  });

  it('the client cache removes most broker calls when callers come back to the same keys', () => {
    const small = { ...VENDOR, activePerHour: 100, customers: 1_000, callers: 20 };
    const without = capacityModel(small, prod);
    const withCache = capacityModel({ ...small, clientCache: true }, prod);
    expect(withCache.brokerRequests.perHour).toBeLessThan(without.brokerRequests.perHour / 3);
    // Each caller asks about once per reuse span per key it uses: 20 × 300 keys × 3600 / 84 at most.
    expect(withCache.brokerRequests.perHour).toBeLessThan((20 * 300 * 3600) / 84 + 20 * 300);
  });

  it('names the limit with the highest share in use as the first one', () => {
    const figures = capacityModel(VENDOR, prod);
    const highest = Math.max(...figures.limits.map((check) => check.share));
    expect(figures.firstLimit.share).toBe(highest);
    const concurrency = figures.limits.find(
      (check) => check.name === 'Lambda reserved concurrency',
    );
    expect(concurrency?.limit).toBe(reservedConcurrency(prod));
    const throttle = figures.limits.find((check) => check.name.startsWith('API Gateway'));
    expect(throttle?.limit).toBe(prod.api.throttlingRateLimit);
  });

  it('prices the hour from its parts', () => {
    const { costPerHour } = capacityModel(VENDOR, prod);
    expect(costPerHour.total).toBeCloseTo(
      costPerHour.apiGateway + costPerHour.lambda + costPerHour.dynamoDb + costPerHour.kms,
      6,
    );
    // 7.2 M API Gateway requests at $3.50 per million.
    expect(costPerHour.apiGateway).toBeCloseTo(7.2 * 3.5, 1);
  });
});

describe('npm run capacity', () => {
  const args = [
    '--customers',
    '100000',
    '--active-per-hour',
    '20000',
    '--scopes',
    '3',
    '--lifetime',
    '120',
    '--callers',
    '200',
    '--requests-per-caller-per-min',
    '600',
  ];

  it('prints the figures and the first limit', () => {
    let text = '';
    const code = runCapacity(args, { write: (chunk: string) => (text += chunk) });
    expect(code).toBe(0);
    expect(text).toContain('Maskinporten token requests');
    expect(text).toContain('KMS RSA request rate');
    expect(text).toMatch(/first limit: /);
  });

  it('refuses a missing or non-positive number with the usage (exit 2)', () => {
    let text = '';
    const write = (chunk: string) => (text += chunk);
    expect(runCapacity(args.slice(2), { write })).toBe(2);
    expect(text).toContain('--customers must be a positive number');
    expect(runCapacity([...args.slice(0, -1), '0'], { write })).toBe(2);
    expect(runCapacity([...args, '--bogus'], { write })).toBe(2);
  });

  it('formats with and without the client cache', () => {
    const prod = ENVIRONMENTS.prod;
    const text = formatCapacity(
      { ...VENDOR, clientCache: true },
      prod,
      capacityModel({ ...VENDOR, clientCache: true }, prod),
    );
    expect(text).toContain('client library cache');
  });
});
