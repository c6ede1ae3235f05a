import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import type { ResultRow, SectionResult } from './report.js';
import { kib, median } from './stats.js';

const HANDLER_ENTRY = fileURLToPath(new URL('../functions/token/handler.ts', import.meta.url));
const IMPORT_RUNS = 5;

/**
 * The options `infra/constructs/broker-function.ts` gives `NodejsFunction` (format ESM, minify,
 * source map without sources, `mainFields` module/main, the createRequire banner, no externals),
 * as esbuild options. Target node20 instead of node24 so the bundle runs on this Node.
 */
const CDK_LIKE: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: {
    js: "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
  },
  external: [],
  metafile: true,
  logLevel: 'silent',
};

/** What a cold start pays before the handler runs: the env the Lambda gets, with dummy values. */
const LAMBDA_ENV = {
  AWS_REGION: 'eu-north-1',
  AWS_LAMBDA_FUNCTION_NAME: 'maskinporten-broker-bench',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  BROKER_ENVIRONMENT: 'bench',
  BROKER_CONFIG_SECRET: 'arn:aws:secretsmanager:eu-north-1:111122223333:secret:bench',
  MASKINPORTEN_ISSUER: 'https://test.maskinporten.no/',
  SIGNING_KEY: 'kms:alias/bench',
  TOKEN_CACHE_TABLE: 'bench-token-cache',
  POWERTOOLS_SERVICE_NAME: 'maskinporten-broker',
  POWERTOOLS_METRICS_NAMESPACE: 'MaskinportenBroker',
};

interface BundleFigures {
  bytes: number;
  gzipBytes: number;
  mapBytes: number;
  importMs: number;
  importMsWithSourceMaps: number;
  topPackages: [string, number][];
}

/** Section 4: the Lambda bundle's size and how long importing it takes (the cold-start share). */
export async function benchBundle(): Promise<SectionResult> {
  const dir = await mkdtemp(join(tmpdir(), 'broker-bench-bundle-'));
  try {
    const handler = await bundle(dir, 'handler', HANDLER_ENTRY);
    const bareEntry = join(dir, 'bare-entry.mjs');
    await writeFile(bareEntry, 'export const handler = async () => ({});\n');
    const bare = await bundle(dir, 'bare', bareEntry);
    const rows: ResultRow[] = [
      {
        metric: 'handler bundle (minified, SDK included)',
        value: `${handler.bytes.toLocaleString('en')} bytes = ${kib(handler.bytes)}; gzip ${kib(handler.gzipBytes)}; source map ${kib(handler.mapBytes)}`,
      },
      {
        metric: 'handler module import time (median of 5)',
        value: `${handler.importMs.toFixed(1)} ms; with --enable-source-maps (as deployed) ${handler.importMsWithSourceMaps.toFixed(1)} ms`,
      },
      {
        metric: 'baseline: bare `export const handler = async () => ({})`',
        value: `${bare.bytes.toLocaleString('en')} bytes, gzip ${bare.gzipBytes} bytes; import ${bare.importMs.toFixed(1)} ms`,
      },
    ];
    return {
      title: '4. Lambda bundle',
      rows,
      notes: [
        `largest inputs by minified bytes in the bundle: ${handler.topPackages
          .map(([name, bytes]) => `${name} ${kib(bytes)}`)
          .join(', ')}`,
      ],
      method: [
        '`functions/token/handler.ts` bundled by esbuild with the options `NodejsFunction` gets in',
        '`infra/constructs/broker-function.ts`: platform node, format ESM, minify, bundle with no externals',
        '(the AWS SDK clients included), `mainFields` module/main, the createRequire banner, and a source map',
        'without sources; target node20 instead of node24 so it loads on this Node. Size is the `.mjs` file;',
        'gzip is `zlib.gzipSync` at the default level (roughly what the deployment zip stores). Import time:',
        `the bundle is written to a temp directory (no node_modules to fall back on) and a fresh \`node\``,
        'process `await import()`s it, reporting the `performance.now()` difference around the import;',
        `median of ${IMPORT_RUNS} processes, with dummy Lambda environment variables (the module only`,
        'constructs clients and Powertools objects at top level; nothing calls AWS). The deployed function',
        'sets `NODE_OPTIONS=--enable-source-maps`, so the import is also timed with it. The baseline is a',
        'one-line handler bundled the same way. Lambda’s own init (runtime start, reading the zip) is not included.',
      ].join(' '),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function bundle(dir: string, name: string, entry: string): Promise<BundleFigures> {
  const outfile = join(dir, `${name}.mjs`);
  const result = await build({ ...CDK_LIKE, entryPoints: [entry], outfile });
  const code = await readFile(outfile);
  const map = await readFile(`${outfile}.map`).catch(() => Buffer.alloc(0));
  const importMs = median(timeImports(outfile, false));
  const importMsWithSourceMaps = median(timeImports(outfile, true));
  return {
    bytes: code.byteLength,
    gzipBytes: gzipSync(code).byteLength,
    mapBytes: map.byteLength,
    importMs,
    importMsWithSourceMaps,
    topPackages: topPackages(result.metafile as Metafile, outfile),
  };
}

function timeImports(file: string, sourceMaps: boolean): number[] {
  const script = [
    `const start = performance.now();`,
    `await import(${JSON.stringify(pathToFileURL(file).href)});`,
    `process.stdout.write(String(performance.now() - start));`,
  ].join('\n');
  const times: number[] = [];
  for (let i = 0; i < IMPORT_RUNS; i++) {
    const child = spawnSync(
      process.execPath,
      [...(sourceMaps ? ['--enable-source-maps'] : []), '--input-type=module', '-e', script],
      {
        env: { PATH: process.env['PATH'] ?? '', ...LAMBDA_ENV },
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    const ms = Number(child.stdout);
    if (child.status !== 0 || !Number.isFinite(ms)) {
      throw new Error(`importing ${file} failed: ${child.stderr.slice(0, 500)}`);
    }
    times.push(ms);
  }
  return times;
}

/** Bytes each npm package (or `(project)`) contributes to the output, largest first. */
function topPackages(metafile: Metafile, outfile: string): [string, number][] {
  const output = Object.entries(metafile.outputs).find(([path]) =>
    path.endsWith(basename(outfile)),
  )?.[1];
  const totals = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    const name = match?.[1] ?? '(project)';
    totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
  }
  return [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6);
}
