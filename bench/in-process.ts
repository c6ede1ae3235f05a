import { DynamoDbTokenCache } from '../shared/adapters/dynamodb/dynamodb-token-cache.js';
import type { TokenResult } from '../shared/app/broker-service.js';
import { tokenCacheKey } from '../shared/domain/cache-key.js';
import { parseTokenRequest } from '../shared/domain/token-request.js';
import { readJsonBody } from '../shared/http/json-body.js';
import { jsonResponse } from '../shared/http/responses.js';
import { TOKEN_SOURCE_HEADER } from '../shared/http/token-route.js';
import { startDynaliteProcess } from './dynalite-process.js';
import {
  type BenchSandbox,
  benchDeadline,
  bodyForResource,
  createBenchBroker,
  HIT_BODY,
  startBenchSandbox,
  tokenApiRequest,
} from './fixtures.js';
import type { ResultRow, SectionResult } from './report.js';
import { at, duration, type LatencySummary, timeAsync, timeSync } from './stats.js';

export const IN_PROCESS_COUNTS = {
  hitSamples: 50_000,
  hitWarmup: 5_000,
  dynamoSamples: 20_000,
  dynamoWarmup: 1_000,
  missSamples: 300,
  missWarmup: 20,
  componentSamples: 50_000,
} as const;

const MEMORY_HIT_P99_GOAL_MS = 0.2;

/** Section 1: `BrokerService.getToken` and its parts, called in-process (no HTTP to the broker). */
export async function benchInProcess(): Promise<SectionResult & { tokenLength: number }> {
  const c = IN_PROCESS_COUNTS;
  // An hour-long token: nothing in this section reaches the refresh margin mid-run.
  const sandbox = await startBenchSandbox({ tokenLifetimeSeconds: 3600 });
  const rows: ResultRow[] = [];
  const notes: string[] = [];
  let tokenLength = 0;
  try {
    const { runtime } = createBenchBroker(sandbox);
    const broker = runtime.broker;
    const hitRequest = parseTokenRequest(HIT_BODY);
    tokenLength = expectSource(await broker.getToken(hitRequest, benchDeadline()), 'maskinporten')
      .token.accessToken.length;

    const memoryHit = await timeAsync(() => broker.getToken(hitRequest, benchDeadline()), {
      warmup: c.hitWarmup,
      iterations: c.hitSamples,
    });
    expectSource(await broker.getToken(hitRequest, benchDeadline()), 'memory');
    rows.push(
      latencyRow('getToken, memory hit', memoryHit, {
        goal: `p99 < ${MEMORY_HIT_P99_GOAL_MS} ms`,
        met: memoryHit.p99Ms < MEMORY_HIT_P99_GOAL_MS,
      }),
    );

    const apiRequest = tokenApiRequest(HIT_BODY);
    const apiHit = await timeAsync(async () => runtime.api(apiRequest), {
      warmup: c.hitWarmup,
      iterations: c.hitSamples,
    });
    rows.push(latencyRow('API handler (POST /v1/token, no socket), memory hit', apiHit));

    const identity = broker.identity;
    const parsedBody = readJsonBody(apiRequest);
    const validateAndKey = timeSync(() => tokenCacheKey(identity, parseTokenRequest(parsedBody)), {
      warmup: c.hitWarmup,
      iterations: c.componentSamples,
    });
    rows.push(latencyRow('component: parseTokenRequest + tokenCacheKey', validateAndKey));
    const validateOnly = timeSync(() => parseTokenRequest(parsedBody), {
      warmup: c.hitWarmup,
      iterations: c.componentSamples,
    });
    rows.push(latencyRow('component: parseTokenRequest alone', validateOnly));
    const keyOnly = timeSync(() => tokenCacheKey(identity, hitRequest), {
      warmup: c.hitWarmup,
      iterations: c.componentSamples,
    });
    rows.push(latencyRow('component: tokenCacheKey alone', keyOnly));
    const bodyOnly = timeSync(() => readJsonBody(apiRequest), {
      warmup: c.hitWarmup,
      iterations: c.componentSamples,
    });
    rows.push(latencyRow('component: readJsonBody (media type, UTF-8, JSON.parse)', bodyOnly));
    // The token answer as `token-route.ts` builds it: the same fields, headers and serialiser.
    const answer = await broker.getToken(hitRequest, benchDeadline());
    const respond = timeSync(
      () =>
        jsonResponse(
          200,
          {
            access_token: answer.token.accessToken,
            token_type: answer.token.tokenType,
            expires_in: answer.expiresIn,
            scope: answer.token.scope,
          },
          { [TOKEN_SOURCE_HEADER]: answer.source },
        ),
      { warmup: c.hitWarmup, iterations: c.componentSamples },
    );
    rows.push(latencyRow('component: jsonResponse for the token answer', respond));

    const missRequests = Array.from({ length: c.missWarmup + c.missSamples }, (_, i) =>
      parseTokenRequest(bodyForResource(i, 'miss')),
    );
    const tokenRequestsBefore = sandbox.server.maskinporten.stats.tokenRequests;
    const miss = await timeAsync(
      async (i) =>
        expectSource(await broker.getToken(at(missRequests, i), benchDeadline()), 'maskinporten'),
      { warmup: c.missWarmup, iterations: c.missSamples },
    );
    // Warm-up calls are misses too (distinct keys), so they index the same array.
    const missCalls = sandbox.server.maskinporten.stats.tokenRequests - tokenRequestsBefore;
    rows.push(latencyRow('getToken, miss → sandbox Maskinporten (memory cache only)', miss));
    notes.push(`the sandbox's system-user token is ${tokenLength} characters`);
    notes.push(
      `miss run: ${missCalls} token requests reached the sandbox for ${c.missWarmup + c.missSamples} distinct keys`,
    );

    rows.push(...(await dynamoRows(sandbox, notes)));
  } finally {
    await sandbox.close();
  }
  return {
    tokenLength,
    title: '1. In-process getToken latency',
    rows,
    notes,
    method: [
      `Each figure is ${c.hitSamples.toLocaleString('en')} (hits and components), ${c.dynamoSamples.toLocaleString('en')} (DynamoDB hits) or ${c.missSamples} (misses) sequential calls,`,
      'each timed with `process.hrtime.bigint()` around the call and its `await`, after an untimed warm-up',
      `(${c.hitWarmup.toLocaleString('en')} / ${c.dynamoWarmup.toLocaleString('en')} / ${c.missWarmup} calls). The broker is the production composition root`,
      '(`composeBroker`) with a file signer, a silent logger and in-memory metrics, talking over loopback HTTP to the',
      'sandbox Maskinporten (token lifetime 3600 s so no refresh falls inside a run). The request is a system-user token',
      '(`scope` + `org`). Misses use a distinct `resource` per call, so every call is a new cache key: RS256 signing,',
      'one HTTP round trip to the sandbox (which verifies the grant) and the cache write. DynamoDB hits use dynalite',
      '(in-memory DynamoDB in a child process of its own, reached over loopback HTTP by a client with the production',
      'token-table settings, so the figure is SDK + HTTP + dynalite, not AWS latency) and a',
      'broker whose memory cache holds **one** entry while the loop alternates between **two** keys: every call misses',
      'memory, reads the item through `GuardedSharedCache` → `SealedSharedCache` (AES-256-GCM, derived key) → `DynamoDbTokenCache` (eventually consistent GetItem), finds',
      'it fresh and writes it back to memory, evicting the other key. The `CacheHitShared` counter confirms every call',
      'was a shared hit. "API handler" is the transport-neutral `POST /v1/token` handler (body parse, validation,',
      'authorisation, getToken, audit line, JSON response) without a socket.',
    ].join(' '),
  };
}

