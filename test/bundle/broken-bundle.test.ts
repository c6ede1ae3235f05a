import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { ENVIRONMENTS } from '../../infra/config.js';
import { configureBroker, roleArn, sessionOf } from '../support/bundle/broker-setup.js';
import { synthesizedFunction } from '../support/bundle/cloud-assembly.js';
import {
  BundleLoadError,
  copyToTaskRoot,
  node24Binary,
} from '../support/bundle/lambda-container.js';
import { type LocalCloud, startLocalCloud } from '../support/bundle/local-cloud.js';

// The harness fails on a broken bundle, and says why. Each case breaks a copy of the asset the
// synth made (no second synth): what a wrong `bundling` setting in infra would produce.

const config = ENVIRONMENTS.test;

describe('a broken bundle fails the harness with a clear message', () => {
  let cloud: LocalCloud;
  let workDir: string;
  let assetDir: string;
  let handlerFile: string;

  /** A copy of the token function's asset with its handler file changed by `edit`. */
  function brokenCopy(name: string, edit: (code: string) => string): string {
    const dir = join(workDir, name);
    cpSync(assetDir, dir, { recursive: true });
    const file = join(dir, handlerFile);
    writeFileSync(file, edit(readFileSync(file, 'utf8')));
    return dir;
  }

  beforeAll(async () => {
    cloud = await startLocalCloud({ cdkOut: inject('cdkOutTest'), config });
    configureBroker(cloud, []);
    const fn = synthesizedFunction(cloud.assembly, config.names.function);
    assetDir = fn.assetDir;
    handlerFile = fn.handlerFile;
    workDir = mkdtempSync(join(tmpdir(), 'broken-bundle-'));
  });
  afterAll(async () => {
    await cloud?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('an AWS SDK client left external: Runtime.ImportModuleError naming the package', async () => {
    // What `externalModules: ['@aws-sdk/client-kms']` makes esbuild write: an import the zip cannot
    // satisfy. Lambda's Node 24 runtime no longer carries an SDK the handler could fall back on
    // for ESM imports, and the harness's copy has no node_modules to find one in.
    const dir = brokenCopy('external-sdk', (code) =>
      code.replace(
        /^(.*\n)/,
        "$1import { KMSClient as __externalKms } from '@aws-sdk/client-kms';\n",
      ),
    );

    const failure = await cloud.start(config.names.function, { assetDir: dir }).catch((e) => e);

    expect(failure).toBeInstanceOf(BundleLoadError);
    expect(failure.errorType).toBe('Runtime.ImportModuleError');
    expect(failure.message).toMatch(/Cannot find package '@aws-sdk\/client-kms'/);
    expect(failure.message).toContain('failed to load on Node 24');
  });

  it('the same bundle loads beside a node_modules: why the harness refuses to run there', () => {
    const dir = brokenCopy('external-sdk-beside-node-modules', (code) =>
      code.replace(
        /^(.*\n)/,
        "$1import { KMSClient as __externalKms } from '@aws-sdk/client-kms';\n",
      ),
    );
    symlinkSync(join(process.cwd(), 'node_modules'), join(workDir, 'node_modules'));
    // Importing it where node_modules is reachable succeeds: a test run there proves nothing.
    const loaded = execFileSync(
      node24Binary(),
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(join(dir, handlerFile))}); console.log(typeof m.handler)`,
      ],
      { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } },
    );
    expect(loaded.trim()).toBe('function');
    // The harness never copies a bundle below one.
    vi.stubEnv('TMPDIR', workDir);
    expect(() => copyToTaskRoot(dir)).toThrow(
      /node_modules exists: a bundle copied below it could import/,
    );
  });

  it('a truncated bundle: Runtime.UserCodeSyntaxError', async () => {
    const dir = brokenCopy('truncated', (code) => code.slice(0, Math.floor(code.length / 2)));

    const failure = await cloud.start(config.names.function, { assetDir: dir }).catch((e) => e);

    expect(failure).toBeInstanceOf(BundleLoadError);
    expect(failure.errorType).toBe('Runtime.UserCodeSyntaxError');
  });

  it('a handler the template names but the bundle does not export: Runtime.HandlerNotFound', async () => {
    const dir = brokenCopy('renamed-export', (code) =>
      code.replace(/export\{(\w+) as handler\}/, 'export{$1 as main}'),
    );

    const failure = await cloud.start(config.names.function, { assetDir: dir }).catch((e) => e);

    expect(failure).toBeInstanceOf(BundleLoadError);
    expect(failure.errorType).toBe('Runtime.HandlerNotFound');
    expect(failure.message).toContain('index.handler is undefined or not exported');
  });

  it('a variable the template names differently from the code: the function does not start', async () => {
    // A copy of the assembly whose template renames BROKER_CONFIG_SECRET, as a typo in infra would.
    const renamed = join(workDir, 'renamed-variable-cdk-out');
    cpSync(inject('cdkOutTest'), renamed, { recursive: true });
    const fn = synthesizedFunction(cloud.assembly, config.names.function);
    const templatePath = join(renamed, `${fn.stack.name}.template.json`);
    const template = JSON.parse(readFileSync(templatePath, 'utf8'));
    const variables = template.Resources[fn.logicalId].Properties.Environment.Variables;
    variables.BROKER_CONFIG_SECRET_NAME = variables.BROKER_CONFIG_SECRET;
    delete variables.BROKER_CONFIG_SECRET;
    writeFileSync(templatePath, JSON.stringify(template));
    const other = await startLocalCloud({ cdkOut: renamed, config });
    try {
      configureBroker(other, []);
      const container = await other.start(config.names.function);
      const health = await container.invoke(
        other.event({ method: 'GET', path: '/v1/health', principalArn: null }),
      );
      expect(health.result?.statusCode).toBe(500);
      expect(health.stderr.join('\n')).toContain(
        'missing required environment variable: BROKER_CONFIG_SECRET',
      );
    } finally {
      await other.close();
    }
  });

  it('the unbroken copy of the same asset loads and answers (the cases above are not vacuous)', async () => {
    const dir = brokenCopy('unchanged', (code) => code);
    const fn = await cloud.start(config.names.function, { assetDir: dir });
    const health = await fn.invoke(
      cloud.event({
        method: 'GET',
        path: '/v1/health',
        principalArn: sessionOf(roleArn(cloud, 'anyone')),
      }),
    );
    expect(health.result?.statusCode).toBe(200);
  });
});
