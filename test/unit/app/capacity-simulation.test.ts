import { describe, expect, it } from 'vitest';
import { simulate } from '../../../bench/simulation.js';
import { capacityModel, DEFAULT_ASSUMPTIONS } from '../../../infra/capacity-model.js';
import { ENVIRONMENTS } from '../../../infra/config.js';

// Issue 13 §2: the capacity model agrees with the real BrokerService (simulated on a virtual
// clock, bench/simulation.ts) within 10 % on Maskinporten calls and signatures. `npm run bench`
// runs 10,000 keys; this is the small version CI runs. Counts from a seeded run: deterministic.

describe('the capacity model against a simulated hour of the real BrokerService', () => {
  it('agrees on Maskinporten calls, signatures and waits (300 keys, 3 req/s, 120 s tokens)', async () => {
    const simulated = await simulate({
      keys: 300,
      requestsPerSecond: 3,
      lifetime: 120,
      instances: 3,
    });
    const model = capacityModel(
      {
        customers: 300,
        activePerHour: 300,
        scopes: 1,
        lifetime: 120,
        callers: 10,
        requestsPerCallerPerMin: 18,
        clientCache: false,
      },
      ENVIRONMENTS.prod,
    );
    expect(
      Math.abs(simulated.maskinportenCalls / model.maskinportenRequests.perHour - 1),
    ).toBeLessThan(0.1);
    expect(Math.abs(simulated.signatures / model.kmsSigns.perHour - 1)).toBeLessThan(0.1);
    expect(Math.abs(simulated.sources.maskinporten / model.callerWaits.perHour - 1)).toBeLessThan(
      0.1,
    );
  });

  it('agrees on broker calls with the client library cache (10 callers coming back to 20 keys)', async () => {
    const simulated = await simulate({
      keys: 20,
      requestsPerSecond: 5,
      lifetime: 120,
      instances: 2,
      clientCallers: 10,
    });
    const model = capacityModel(
      {
        customers: 20,
        activePerHour: 20,
        scopes: 1,
        lifetime: 120,
        callers: 10,
        requestsPerCallerPerMin: 30,
        clientCache: true,
      },
      ENVIRONMENTS.prod,
      { ...DEFAULT_ASSUMPTIONS, instances: 2 },
    );
    expect(simulated.brokerRequests).toBeLessThan(simulated.callerRequests / 2);
    expect(Math.abs(simulated.brokerRequests / model.brokerRequests.perHour - 1)).toBeLessThan(0.1);
    expect(
      Math.abs(simulated.maskinportenCalls / model.maskinportenRequests.perHour - 1),
    ).toBeLessThan(0.1);
  });

  it('refresh ahead: a key asked 10 times a second over 4 instances for five lifetimes costs no caller a wait', async () => {
    const simulated = await simulate({
      keys: 1,
      requestsPerSecond: 10,
      lifetime: 120,
      instances: 4,
      seconds: 600,
    });
    expect(simulated.sources.maskinporten).toBe(1);
    expect(simulated.maskinportenCalls).toBeLessThanOrEqual(Math.ceil(600 / 84));
    expect(simulated.maskinportenCalls).toBeGreaterThanOrEqual(Math.floor(600 / 120));
  });
});
