/**
 * Section 5's measurement, in a fresh process started with `--expose-gc` (by `memory.ts`): the
 * heap and RSS a broker's memory cache costs when it holds `entries` tokens of `tokenLength`
 * characters. Maskinporten is a stub `fetch` and the signer a stub, so filling takes no RSA or
 * network time; everything else is the production composition root. Prints one JSON line.
 */
import { randomBytes } from 'node:crypto';
import { DEFAULT_DEADLINE_MS } from '../shared/config/env-config.js';
import { OPEN_POLICY } from '../shared/domain/caller-policy.js';
import { parseTokenRequest } from '../shared/domain/token-request.js';
import { systemClock } from '../shared/ports/clock.js';
import type { GrantSigner } from '../shared/ports/grant-signer.js';
import { silentLogger } from '../shared/ports/logger.js';
import { noMetrics } from '../shared/ports/metrics.js';
import { composeBroker } from '../shared/runtime/compose-broker.js';
import { DEMO } from '../shared/sandbox/demo.js';
import { benchDeadline, bodyForResource } from './fixtures.js';

export interface MemoryFigures {
  entries: number;
  tokenLength: number;
  heapBeforeBytes: number;
  heapAfterBytes: number;
  /** Right after the last fetch, before anything it left behind had time to go. */
  heapRightAfterBytes: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  /** Re-asking for the first key was a memory hit (the cache really holds every entry). */
  firstStillCached: boolean;
}

const ISSUER = 'https://maskinporten.bench.invalid/';

async function main(): Promise<void> {
  const entries = Number(process.argv[2] ?? 10_000);
  const tokenLength = Number(process.argv[3] ?? 1_260);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');

  const signer: GrantSigner = {
    kid: 'bench-kid',
    sign: async () => 'header.payload.signature',
    publicJwk: async () => {
      throw new Error('not used');
    },
  };
  const stubFetch: typeof fetch = async (input) => {
    const url = String(input instanceof Request ? input.url : input);
    const body = url.endsWith('/.well-known/oauth-authorization-server')
      ? { issuer: ISSUER, token_endpoint: `${ISSUER}token` }
      : {
          // A distinct token string per call, as Maskinporten's are.
          access_token: randomBytes(Math.ceil((tokenLength * 3) / 4))
            .toString('base64url')
            .slice(0, tokenLength),
          token_type: 'Bearer',
          expires_in: 3600,
          scope: DEMO.scopes[0],
        };
    return new Response(JSON.stringify(body), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  };
  const runtime = composeBroker(
    {
      issuer: ISSUER,
      clientId: DEMO.clientId,
      policy: OPEN_POLICY,
      deadlineMs: DEFAULT_DEADLINE_MS,
    },
    {
      keys: { active: signer, published: [signer] },
      clock: systemClock,
      logger: silentLogger,
      metrics: noMetrics,
      fetch: stubFetch,
    },
  );
  const broker = runtime.broker;
  // Key 0 first, so lazily built state (metadata, code paths) is in the baseline; the loop then
  // adds keys 1..entries-1, leaving exactly `entries` tokens cached.
  await broker.getToken(parseTokenRequest(bodyForResource(0, 'memory')), benchDeadline());

  gc();
  gc();
  const before = process.memoryUsage();
  const batch = 100;
  for (let start = 1; start < entries; start += batch) {
    const requests = [];
    for (let i = start; i < Math.min(entries, start + batch); i++) {
      requests.push(
        broker.getToken(parseTokenRequest(bodyForResource(i, 'memory')), benchDeadline()),
      );
    }
    await Promise.all(requests);
  }
  gc();
  gc();
  const rightAfter = process.memoryUsage();
  // Anything a fetch left behind (a timer, garbage not yet collected) has had 2.5 s to go: the
  // figure is the cache alone.
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  gc();
  gc();
  const after = process.memoryUsage();
  // The oldest entry: still there unless the LRU bound (default 10,000) is below `entries`.
  const first = await broker.getToken(
    parseTokenRequest(bodyForResource(0, 'memory')),
    benchDeadline(),
  );
  const figures: MemoryFigures = {
    entries,
    tokenLength,
    heapBeforeBytes: before.heapUsed,
    heapAfterBytes: after.heapUsed,
    heapRightAfterBytes: rightAfter.heapUsed,
    rssBeforeBytes: before.rss,
    rssAfterBytes: after.rss,
    firstStillCached: first.source === 'memory',
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

await main();
