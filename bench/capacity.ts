import { capacityModel } from '../infra/capacity-model.js';
import { ENVIRONMENTS } from '../infra/config.js';
import type { ResultRow, SectionResult } from './report.js';
import { simulate } from './simulation.js';

export const CAPACITY_SETTINGS = {
  /** Refresh ahead: one key, 10 requests a second over 4 instances, five 120 s lifetimes. */
  refresh: { lifetime: 120, requestsPerSecond: 10, instances: 4, lifetimes: 5 },
  /** The model's check: 10,000 keys, an hour, 40 requests a second, 120 s tokens, 4 instances. */
  model: { keys: 10_000, requestsPerSecond: 40, lifetime: 120, instances: 4 },
  /** The client library's effect: 20 callers over 500 keys at 10 requests a second. */
  client: { keys: 500, requestsPerSecond: 10, lifetime: 120, instances: 4, callers: 20 },
} as const;

const AGREEMENT = 0.1;

/** Section 6: refresh ahead, and the capacity model against the real BrokerService simulated. */
export async function benchCapacity(): Promise<SectionResult> {
  const c = CAPACITY_SETTINGS;
  const rows: ResultRow[] = [];
  const notes: string[] = [];
  const prod = ENVIRONMENTS.prod;

  const refresh = await simulate({
    keys: 1,
    requestsPerSecond: c.refresh.requestsPerSecond,
    lifetime: c.refresh.lifetime,
    instances: c.refresh.instances,
    seconds: c.refresh.lifetime * c.refresh.lifetimes,
  });
  const waits = refresh.sources.maskinporten - 1;
  const seconds = c.refresh.lifetime * c.refresh.lifetimes;
  rows.push({
    metric: `refresh ahead: 1 key × ${c.refresh.requestsPerSecond} req/s over ${c.refresh.instances} instances for ${c.refresh.lifetimes} lifetimes of ${c.refresh.lifetime} s`,
    value: `${refresh.brokerRequests.toLocaleString('en')} answers; after the first, ${waits} from Maskinporten (callers that waited for an upstream call); ${refresh.maskinportenCalls} Maskinporten calls (one per ${c.refresh.lifetime - 36} s renewal: ${Math.ceil(seconds / (c.refresh.lifetime - 36))} at most); answers by source ${JSON.stringify(withoutZeros(refresh.sources))}`,
    goal: '0 waits; ≤ 1 call per renewal',
    met: waits === 0 && refresh.maskinportenCalls <= Math.ceil(seconds / (c.refresh.lifetime - 36)),
  });

  const m = c.model;
  const simulated = await simulate({ ...m });
  const callers = 100;
  const modelled = capacityModel(
    {
      customers: m.keys,
      activePerHour: m.keys,
      scopes: 1,
      lifetime: m.lifetime,
      callers,
      requestsPerCallerPerMin: (m.requestsPerSecond * 60) / callers,
      clientCache: false,
    },
    prod,
  );
  const mpRatio = simulated.maskinportenCalls / modelled.maskinportenRequests.perHour;
  const signRatio = simulated.signatures / modelled.kmsSigns.perHour;
  const waitRatio = simulated.sources.maskinporten / modelled.callerWaits.perHour;
  rows.push(
    {
      metric: `model vs simulation: ${m.keys.toLocaleString('en')} keys, 1 h, ${m.requestsPerSecond} req/s, ${m.lifetime} s tokens, ${m.instances} instances — Maskinporten calls`,
      value: `model ${fmt(modelled.maskinportenRequests.perHour)}, simulated ${fmt(simulated.maskinportenCalls)} (ratio ${mpRatio.toFixed(3)}; simulation took ${(simulated.wallMs / 1000).toFixed(1)} s for ${simulated.brokerRequests.toLocaleString('en')} requests)`,
      goal: `within ${AGREEMENT * 100} %`,
      met: Math.abs(mpRatio - 1) <= AGREEMENT,
    },
    {
      metric: '… KMS signatures',
      value: `model ${fmt(modelled.kmsSigns.perHour)}, simulated ${fmt(simulated.signatures)} (ratio ${signRatio.toFixed(3)})`,
      goal: `within ${AGREEMENT * 100} %`,
      met: Math.abs(signRatio - 1) <= AGREEMENT,
    },
    {
      metric: '… callers that waited for Maskinporten',
      value: `model ${fmt(modelled.callerWaits.perHour)}, simulated ${fmt(simulated.sources.maskinporten)} (ratio ${waitRatio.toFixed(3)})`,
    },
  );

  const cc = c.client;
  const clientSim = await simulate({ ...cc, clientCallers: cc.callers });
  const clientModel = capacityModel(
    {
      customers: cc.keys,
      activePerHour: cc.keys,
      scopes: 1,
      lifetime: cc.lifetime,
      callers: cc.callers,
      requestsPerCallerPerMin: (cc.requestsPerSecond * 60) / cc.callers,
      clientCache: true,
    },
    prod,
  );
  const brokerRatio = clientSim.brokerRequests / clientModel.brokerRequests.perHour;
  rows.push({
    metric: `client library: ${cc.callers} callers × ${cc.keys} keys, ${cc.requestsPerSecond} req/s, ${cc.lifetime} s tokens — broker calls`,
    value: `${fmt(clientSim.callerRequests)} caller requests → ${fmt(clientSim.brokerRequests)} broker calls simulated (${pct(clientSim.brokerRequests / clientSim.callerRequests)} of them), model ${fmt(clientModel.brokerRequests.perHour)} (ratio ${brokerRatio.toFixed(3)})`,
    goal: `within ${AGREEMENT * 100} %`,
    met: Math.abs(brokerRatio - 1) <= AGREEMENT,
  });

  for (const [name, inputs] of VENDORS) {
    const without = capacityModel({ ...inputs, clientCache: false }, prod);
    const withCache = capacityModel({ ...inputs, clientCache: true }, prod);
    notes.push(
      `model, ${name} vendor (${inputs.activePerHour.toLocaleString('en')} active customers × ${inputs.scopes} scopes, ${inputs.callers} callers × ${inputs.requestsPerCallerPerMin}/min, ${inputs.lifetime} s tokens): broker calls ${fmt(without.brokerRequests.perHour)}/h without the client cache, ${fmt(withCache.brokerRequests.perHour)}/h with it; Maskinporten ${fmt(withCache.maskinportenRequests.perHour)}/h; first limit ${withCache.firstLimit.name} at ${(100 * withCache.firstLimit.share).toFixed(0)} %`,
    );
  }
  notes.push(
    `refresh-ahead run: ${refresh.refreshesStarted} refreshes started over the instances (each instance's first request in a window starts one; the lease and the shared cache leave one Maskinporten call per renewal)`,
  );

  return {
    title: '6. Refresh ahead and the capacity model',
    rows,
    notes,
    method: [
      '`bench/simulation.ts` runs the real `BrokerService` (memory caches, one per instance; a shared cache',
      'with the DynamoDB adapter’s lease and write conditions; refresh ahead in the background; the real',
      '`TokenFetcher`) on a virtual clock: requests arrive as a seeded Poisson process spread evenly over the',
      'keys and instances, Maskinporten and the signer answer at once and count, and each request’s',
      'background refresh finishes before the next request (so the figures are counts, not timings).',
      'Refresh ahead: an answer from Maskinporten after the first is a caller that waited for an upstream',
      'call. The model is `infra/capacity-model.ts` (`npm run capacity`) with the same traffic; its',
      'renewal formula assumes an hour from a cold cache, as the simulation runs. The client-library run',
      'gives each caller the client’s own cache rule (`isReusable` from `client/src/token-cache.ts`, margin',
      'min(30 s, lifetime / 4), lifetime from the token) and counts the calls that reach the broker. What',
      'the simulation does not have: DynamoDB and Maskinporten latency (a refresh here is instantaneous,',
      'so its window is never missed for slowness), Lambda instance churn, and the Lambda self-invoke (a',
      'refresh runs in-process); the Lambda path is covered by unit tests.',
    ].join(' '),
  };
}

/** The three vendor sizes of the README's "Capacity" table. */
export const VENDORS = [
  [
    'small',
    {
      customers: 200,
      activePerHour: 50,
      scopes: 2,
      lifetime: 120,
      callers: 4,
      requestsPerCallerPerMin: 60,
    },
  ],
  [
    'medium',
    {
      customers: 5_000,
      activePerHour: 1_000,
      scopes: 3,
      lifetime: 120,
      callers: 40,
      requestsPerCallerPerMin: 300,
    },
  ],
  [
    'large',
    {
      customers: 100_000,
      activePerHour: 20_000,
      scopes: 3,
      lifetime: 120,
      callers: 200,
      requestsPerCallerPerMin: 600,
    },
  ],
] as const;

const fmt = (n: number) => Math.round(n).toLocaleString('en');
const pct = (share: number) => `${(100 * share).toFixed(0)} %`;
const withoutZeros = (record: Record<string, number>) =>
  Object.fromEntries(Object.entries(record).filter(([, n]) => n > 0));
