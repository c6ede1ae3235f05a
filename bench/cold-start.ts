import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ENVIRONMENTS } from '../infra/config.js';
import { DEMO } from '../shared/sandbox/demo.js';
import { configureBroker, roleArn, sessionOf } from '../test/support/bundle/broker-setup.js';
import { synthesizedFunction } from '../test/support/bundle/cloud-assembly.js';
import { type LocalCloud, startLocalCloud } from '../test/support/bundle/local-cloud.js';
import type { ResultRow, SectionResult } from './report.js';
import { kib, median } from './stats.js';

const RUNS = 7;
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Section 6: the cold start of the token function's bundle as `cdk synth` makes it, on Node 24,
 * through the bundle tests' harness (test/support/bundle): fresh processes, the template's
 * environment, the local AWS stand-ins and the sandbox.
 */
export async function benchColdStart(): Promise<SectionResult> {
  const given = process.env['BUNDLE_TEST_CDK_OUT'];
  const cdkOut = given ?? mkdtempSync(join(tmpdir(), 'bench-cdk-out-'));
  const config = ENVIRONMENTS.test;
  let cloud: LocalCloud | undefined;
  try {
    if (!given) {
      execFileSync(
        'npx',
        ['cdk', 'synth', '-c', 'env=test', '--quiet', '--no-lookups', '-o', cdkOut],
        {
          cwd: ROOT,
          stdio: ['ignore', 'ignore', 'inherit'],
          env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' },
        },
      );
    }
    cloud = await startLocalCloud({ cdkOut, config });
    const benchRole = roleArn(cloud, 'bench');
    configureBroker(cloud, [
      {
        name: 'bench',
        callers: [benchRole],
        scopes: [DEMO.scopes[0]],
        orgs: [],
        vendorTokens: true,
      },
    ]);
    const fn = synthesizedFunction(cloud.assembly, config.names.function);
    const code = readFileSync(join(fn.assetDir, fn.handlerFile));

    const ready: number[] = [];
    const imports: number[] = [];
    const first: number[] = [];
    const second: number[] = [];
    // One untimed run first: the Node 24 binary and the bundle come off the disk cold once.
    for (let run = 0; run <= RUNS; run++) {
      const started = performance.now();
      const container = await cloud.start(config.names.function);
      const readyMs = performance.now() - started;
      const request = {
        method: 'POST',
        path: '/v1/token',
        // A resource nobody asked for: every cache is cold for the first invocation.
        body: {
          scope: DEMO.scopes[0],
          resource: `https://api.example.no/bench/${run}/${Date.now()}`,
        },
        principalArn: sessionOf(benchRole),
      };
      const cold = await container.invoke(cloud.event(request));
      const warm = await container.invoke(cloud.event(request));
      for (const invocation of [cold, warm]) {
        if (invocation.result?.statusCode !== 200) {
          throw new Error(
            `the bundle answered ${JSON.stringify(invocation.result ?? invocation.error)}`,
          );
        }
      }
      await container.close();
      if (run === 0) continue;
      ready.push(readyMs);
      imports.push(container.importMs);
      first.push(cold.durationMs);
      second.push(warm.durationMs);
    }
    const ms = (values: number[]) =>
      `${median(values).toFixed(1)} ms (min ${Math.min(...values).toFixed(1)}, max ${Math.max(...values).toFixed(1)})`;
    const rows: ResultRow[] = [
      {
        metric: 'token function asset in cdk.out (as deployed)',
        value: `${code.byteLength.toLocaleString('en')} bytes = ${kib(code.byteLength)}; gzip ${kib(gzipSync(code).byteLength)}`,
      },
      { metric: `spawn to handler imported, Node 24 (median of ${RUNS})`, value: ms(ready) },
      {
        metric: `module import, --enable-source-maps as deployed (median of ${RUNS})`,
        value: ms(imports),
      },
      {
        metric: `first invocation: POST /v1/token, every cache cold (median of ${RUNS})`,
        value: ms(first),
      },
      {
        metric: `second invocation: the same request, memory hit (median of ${RUNS})`,
        value: ms(second),
      },
    ];
    return {
      title: '6. Cold start of the deployed bundle (Node 24)',
      rows,
      method: [
        "`cdk synth -c env=test` (or the assembly in `BUNDLE_TEST_CDK_OUT`); the token function's asset",
        "directory, named by the template's `Code`, is copied to a fresh temp directory with no node_modules",
        `above it and loaded by a fresh Node 24.x process (\`.ci/node24\`) ${RUNS} times (after one untimed run),`,
        "through the bundle tests' runtime emulation, with the environment of the template (its",
        '`NODE_OPTIONS=--enable-source-maps` included) and local stand-ins: KMS, Secrets Manager and SSM on',
        'loopback, dynalite, the sandbox. "Spawn to handler imported" is what the harness waits for from',
        'spawning the process (copying the asset included); "module import" is the `import()` of the handler',
        "module timed inside the process; an invocation is the handler's own time. The first invocation pays",
        "the broker's start (the secret, the KMS public key, the Maskinporten metadata) and a cache miss",
        '(a KMS signature and a token from the sandbox); loopback stand-ins answer in about a millisecond, so',
        "AWS adds its own latencies to it. Lambda's own init (fetching the zip, starting the runtime) is not",
        'included.',
      ].join(' '),
    };
  } finally {
    await cloud?.close();
    if (!given) rmSync(cdkOut, { recursive: true, force: true });
  }
}