async function dynamoRows(sandbox: BenchSandbox, notes: string[]): Promise<ResultRow[]> {
  const c = IN_PROCESS_COUNTS;
  const db = await startDynaliteProcess();
  try {
    const shared = new DynamoDbTokenCache({ client: db.createClient(), tableName: db.tableName });
    const { runtime, metrics } = createBenchBroker(sandbox, { shared, memoryEntries: 1 });
    const broker = runtime.broker;
    const pair = [0, 1].map((i) => parseTokenRequest(bodyForResource(i, 'dynamodb')));
    for (const request of pair)
      expectSource(await broker.getToken(request, benchDeadline()), 'maskinporten');
    metrics.reset();
    const hit = await timeAsync((i) => broker.getToken(at(pair, i % 2), benchDeadline()), {
      warmup: c.dynamoWarmup,
      iterations: c.dynamoSamples,
    });
    const calls = c.dynamoWarmup + c.dynamoSamples;
    const sharedHits = metrics.get('CacheHitShared');
    notes.push(
      `DynamoDB-hit run: ${sharedHits} of ${calls} calls were CacheHitShared, ${metrics.get('CacheHitMemory')} CacheHitMemory, ${metrics.get('CacheMiss')} CacheMiss, ${metrics.get('CacheErrors')} CacheErrors`,
    );

    const missRequests = Array.from({ length: c.missWarmup + c.missSamples }, (_, i) =>
      parseTokenRequest(bodyForResource(i, 'dynamodb-miss')),
    );
    const miss = await timeAsync(
      async (i) =>
        expectSource(await broker.getToken(at(missRequests, i), benchDeadline()), 'maskinporten'),
      { warmup: c.missWarmup, iterations: c.missSamples },
    );
    return [
      latencyRow('getToken, DynamoDB hit (dynalite; memory misses)', hit, {
        note: sharedHits === calls ? undefined : 'not every call was a shared hit',
      }),
      latencyRow('getToken, miss → sandbox with DynamoDB (read, lease, fetch, put)', miss),
    ];
  } finally {
    await db.close();
  }
}

function expectSource(result: TokenResult, source: TokenResult['source']): TokenResult {
  if (result.source !== source)
    throw new Error(`expected a ${source} answer, got ${result.source}`);
  return result;
}

function latencyRow(
  metric: string,
  summary: LatencySummary,
  extra: { goal?: string; met?: boolean; note?: string | undefined } = {},
): ResultRow {
  const value = `p50 ${duration(summary.p50Ms)}, p99 ${duration(summary.p99Ms)} (n=${summary.samples.toLocaleString('en')})${extra.note ? ` — ${extra.note}` : ''}`;
  return {
    metric,
    value,
    goal: extra.goal,
    met: extra.met,
  };
}
