import { capacityModel, DEFAULT_ASSUMPTIONS } from '../infra/capacity-model.js';
import { ENVIRONMENTS } from '../infra/config.js';
import { DynamoDbTokenCache } from '../shared/adapters/dynamodb/dynamodb-token-cache.js';
import { startDynaliteProcess } from './dynalite-process.js';
import { startBenchSandbox } from './fixtures.js';
import { runRefreshAhead } from './refresh-ahead.js';
import type { ResultRow, SectionResult } from './report.js';
import { simulate } from './simulation.js';

export const CAPACITY_SETTINGS = {
  /** Refresh ahead: one key every 100 ms over 4 instances on dynalite, five 30 s lifetimes. */
  refresh: { lifetime: 30, stepMs: 100, instances: 4, lifetimes: 5 },
  /** The model's check: 10,000 keys, an hour, 40 requests a second, 120 s tokens, 4 instances. */
  model: { keys: 10_000, requestsPerSecond: 40, lifetime: 120, instances: 4 },
  /** The client library's effect: 10 callers that come back to 20 keys, 20 requests a second. */
  client: { keys: 20, requestsPerSecond: 20, lifetime: 120, instances: 4, callers: 10 },
} as const;

const AGREEMENT = 0.1;

/** Section 6: refresh ahead, and the capacity model against the real BrokerService simulated. */
export async function benchCapacity(): Promise<SectionResult> {
  const c = CAPACITY_SETTINGS;
  const rows: ResultRow[] = [];
  const notes: string[] = [];
  const prod = ENVIRONMENTS.prod;

  const refresh = await refreshAheadOnDynalite();
  rows.push({
    metric: `refresh ahead: 1 key every ${c.refresh.stepMs} ms over ${c.refresh.instances} instances sharing a dynalite table, ${c.refresh.lifetimes} lifetimes of ${c.refresh.lifetime} s (sandbox)`,
    value: `${refresh.requests.toLocaleString('en')} answers; after the first, ${refresh.waits} from Maskinporten (callers that waited for an upstream call); ${refresh.maskinportenCalls} Maskinporten calls (at most ${refresh.maxRenewals}: one per lifetime − window); answers by source ${JSON.stringify(withoutZeros(refresh.sources))}; ${refresh.belowMargin} answers inside the margin`,
    goal: '0 waits; ≤ 1 call per renewal',
    met:
      refresh.waits === 0 &&
      refresh.belowMargin === 0 &&
      refresh.maskinportenCalls <= refresh.maxRenewals,
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
    { ...DEFAULT_ASSUMPTIONS, instances: cc.instances },
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
      'Refresh ahead (`bench/refresh-ahead.ts`, also a test): the production composition root, one per',
      'instance with its own memory cache and DynamoDB client, on one dynalite table (a child process)',
      'and the sandbox Maskinporten, on a virtual clock the sandbox shares; one key is asked for every',
      '100 ms of that clock, round-robin over the instances; the I/O is real, and after a request that',
      'started a refresh the run waits (in real time) for the instance to hold the new token, so the',
      'counts do not depend on the machine. An answer from Maskinporten after the first is a caller',
      'that waited for an upstream call. The capacity model:',
      '`bench/simulation.ts` runs the real `BrokerService` (memory caches, one per instance; a shared cache',
      'with the DynamoDB adapter’s lease and write conditions; refresh ahead in the background; the real',
      '`TokenFetcher`) on a virtual clock: requests arrive as a seeded Poisson process spread evenly over the',
      'keys and instances, Maskinporten and the signer answer at once and count, and each request’s',
      'background refresh finishes before the next request (so the figures are counts, not timings).',
      'The model is `infra/capacity-model.ts` (`npm run capacity`) with the same traffic; its',
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

/** The refresh-ahead scenario on dynalite in a child process and the sandbox, on a stepped clock. */
async function refreshAheadOnDynalite() {
  const c = CAPACITY_SETTINGS.refresh;
  let now = Date.UTC(2026, 0, 15, 12);
  const clock = Object.assign(() => now, {
    advance: (ms: number) => {
      now += ms;
    },
  });
  const sandbox = await startBenchSandbox({ clock, tokenLifetimeSeconds: c.lifetime });
  const db = await startDynaliteProcess();
  try {
    return await runRefreshAhead({
      sandbox,
      clock,
      sharedCache: () =>
        new DynamoDbTokenCache({ client: db.createClient(), tableName: db.tableName }),
      instances: c.instances,
      lifetime: c.lifetime,
      lifetimes: c.lifetimes,
      stepMs: c.stepMs,
    });
  } finally {
    await db.close();
    await sandbox.close();
  }
}
