import type { TokenSource } from '../shared/app/broker-service.js';
import {
  tokenRefreshMarginSeconds,
  tokenRefreshWindowSeconds,
} from '../shared/domain/refresh-margin.js';
import { parseTokenRequest } from '../shared/domain/token-request.js';
import { Deadline } from '../shared/ports/deadline.js';
import type { SharedTokenCache } from '../shared/ports/token-cache.js';
import { type BenchSandbox, createBenchBroker, HIT_BODY, sleep } from './fixtures.js';

/** A clock the scenario moves (the sandbox and the brokers read the same one). */
export interface SteppedClock {
  (): number;
  advance(ms: number): void;
}

export interface RefreshAheadScenario {
  /** The sandbox on `clock`, its token lifetime set to `lifetime`. */
  sandbox: BenchSandbox;
  clock: SteppedClock;
  /** One shared cache per instance (each its own DynamoDB client on the one table). */
  sharedCache: () => SharedTokenCache;
  instances: number;
  lifetime: number;
  lifetimes: number;
  /** Virtual time between two requests (default 100 ms). */
  stepMs?: number;
}

export interface RefreshAheadOutcome {
  requests: number;
  sources: Record<TokenSource, number>;
  /** Answers after the first that came from Maskinporten: callers that waited for upstream. */
  waits: number;
  maskinportenCalls: number;
  /** Renewals the window allows in the run at most: one per (lifetime − window). */
  maxRenewals: number;
  refreshesStarted: number;
  /** Answers whose token had less than its margin left (none may). */
  belowMargin: number;
}

/**
 * One key asked for every `stepMs` of virtual time, round-robin over `instances` brokers (the
 * production composition root, each with its own memory cache and DynamoDB client on one table)
 * against the sandbox Maskinporten, for `lifetimes` token lifetimes. The clock is virtual, the I/O
 * is real: after a request that started a refresh ahead, the scenario waits (in real time) until
 * that instance holds the new token, so every count is deterministic. Counts, not times: which
 * answers came from Maskinporten, and how many token requests the sandbox saw.
 */
export async function runRefreshAhead(
  scenario: RefreshAheadScenario,
): Promise<RefreshAheadOutcome> {
  const stepMs = scenario.stepMs ?? 100;
  const { clock, sandbox } = scenario;
  sandbox.server.maskinporten.setTokenLifetime(scenario.lifetime);
  const brokers = Array.from({ length: scenario.instances }, () =>
    createBenchBroker(sandbox, { shared: scenario.sharedCache(), clock }),
  );
  const request = parseTokenRequest({
    ...HIT_BODY,
    resource: `https://api.example.no/refresh-ahead/${clock()}`,
  });
  const callsBefore = sandbox.server.maskinporten.stats.tokenRequests;
  const sources: Record<TokenSource, number> = {
    memory: 0,
    shared: 0,
    maskinporten: 0,
    altinn: 0,
    stale: 0,
  };
  let belowMargin = 0;
  const margin = tokenRefreshMarginSeconds(scenario.lifetime);
  const steps = Math.floor((scenario.lifetime * scenario.lifetimes * 1000) / stepMs);
  for (let i = 0; i < steps; i++) {
    const broker = brokers[i % brokers.length] as (typeof brokers)[number];
    const started = broker.metrics.get('RefreshAhead');
    const deadline = Deadline.after(6_000, clock);
    try {
      const answer = await broker.runtime.broker.getToken(request, deadline);
      sources[answer.source]++;
      if (answer.expiresIn < margin) belowMargin++;
      if (broker.metrics.get('RefreshAhead') !== started) {
        await untilRenewed(broker, request, answer.token.expiresAt);
      }
    } finally {
      deadline.dispose();
    }
    clock.advance(stepMs);
  }
  const window = tokenRefreshWindowSeconds(scenario.lifetime);
  return {
    requests: steps,
    sources,
    waits: sources.maskinporten - 1,
    maskinportenCalls: sandbox.server.maskinporten.stats.tokenRequests - callsBefore,
    maxRenewals: Math.ceil((scenario.lifetime * scenario.lifetimes) / (scenario.lifetime - window)),
    refreshesStarted: brokers.reduce((n, b) => n + b.metrics.get('RefreshAhead'), 0),
    belowMargin,
  };
}

/** Waits (real time, at most 3 s) until the instance's memory holds a token newer than `expiresAt`. */
async function untilRenewed(
  broker: ReturnType<typeof createBenchBroker>,
  request: ReturnType<typeof parseTokenRequest>,
  expiresAt: number,
): Promise<void> {
  const until = performance.now() + 3_000;
  while (performance.now() < until) {
    const held = broker.runtime.broker.fromMemory({ ...request, minTtl: 0, skipCache: false });
    if (held && held.token.expiresAt > expiresAt) return;
    if (broker.metrics.get('RefreshAheadFailures') > 0) return;
    await sleep(5);
  }
}
