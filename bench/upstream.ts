import { SignCommand } from '@aws-sdk/client-kms';
import { DynamoDbTokenCache } from '../shared/adapters/dynamodb/dynamodb-token-cache.js';
import { createKmsGrantSigner } from '../shared/adapters/signing/kms-grant-signer.js';
import type { TokenResult } from '../shared/app/broker-service.js';
import { parseTokenRequest } from '../shared/domain/token-request.js';
import { mockKmsWithRealKey, TEST_KMS_KEY_ARN } from '../test/support/kms-mock.js';
import { type DynaliteProcess, startDynaliteProcess } from './dynalite-process.js';
import {
  type BenchBroker,
  benchDeadline,
  bodyForResource,
  createBenchBroker,
  startBenchSandbox,
} from './fixtures.js';
import type { ResultRow, SectionResult } from './report.js';
import { at } from './stats.js';

export const UPSTREAM_SETTINGS = {
  instances: 4,
  oneKeyCallers: 200,
  /** A moderate burst (200 callers) and a heavy one (1000 callers). */
  fewKeys: 5,
  fewKeysCallers: 40,
  keys: 20,
  callersPerKey: 50,
} as const;

interface Outcome {
  maskinportenCalls: number;
  signatures: number;
  /** Most token requests the sandbox saw for any one key. */
  maxCallsPerKey: number;
  /** Keys whose callers did not all get the same token. */
  keysWithSeveralTokens: number;
  failures: number;
  sources: Record<string, number>;
  leaseWaits: number;
  cacheErrors: number;
  /** Maskinporten attempts that failed or timed out (each retried with a new grant). */
  upstreamErrors: number;
  dynamoReads: number;
  dynamoWrites: number;
  wallMs: number;
}

/**
 * Section 3: how many Maskinporten calls and KMS signatures a burst of concurrent callers costs,
 * spread over several broker instances that share one DynamoDB table.
 */
