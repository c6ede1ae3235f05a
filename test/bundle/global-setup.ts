import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `cdk synth -c env=test` output: the templates and the bundles as deployed. */
    cdkOutTest: string;
  }
}

/**
 * The cloud assembly the bundle tests read: `BUNDLE_TEST_CDK_OUT` when set (CI passes the synth it
 * already made), else a fresh `cdk synth -c env=test` into a temporary directory.
 */
export default function setup(project: TestProject): () => void {
  const given = process.env['BUNDLE_TEST_CDK_OUT'];
  if (given) {
    project.provide('cdkOutTest', given);
    return () => {};
  }
  const dir = mkdtempSync(join(tmpdir(), 'bundle-test-cdk-out-'));
  const root = new URL('../..', import.meta.url).pathname;
  execFileSync('npx', ['cdk', 'synth', '-c', 'env=test', '--quiet', '--no-lookups', '-o', dir], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' },
  });
  project.provide('cdkOutTest', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
