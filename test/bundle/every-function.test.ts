import { existsSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { ENVIRONMENTS } from '../../infra/config.js';
import { readCloudAssembly, synthesizedFunctions } from '../support/bundle/cloud-assembly.js';
import { TemplateResolver } from '../support/bundle/template-resolver.js';

// Every function the stacks define has its bundle run on Node 24 by a test here: a new function
// (a construct with its own NodejsFunction) fails this until it gets one.
const config = ENVIRONMENTS.test;
const BUNDLE_TESTS: Readonly<Record<string, string>> = {
  [config.names.function]: 'test/bundle/token-function.test.ts',
  [config.names.keySyncFunction]: 'test/bundle/key-sync-function.test.ts',
  [config.names.canaryFunction]: 'test/bundle/canary-function.test.ts',
};

describe('the bundle tests cover', () => {
  it('every Lambda function of the synthesized stacks, all on nodejs24.x', () => {
    const assembly = readCloudAssembly(inject('cdkOutTest'));
    const resolver = new TemplateResolver(assembly);
    const functions = synthesizedFunctions(assembly);
    const names = functions.map((fn) => resolver.ref(fn.stack, fn.logicalId));

    expect(names.sort()).toEqual(Object.keys(BUNDLE_TESTS).sort());
    for (const fn of functions) expect(fn.properties.Runtime).toBe('nodejs24.x');
    for (const file of Object.values(BUNDLE_TESTS)) expect(existsSync(file), file).toBe(true);
  });
});