export async function benchUpstream(): Promise<SectionResult> {
  const u = UPSTREAM_SETTINGS;
  const kms = mockKmsWithRealKey();
  const signer = await createKmsGrantSigner({ client: kms.client, keyId: TEST_KMS_KEY_ARN });
  const sandbox = await startBenchSandbox({ signer });
  let db: DynaliteProcess | undefined;
  try {
    db = await startDynaliteProcess();
    const harness = db;
    const dynamoRequests = { reads: 0, writes: 0 };
    const instances = Array.from({ length: u.instances }, () => {
      const client = harness.createClient();
      client.middlewareStack.add(
        (next, context) => (args) => {
          if (context.commandName === 'GetItemCommand') dynamoRequests.reads++;
          else dynamoRequests.writes++;
          return next(args);
        },
        { step: 'initialize', name: 'benchCountRequests' },
      );
      return createBenchBroker(sandbox, {
        shared: new DynamoDbTokenCache({ client, tableName: harness.tableName }),
      });
    });
    const stats = sandbox.server.maskinporten.stats;
    const run = async (keys: number, callersPerKey: number, prefix: string): Promise<Outcome> => {
      const calls: { key: number; instance: BenchBroker }[] = [];
      // Callers for different keys interleave, and each key's callers rotate over every instance.
      for (let c = 0; c < callersPerKey; c++) {
        for (let k = 0; k < keys; k++) {
          calls.push({ key: k, instance: at(instances, (c + k) % instances.length) });
        }
      }
      const grantsBefore = stats.grants.length;
      const tokenRequestsBefore = stats.tokenRequests;
      const signsBefore = kms.kmsMock.commandCalls(SignCommand).length;
      const waitsBefore = sum(instances.map((i) => i.metrics.get('LeaseWaits')));
      const errorsBefore = sum(instances.map((i) => i.metrics.get('CacheErrors')));
      const upstreamBefore = sum(instances.map((i) => i.metrics.get('MaskinportenErrors')));
      const readsBefore = dynamoRequests.reads;
      const writesBefore = dynamoRequests.writes;
      const started = performance.now();
      const results = await Promise.allSettled(
        calls.map(({ key, instance }) =>
          instance.runtime.broker.getToken(
            parseTokenRequest(bodyForResource(key, prefix)),
            benchDeadline(),
          ),
        ),
      );
      const wallMs = performance.now() - started;
      const tokensPerKey = new Map<number, Set<string>>();
      const sources: Record<string, number> = {};
      let failures = 0;
      results.forEach((result, i) => {
        if (result.status === 'rejected') {
          failures++;
          return;
        }
        const value: TokenResult = result.value;
        sources[value.source] = (sources[value.source] ?? 0) + 1;
        const key = at(calls, i).key;
        const tokens = tokensPerKey.get(key) ?? new Set<string>();
        tokens.add(value.token.accessToken);
        tokensPerKey.set(key, tokens);
      });
      const perKey = new Map<string, number>();
      for (const claims of stats.grants.slice(grantsBefore)) {
        const audience = JSON.stringify(claims['resource'] ?? null);
        perKey.set(audience, (perKey.get(audience) ?? 0) + 1);
      }
      return {
        maskinportenCalls: stats.tokenRequests - tokenRequestsBefore,
        signatures: kms.kmsMock.commandCalls(SignCommand).length - signsBefore,
        maxCallsPerKey: Math.max(0, ...perKey.values()),
        keysWithSeveralTokens: [...tokensPerKey.values()].filter((set) => set.size > 1).length,
        failures,
        sources,
        leaseWaits: sum(instances.map((i) => i.metrics.get('LeaseWaits'))) - waitsBefore,
        cacheErrors: sum(instances.map((i) => i.metrics.get('CacheErrors'))) - errorsBefore,
        upstreamErrors:
          sum(instances.map((i) => i.metrics.get('MaskinportenErrors'))) - upstreamBefore,
        dynamoReads: dynamoRequests.reads - readsBefore,
        dynamoWrites: dynamoRequests.writes - writesBefore,
        wallMs,
      };
    };

    const oneKey = await run(1, u.oneKeyCallers, 'economy-one');
    const fewKeys = await run(u.fewKeys, u.fewKeysCallers, 'economy-few');
    const manyKeys = await run(u.keys, u.callersPerKey, 'economy-many');
    const repeat = await run(u.keys, u.callersPerKey, 'economy-many');
    const over = `over ${u.instances} instances`;
    const runs: [string, Outcome, number][] = [
      [`1 cold key × ${u.oneKeyCallers} callers ${over}`, oneKey, 1],
      [`${u.fewKeys} cold keys × ${u.fewKeysCallers} callers ${over}`, fewKeys, u.fewKeys],
      [`${u.keys} cold keys × ${u.callersPerKey} callers ${over}`, manyKeys, u.keys],
      [`the same ${u.keys} keys again within the token lifetime`, repeat, 0],
    ];
    const rows: ResultRow[] = runs.map(([label, outcome, keys]) =>
      outcomeRow(label, outcome, keys),
    );
    return {
      title: '3. Upstream economy',
      rows,
      notes: runs.map(
        ([label, o]) =>
          `${label}: answers by source ${JSON.stringify(o.sources)}, ${o.leaseWaits} lease waits, ${o.cacheErrors} CacheErrors, ${o.upstreamErrors} MaskinportenErrors, DynamoDB ${o.dynamoReads} reads + ${o.dynamoWrites} writes, ${o.failures} failed callers, burst took ${o.wallMs.toFixed(0)} ms`,
      ),
      method: [
        `${u.instances} broker instances, each the production composition root with its own memory cache and its own`,
        'DynamoDB client (production token-table settings), share one dynalite table in a child process (the',
        'cross-process lease and cache) and one KMS client mocked with `aws-sdk-client-mock` over a real RSA',
        'key, so every `kms:Sign` is counted; the sandbox Maskinporten counts token requests and records each',
        'grant’s `resource`. All callers of a run start at once (`Promise.allSettled`), each parsing its own',
        'request; callers for different keys interleave and each key’s callers rotate over all instances. A',
        'key is a distinct `resource`. The goal is met when every key cost exactly one token request and one',
        'signature and all its callers got the same token. The repeat run asks for the same keys within the',
        'token lifetime and should cost nothing upstream. Each instance also reads the Maskinporten metadata',
        'once; that is not a token request. Caveat: the four instances, the sandbox and the KMS mock share',
        'this one event loop, and dynalite serves requests one at a time (a few hundred per second here),',
        'so a large cold burst is far more contended than four Lambda instances and DynamoDB would be; the',
        'notes give the DynamoDB requests, lease waits and upstream errors behind each figure. When the',
        'table or the host is that slow, the broker’s bounded waits decide the figure: a waiter stops',
        'waiting for the lease holder 3.5 s into its 6 s deadline and fetches itself, a fetch attempt',
        'times out after 2 s and is retried with a new grant, and a shared-cache call slower than 1 s counts',
        'as a failure (three in a row open the circuit for 30 s, and then every instance fetches on its own).',
      ].join(' '),
    };
  } finally {
    await db?.close();
    await sandbox.close();
    kms.kmsMock.restore();
  }
}

function outcomeRow(metric: string, o: Outcome, keys: number): ResultRow {
  const perKey = keys === 0 ? o.maskinportenCalls : o.maskinportenCalls / keys;
  const signsPerKey = keys === 0 ? o.signatures : o.signatures / keys;
  // The repeat run (keys 0) is served from memory: whatever each instance holds, nothing upstream.
  const exact =
    o.failures === 0 &&
    o.maskinportenCalls === keys &&
    o.signatures === keys &&
    (keys === 0 || (o.keysWithSeveralTokens === 0 && o.maxCallsPerKey === 1));
  const unit = keys === 0 ? 'in all' : 'per key';
  return {
    metric,
    value:
      keys === 0
        ? `${count(o.maskinportenCalls, 'Maskinporten call')}, ${count(o.signatures, 'KMS signature')}`
        : `${count(o.maskinportenCalls, 'Maskinporten call')}, ${count(o.signatures, 'KMS signature')} (${fixed(perKey)} / ${fixed(signsPerKey)} ${unit}; most for one key ${o.maxCallsPerKey}; keys whose callers got different tokens: ${o.keysWithSeveralTokens})`,
    goal: keys === 0 ? '0 upstream calls' : 'exactly 1 call and 1 signature per key',
    met: exact,
  };
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
const fixed = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(2));
const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
