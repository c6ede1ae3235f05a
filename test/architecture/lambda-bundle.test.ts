import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_BUNDLE_EXTRAS } from '../../infra/constructs/broker-function.js';

// Issue 13 §5: the Lambda bundle stays small (≤ 400 KB, measured by `npm run bench` on the asset
// CDK builds). These are the rules that keep it so, checked on an esbuild metafile of the handler
// with the construct's own alias: no module in it imports classic zod (the Lambda's schemas use
// zod/mini), the SDK's default credential chain (and the STS/SSO clients it brings) is replaced by
// the environment provider, no AWS SDK client but DynamoDB's and KMS's is in it (Lambda Invoke,
// SSM GetParameter and Secrets Manager GetSecretValue are one call each, signed by hand:
// shared/adapters/aws/), and the key-file loader stays out (the Lambda signs with KMS only).

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = fileURLToPath(new URL('../../functions/token/handler.ts', import.meta.url));

let metafile: Metafile;

beforeAll(async () => {
  const [name, value] = LAMBDA_BUNDLE_EXTRAS.esbuildArgs['--alias'].split('=') as [string, string];
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    minify: true,
    mainFields: ['module', 'main'],
    alias: { [name]: value },
    absWorkingDir: ROOT,
    write: false,
    metafile: true,
    outfile: 'handler.mjs',
    logLevel: 'silent',
  });
  metafile = result.metafile;
}, 60_000);

const inputs = () => Object.keys(metafile.inputs);

describe('the Lambda bundle', () => {
  it('has no classic zod: every schema on the handler path imports zod/mini', () => {
    const classic = Object.entries(metafile.inputs)
      .filter(([path]) => !path.includes('node_modules'))
      .filter(([, input]) =>
        input.imports.some(
          (i) =>
            /node_modules\/zod\/(v4\/)?classic\//.test(i.path) ||
            i.original === 'zod' ||
            i.original === 'zod/v4',
        ),
      )
      .map(([path]) => path);
    expect(classic).toEqual([]);
    expect(inputs().some((path) => path.includes('node_modules/zod/v4/classic/'))).toBe(false);
  });

  it('takes its AWS credentials from the environment only (no STS, SSO or ini providers)', () => {
    expect(inputs().some((path) => path.includes('functions/token/env-credentials.ts'))).toBe(true);
    for (const dropped of [
      'credential-provider-node',
      'credential-provider-sso',
      'credential-provider-ini',
      'nested-clients',
    ]) {
      expect(inputs().filter((path) => path.includes(`@aws-sdk/${dropped}/`))).toEqual([]);
    }
  });

  it('bundles only the AWS SDK clients the handler calls', () => {
    const clients = new Set(
      inputs()
        .map((path) => /node_modules\/@aws-sdk\/(client-[a-z0-9-]+)\//.exec(path)?.[1])
        .filter((name): name is string => name !== undefined),
    );
    expect([...clients].sort()).toEqual(['client-dynamodb', 'client-kms']);
    expect(inputs().some((path) => path.includes('@aws-lambda-powertools/parameters/'))).toBe(
      false,
    );
  });

  it('has no key-file loader: the Lambda signs with KMS only', () => {
    // The module is reached (signing-key-spec.ts imports it) but none of it is in the output.
    const output = Object.values(metafile.outputs).find((o) => o.entryPoint !== undefined);
    const emitted = (suffix: string) =>
      Object.entries(output?.inputs ?? {}).some(
        ([path, { bytesInOutput }]) => path.endsWith(suffix) && bytesInOutput > 0,
      );
    expect(emitted('signing/kms-grant-signer.ts')).toBe(true);
    expect(emitted('signing/file-grant-signer.ts')).toBe(false);
  });

  it('does not inline the OpenAPI document (it is copied beside index.mjs)', () => {
    expect(inputs().some((path) => path.endsWith('openapi.json'))).toBe(false);
    expect(LAMBDA_BUNDLE_EXTRAS.commandHooks.afterBundling('/in', '/out')).toEqual([
      'cp "/in/shared/http/openapi.json" "/out/openapi.json"',
    ]);
  });
});
