import {
  tokenRefreshMarginSeconds,
  tokenRefreshWindowSeconds,
} from '../shared/domain/refresh-margin.js';
import type { BrokerEnvironmentConfig } from './config.js';
import { reservedConcurrency } from './sizing.js';

/**
 * The capacity model behind `npm run capacity`: what a vendor's traffic costs the broker and its
 * upstreams, per hour and at peak, and which limit it meets first. Pure formulas; the README's
 * "Capacity" section derives them and `bench/simulation.ts` checks them against the real
 * `BrokerService` on a virtual clock.
 *
 * Traffic: `activePerHour` customer orgs are active in the hour, each with `scopes` distinct token
 * requests, so K = activePerHour × scopes keys. `callers` internal service processes each make
 * `requestsPerCallerPerMin` outgoing calls that need a token, for a key drawn at random among the K.
 *
 * One key's token renewals in an hour of H seconds, from a cold cache, when requests for it arrive
 * at random (Poisson) at λ per second and a token is renewed by the first request `period` seconds
 * or more after the last renewal (the broker: period = lifetime − refresh window; a client with its
 * own cache: the same span, see below). Renewals form a renewal process with mean gap
 * μ = period + 1/λ (the wait for the next request is memoryless) and a first renewal at the first
 * request; its expected count is
 *
 * ```
 * renewals(λ, period) = H/μ + (1 − a)² / 2,   a = 1/(λμ)
 * ```
 *
 * (a busy key: H/period + ½; a rare one: λH, every request). In steady state (not the first hour)
 * the second term drops.
 */

/** What the operator tells the model. */
export interface CapacityInputs {
  /** Customer orgs with a system user (for context; the traffic is in `activePerHour`). */
  customers: number;
  /** Customer orgs for which tokens are asked in an hour. */
  activePerHour: number;
  /** Distinct token requests (scope sets) per active customer. */
  scopes: number;
  /** The token lifetime Maskinporten gives, seconds (`expires_in`). */
  lifetime: number;
  /** Internal service processes that call the broker. */
  callers: number;
  /** Outgoing calls that need a token, per caller process per minute. */
  requestsPerCallerPerMin: number;
  /** The callers reuse tokens with the client library (`client/`). */
  clientCache: boolean;
  /** The busiest stretch's traffic over the hour's average (default 2). */
  peakFactor?: number;
}

/** What the model assumes about durations and sizes: AWS publishes none of these for us. */
export interface CapacityAssumptions {
  /** Lambda duration of a memory or shared-cache hit, ms. */
  hitMs: number;
  /** Lambda duration of a fetch (KMS Sign + Maskinporten round trip) or a refresh event, ms. */
  fetchMs: number;
  /** Size of a token item, KB (DynamoDB units are per 1 KB written, per 4 KB read). */
  itemKb: number;
  /** Lambda memory, MB (cost per GB-second). */
  memoryMb: number;
  /** Broker instances (memory caches); default: Lambda's concurrency, at least one. */
  instances?: number;
}

export const DEFAULT_ASSUMPTIONS: CapacityAssumptions = {
  hitMs: 10,
  fetchMs: 400,
  itemKb: 2,
  memoryMb: 512,
};

/**
 * List prices in USD used for the cost lines (us-east-1-style list prices at the time of writing;
 * check your region's pricing pages before quoting them).
 */
export const PRICES = {
  /** API Gateway REST API, per million requests (first 333 million a month). */
  apiGatewayPerMillion: 3.5,
  /** DynamoDB on-demand, per million write / read request units. */
  dynamoWritePerMillion: 0.625,
  dynamoReadPerMillion: 0.125,
  /** Lambda (arm64), per million requests and per GB-second. */
  lambdaPerMillion: 0.2,
  lambdaPerGbSecond: 0.0000133334,
  /** KMS asymmetric requests, per 10,000 (confirm for RSA_2048 on the KMS pricing page). */
  kmsPer10k: 0.03,
} as const;

/** Service quotas the model checks against (defaults; an account may have raised them). */
export const QUOTAS = {
  /** KMS "Cryptographic operations (RSA) request rate", shared by the account and region (L-2AC98190). */
  kmsRsaPerSecond: 500,
  /** Lambda "Concurrent executions" default for an account and region (L-B99A9384). */
  lambdaAccountConcurrency: 1000,
  /** DynamoDB on-demand table's default maximum read and write request units per second. */
  dynamoTableUnitsPerSecond: 40_000,
} as const;

/** One rate: per hour, and per second at peak. */
export interface Rate {
  perHour: number;
  peakPerSecond: number;
}

