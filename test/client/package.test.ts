import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import * as source from '../../client/src/index.js';

// The client is published as built ESM with declarations (prepack runs `tsc`), so what `npm pack`
// puts in the tarball is checked here: the entry points exist, nothing else ships, and the built
// module exports what the sources do.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLIENT = fileURLToPath(new URL('../../client/', import.meta.url));
const read = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

describe('the client package', () => {
  afterAll(() => {
    rmSync(`${CLIENT}dist`, { recursive: true, force: true });
  });

  it('could be published: name, version, ESM entry points, engines and license', () => {
    const pkg = read(`${CLIENT}package.json`);
    const root = read(`${ROOT}package.json`);

    expect(pkg).toMatchObject({
      name: 'maskinporten-broker-client',
      version: expect.stringMatching(/^\d+\.\d+\.\d+$/),
      type: 'module',
      exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
      types: './dist/index.d.ts',
      engines: root.engines,
      // The repository grants no licence (the root has none): the package says so.
      license: 'UNLICENSED',
    });
    expect(pkg.private).toBeUndefined();
    expect(root.workspaces).toContain('client');
  });

  it('packs the built module, its declarations and the README, and nothing else', async () => {
    const { stdout } = await promisify(execFile)(
      'npm',
      ['pack', '--dry-run', '--json', '--workspace', 'maskinporten-broker-client'],
      { cwd: ROOT, maxBuffer: 10 * 1024 * 1024 },
    );
    const [pack] = JSON.parse(stdout.slice(stdout.indexOf('['))) as [{ files: { path: string }[] }];
    const files = pack.files.map((file) => file.path).sort();

    expect(files.filter((file) => !file.startsWith('dist/'))).toEqual([
      'README.md',
      'package.json',
    ]);
    expect(files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts']));
    expect(
      files.some(
        (file) => file.includes('test') || (file.endsWith('.ts') && !file.endsWith('.d.ts')),
      ),
    ).toBe(false);

    const built = await import(pathToFileURL(`${CLIENT}dist/index.js`).href);
    expect(Object.keys(built).sort()).toEqual(Object.keys(source).sort());
  });
});
