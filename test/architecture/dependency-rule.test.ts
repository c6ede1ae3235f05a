import { describe, expect, it } from 'vitest';
import { checkLayers, type ImportGraph, readImportGraph, specifiersOf } from './import-graph.js';

const ROOT = new URL('../..', import.meta.url).pathname;

describe('the dependency rule', () => {
  it('holds for every file under shared/', () => {
    const graph = readImportGraph(ROOT, ['shared']);

    expect(graph.size).toBeGreaterThan(100);
    expect(checkLayers(graph)).toEqual([]);
  });

  it('catches a layer reaching where it may not (a synthetic graph)', () => {
    const graph: ImportGraph = new Map([
      ['shared/domain/token-request.ts', ['shared/domain/errors.ts', 'shared/ports/clock.ts']],
      ['shared/ports/altinn.ts', ['shared/domain/errors.ts', 'shared/app/broker-service.ts']],
      ['shared/app/broker-service.ts', ['shared/ports/clock.ts', 'shared/http/router.ts']],
      ['shared/http/api-handler.ts', ['shared/app/broker-service.ts', 'shared/adapters/x.ts']],
      ['shared/adapters/altinn/client.ts', ['shared/sandbox/demo.ts']],
      ['shared/runtime/compose.ts', ['infra/config.ts', 'shared/adapters/x.ts']],
      ['shared/config/env.ts', ['functions/local/main.ts']],
    ]);

    expect(checkLayers(graph).map(({ file, imports }) => `${file} → ${imports}`)).toEqual([
      'shared/domain/token-request.ts → shared/ports/clock.ts',
      'shared/ports/altinn.ts → shared/app/broker-service.ts',
      'shared/app/broker-service.ts → shared/http/router.ts',
      'shared/http/api-handler.ts → shared/adapters/x.ts',
      'shared/adapters/altinn/client.ts → shared/sandbox/demo.ts',
      'shared/runtime/compose.ts → infra/config.ts',
      'shared/config/env.ts → functions/local/main.ts',
    ]);
  });

  it('reads multi-line, type-only, side-effect and dynamic imports, not comments', () => {
    const source = [
      'import {',
      '  a,',
      '  type B,',
      "} from '../adapters/a.js';",
      "import type { C } from './c.js';",
      "export { d } from '../d.js';",
      "import '../side-effect.js';",
      "const e = await import('../e.js');",
      "// import { f } from '../f.js';",
      "/* import { g } from '../g.js'; */",
      "const text = 'taken from nowhere';",
    ].join('\n');

    expect(specifiersOf(source)).toEqual([
      '../adapters/a.js',
      './c.js',
      '../d.js',
      '../side-effect.js',
      '../e.js',
    ]);
  });
});