export interface CapacityFigures {
  keys: number;
  marginSeconds: number;
  windowSeconds: number;
  /** Outgoing calls of all callers that need a token. */
  callerRequests: Rate;
  /** Calls that reach the broker (API Gateway requests). */
  brokerRequests: Rate;
  maskinportenRequests: Rate;
  kmsSigns: Rate;
  /** Broker requests that waited for Maskinporten (no token in the window to serve). */
  callerWaits: Rate;
  refreshEvents: Rate;
  lambdaInvocations: Rate;
  lambdaConcurrencyAtPeak: number;
  dynamoReadUnits: Rate;
  dynamoWriteUnits: Rate;
  costPerHour: {
    apiGateway: number;
    lambda: number;
    dynamoDb: number;
    kms: number;
    total: number;
  };
  limits: LimitCheck[];
  /** The limit with the highest share in use at peak. */
  firstLimit: LimitCheck;
}

export interface LimitCheck {
  name: string;
  /** What the model needs at peak. */
  demand: number;
  limit: number;
  unit: string;
  /** demand / limit: above 1 the limit is hit. */
  share: number;
}

const HOUR = 3600;

/** Expected renewals in an hour from cold (see the module comment). */
export function renewalsPerHour(ratePerSecond: number, periodSeconds: number, hour = HOUR): number {
  if (!(ratePerSecond > 0)) return 0;
  const mean = Math.max(periodSeconds, 0) + 1 / ratePerSecond;
  const a = 1 / (ratePerSecond * mean);
  return hour / mean + (1 - a) ** 2 / 2;
}

/**
 * How long a client reuses a token before calling the broker again: with the broker renewing a
 * busy key at `lifetime − window` and the client letting go of a token `clientMargin` before its
 * end, a client that comes back finds the broker's new token with `lifetime − window + margin`
 * left and holds it for `lifetime − window`. The client's margin (`client/src/token-cache.ts`):
 * min(30 s, lifetime / 4).
 */
export function clientReuseSeconds(lifetime: number): number {
  const clientMargin = Math.min(30, lifetime / 4);
  const window = tokenRefreshWindowSeconds(lifetime);
  // A window shorter than the client's margin (short tokens) leaves the client the broker's rest.
  return window >= clientMargin ? lifetime - window : lifetime - clientMargin;
}

/** Lambda concurrency: requests in flight at once (Little's law on the assumed durations). */
function concurrencyOf(assumptions: CapacityAssumptions, brokerRate: number, fetchRate: number) {
  return brokerRate * (assumptions.hitMs / 1000) + fetchRate * (assumptions.fetchMs / 1000);
}

/** Broker instances, each with its own memory cache: as many as Lambda's concurrency, at least one. */
function instancesOf(assumptions: CapacityAssumptions, brokerRate: number, fetchRate: number) {
  return (
    assumptions.instances ??
    Math.max(1, Math.ceil(concurrencyOf(assumptions, brokerRate, fetchRate)))
  );
}

/** The model at one traffic level (requests per second from all callers). */
function atRate(inputs: CapacityInputs, callerRate: number, assumptions: CapacityAssumptions) {
  const keys = inputs.activePerHour * inputs.scopes;
  const margin = tokenRefreshMarginSeconds(inputs.lifetime);
  const window = tokenRefreshWindowSeconds(inputs.lifetime);
  const brokerPeriod = inputs.lifetime - window;
  // Broker calls: every caller request, or (client cache) one per reuse span per caller and key.
  let brokerRate = callerRate;
  if (inputs.clientCache && inputs.callers > 0 && keys > 0) {
    const perCallerKey = callerRate / inputs.callers / keys;
    const calls = renewalsPerHour(perCallerKey, clientReuseSeconds(inputs.lifetime));
    const reuse = (inputs.callers * keys * calls) / HOUR;
    // Every instance that serves a key answers one request per renewal with the token it still
    // holds, inside the window (the instance that refreshes, and each that learns of the new token
    // only on its next request): a client given such a token asks again at its next request, one
    // call more if that request comes within the reuse span it would otherwise have had.
    const span = clientReuseSeconds(inputs.lifetime);
    const perKeyReuse = reuse / keys;
    const renewals = renewalsPerHour(perKeyReuse, brokerPeriod);
    const cycleReuse = brokerPeriod + 1 / perKeyReuse;
    const serving = instancesOf(assumptions, reuse, 0);
    const windowAnswers = serving * (1 - Math.exp(-(perKeyReuse * cycleReuse) / serving));
    const extra = windowAnswers * (1 - Math.exp(-perCallerKey * span));
    brokerRate = Math.min(callerRate, reuse + (keys * renewals * extra) / HOUR);
  }
  const perKey = keys > 0 ? brokerRate / keys : 0;
  const fetchesPerKey = renewalsPerHour(perKey, brokerPeriod);
  const maskinporten = (keys * fetchesPerKey) / HOUR;
  // A caller waits when no request fell in the window to start the refresh, and on a cold key.
  const noRequestInWindow = Math.exp(-perKey * (window - margin));
  const coldKeys = keys * (1 - Math.exp(-perKey * HOUR));
  const waits = (coldKeys + keys * Math.max(0, fetchesPerKey - 1) * noRequestInWindow) / HOUR;
  const refreshes = Math.max(0, maskinporten - waits);
  const concurrency = concurrencyOf(assumptions, brokerRate, maskinporten);
  const instances = instancesOf(assumptions, brokerRate, maskinporten);
  // Each instance that sees a key in a cycle needs the new token once: one read; a refresh reads
  // (consistently) and writes the lease and the token.
  const cycle = brokerPeriod + (perKey > 0 ? 1 / perKey : 0);
  const touching = instances * (1 - Math.exp(-(perKey * cycle) / instances));
  const readsPerFetch = touching * 0.5 + 1;
  const writeUnitsPerItem = Math.ceil(assumptions.itemKb);
  const readUnits = maskinporten * readsPerFetch;
  const writeUnits = maskinporten * 2 * writeUnitsPerItem;
  return {
    keys,
    margin,
    window,
    brokerRate,
    maskinporten,
    waits,
    refreshes,
    concurrency,
    readUnits,
    writeUnits,
  };
}

