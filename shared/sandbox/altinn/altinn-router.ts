import type { AltinnRoute } from './altinn-context.js';

export type RouteMatch =
  | { kind: 'route'; route: AltinnRoute; params: Record<string, string> }
  | { kind: 'method_not_allowed'; allow: string[] }
  | { kind: 'not_found' };

interface CompiledRoute {
  route: AltinnRoute;
  segments: string[];
  /** Literal segments count more, so `vendor/agent` beats `vendor/{requestId}`. */
  literals: number;
}

/**
 * Matches `(method, path segments)` against `{param}` templates like ASP.NET attribute routing:
 * the most specific template wins, a path that matches only other methods is 405, literal
 * segments compare case-insensitively, and param values arrive decoded.
 */
export class AltinnRouter {
  readonly #routes: CompiledRoute[];

  constructor(routes: AltinnRoute[]) {
    this.#routes = routes
      .map((route) => {
        const segments = route.path.split('/');
        return { route, segments, literals: segments.filter((s) => !isParam(s)).length };
      })
      .sort((a, b) => b.literals - a.literals);
  }

  match(method: string, path: string[]): RouteMatch {
    const allow = new Set<string>();
    for (const compiled of this.#routes) {
      const params = matchSegments(compiled.segments, path);
      if (!params) continue;
      if (compiled.route.method === method) return { kind: 'route', route: compiled.route, params };
      allow.add(compiled.route.method);
    }
    return allow.size > 0
      ? { kind: 'method_not_allowed', allow: [...allow] }
      : { kind: 'not_found' };
  }
}

/** Splits and decodes a URL path (after the API prefix); undefined if it is not valid UTF-8/%. */
export function pathSegments(rest: string): string[] | undefined {
  const raw = rest.replace(/\/$/, '').split('/');
  try {
    return raw.map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}

function matchSegments(template: string[], path: string[]): Record<string, string> | undefined {
  if (template.length !== path.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const expected = template[i] as string;
    const actual = path[i] as string;
    if (isParam(expected)) {
      if (actual === '') return undefined;
      params[expected.slice(1, -1)] = actual;
    } else if (expected.toLowerCase() !== actual.toLowerCase()) {
      return undefined;
    }
  }
  return params;
}

const isParam = (segment: string) => segment.startsWith('{') && segment.endsWith('}');
