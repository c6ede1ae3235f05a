import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';

/** Project-relative path of a source file (`shared/http/api-handler.ts`) → the files it imports. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

/**
 * One layering rule: files under `from` may import only project files under `allow` (when given)
 * and never files under `deny`. Paths are project-relative folder prefixes.
 */
export interface LayerRule {
  from: string;
  allow?: readonly string[];
  deny?: readonly string[];
  /** Why the rule exists, shown with each violation. */
  why: string;
}

export interface Violation {
  file: string;
  imports: string;
  why: string;
}

/**
 * The dependency rule of the hexagon (see ARCHITECTURE.md): the domain depends on nothing, ports
 * on the domain, use cases on both; the HTTP contract never reaches for an adapter; nothing shared
 * reaches into infra or the shells; the simulator is only ever a test double or a local stand-in.
 */
export const LAYER_RULES: readonly LayerRule[] = [
  {
    from: 'shared/domain',
    allow: ['shared/domain'],
    why: 'the domain imports nothing from the project but itself',
  },
  {
    from: 'shared/ports',
    allow: ['shared/domain', 'shared/ports'],
    why: 'ports import only the domain',
  },
  {
    from: 'shared/app',
    allow: ['shared/domain', 'shared/ports', 'shared/app'],
    why: 'use cases import only the domain and the ports',
  },
  {
    from: 'shared/http',
    deny: ['shared/adapters'],
    why: 'the HTTP contract never imports an adapter',
  },
  {
    from: 'shared/',
    deny: ['infra/', 'functions/', 'bench/', 'test/'],
    why: 'shared code never imports infra, the shells, the benchmark or the tests',
  },
  {
    from: 'shared/app',
    deny: ['shared/sandbox'],
    why: 'the sandbox is never imported by use cases, the HTTP contract or adapters',
  },
  {
    from: 'shared/http',
    deny: ['shared/sandbox'],
    why: 'the sandbox is never imported by use cases, the HTTP contract or adapters',
  },
  {
    from: 'shared/adapters',
    deny: ['shared/sandbox'],
    why: 'the sandbox is never imported by use cases, the HTTP contract or adapters',
  },
];

/** Every rule a graph breaks, one entry per offending import. */
export function checkLayers(graph: ImportGraph, rules = LAYER_RULES): Violation[] {
  const violations: Violation[] = [];
  for (const [file, imports] of graph) {
    for (const rule of rules) {
      if (!under(file, rule.from)) continue;
      for (const target of imports) {
        const allowed = rule.allow ? rule.allow.some((folder) => under(target, folder)) : true;
        const denied = rule.deny?.some((folder) => under(target, folder)) ?? false;
        if (!allowed || denied) violations.push({ file, imports: target, why: rule.why });
      }
    }
  }
  return violations;
}

/**
 * The module specifiers in a TypeScript source: static imports and re-exports (also spread over
 * several lines), side-effect imports and dynamic `import()`. Comments are skipped.
 */
export function specifiersOf(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const found: string[] = [];
  const pattern = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"\n]+)['"]/g;
  for (const match of code.matchAll(pattern)) found.push(match[1] as string);
  return found;
}

/** The project-internal import graph of every `.ts` file under `folders` (relative to `root`). */
export function readImportGraph(root: string, folders: readonly string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const folder of folders) {
    for (const file of tsFiles(resolve(root, folder))) {
      const from = toProjectPath(root, file);
      const targets = specifiersOf(readFileSync(file, 'utf8'))
        .filter((specifier) => specifier.startsWith('.'))
        .map((specifier) =>
          toProjectPath(root, resolve(dirname(file), specifier.replace(/\.js$/, '.ts'))),
        );
      graph.set(from, targets);
    }
  }
  return graph;
}

function tsFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

const toProjectPath = (root: string, file: string) =>
  relative(root, file).split(/[\\/]/).join(posix.sep);

/** `shared/http/x.ts` is under `shared/http` and `shared/`, not under `shared/httpx`. */
function under(path: string, folder: string): boolean {
  return folder.endsWith('/') ? path.startsWith(folder) : path.startsWith(`${folder}/`);
}