/** The model for `inputs` against `config`'s limits. */
export function capacityModel(
  inputs: CapacityInputs,
  config: Pick<BrokerEnvironmentConfig, 'api' | 'function' | 'deadlineMs'>,
  assumptions: CapacityAssumptions = DEFAULT_ASSUMPTIONS,
): CapacityFigures {
  const peakFactor = inputs.peakFactor ?? 2;
  const callerRate = (inputs.callers * inputs.requestsPerCallerPerMin) / 60;
  const hour = atRate(inputs, callerRate, assumptions);
  const peak = atRate(inputs, callerRate * peakFactor, assumptions);
  const rate = (perSecondHour: number, perSecondPeak: number): Rate => ({
    perHour: perSecondHour * HOUR,
    peakPerSecond: perSecondPeak,
  });
  const lambdaHour = hour.brokerRate + hour.refreshes;
  const lambdaPeak = peak.brokerRate + peak.refreshes;
  const gbSeconds =
    (assumptions.memoryMb / 1024) *
    HOUR *
    (hour.brokerRate * (assumptions.hitMs / 1000) +
      hour.maskinporten * (assumptions.fetchMs / 1000));
  const cost = {
    apiGateway: (hour.brokerRate * HOUR * PRICES.apiGatewayPerMillion) / 1e6,
    lambda:
      (lambdaHour * HOUR * PRICES.lambdaPerMillion) / 1e6 + gbSeconds * PRICES.lambdaPerGbSecond,
    dynamoDb:
      (hour.readUnits * HOUR * PRICES.dynamoReadPerMillion) / 1e6 +
      (hour.writeUnits * HOUR * PRICES.dynamoWritePerMillion) / 1e6,
    kms: (hour.maskinporten * HOUR * PRICES.kmsPer10k) / 1e4,
  };
  const reserved = reservedConcurrency(config);
  const limits: LimitCheck[] = [
    limit(
      'KMS RSA request rate (account + region)',
      peak.maskinporten,
      QUOTAS.kmsRsaPerSecond,
      'Sign/s',
    ),
    limit(
      'API Gateway stage throttle (rate)',
      peak.brokerRate,
      config.api.throttlingRateLimit,
      'req/s',
    ),
    limit('Lambda reserved concurrency', peak.concurrency, reserved, 'concurrent'),
    limit(
      'Lambda account concurrency (default quota)',
      peak.concurrency,
      QUOTAS.lambdaAccountConcurrency,
      'concurrent',
    ),
    limit(
      'DynamoDB on-demand table reads',
      peak.readUnits,
      QUOTAS.dynamoTableUnitsPerSecond,
      'RRU/s',
    ),
    limit(
      'DynamoDB on-demand table writes',
      peak.writeUnits,
      QUOTAS.dynamoTableUnitsPerSecond,
      'WRU/s',
    ),
  ];
  const firstLimit = limits.reduce((a, b) => (b.share > a.share ? b : a));
  return {
    keys: hour.keys,
    marginSeconds: hour.margin,
    windowSeconds: hour.window,
    callerRequests: rate(callerRate, callerRate * peakFactor),
    brokerRequests: rate(hour.brokerRate, peak.brokerRate),
    maskinportenRequests: rate(hour.maskinporten, peak.maskinporten),
    kmsSigns: rate(hour.maskinporten, peak.maskinporten),
    callerWaits: rate(hour.waits, peak.waits),
    refreshEvents: rate(hour.refreshes, peak.refreshes),
    lambdaInvocations: rate(lambdaHour, lambdaPeak),
    lambdaConcurrencyAtPeak: peak.concurrency,
    dynamoReadUnits: rate(hour.readUnits, peak.readUnits),
    dynamoWriteUnits: rate(hour.writeUnits, peak.writeUnits),
    costPerHour: { ...cost, total: cost.apiGateway + cost.lambda + cost.dynamoDb + cost.kms },
    limits,
    firstLimit,
  };
}

function limit(name: string, demand: number, max: number, unit: string): LimitCheck {
  return {
    name,
    demand,
    limit: max,
    unit,
    share: max > 0 ? demand / max : Number.POSITIVE_INFINITY,
  };
}
