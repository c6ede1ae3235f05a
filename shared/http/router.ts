import { BrokerError } from '../domain/errors.js';
import type { Deadline } from '../ports/deadline.js';
import type { ApiRequest, ApiResponse } from './api-types.js';

/** What a route gets besides the request. */
export interface RouteCall {
  /** The `{name}` segments of the path, decoded. */
  params: Readonly<Record<string, string>>;
  /** The request's one deadline: every port the route reaches gets it. */
  deadline: Deadline;
  /** What the route learns (org, scopes, outcome...) for the request's one audit line; never a token. */
  audit: Record<string, unknown>;
}

/**
 * One endpoint: parse, authorise, call a use case, format. Errors are thrown (or rejected) as
 * `BrokerError`. A route that has its answer at once may return it as it is, not in a promise.
 */
export type RouteHandler = (
  request: ApiRequest,
  call: RouteCall,
) => ApiResponse | Promise<ApiResponse>;

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** `/v1/token`, or with `{name}` segments: `/v1/systemuser-requests/{id}`. */
  path: string;
  handler: RouteHandler;
  /** The audit line's message (`token request`); a route without one writes none. */
  audit?: string;
}

/** The route a request is for, and its path parameters. */
export interface RouteMatch {
  route: Route;
  params: Readonly<Record<string, string>>;
}

interface CompiledRoute {
  route: Route;
  segments: readonly string[];
}

/**
 * Finds the route for a request's method and path. Exact paths are a map lookup (the token path is
 * hot); templated paths are compared segment by segment. No such path is 404; a known path with
 * another method is 405 with `Allow`.
 */
export function createRouter(routes: readonly Route[]): (request: ApiRequest) => RouteMatch {
  const exact = new Map<string, Map<string, RouteMatch>>();
  const templated: CompiledRoute[] = [];
  for (const route of routes) {
    if (route.path.includes('{')) {
      templated.push({ route, segments: route.path.split('/') });
      continue;
    }
    const methods = exact.get(route.path) ?? new Map<string, RouteMatch>();
    methods.set(route.method, { route, params: NO_PARAMS });
    exact.set(route.path, methods);
  }

  // Most requests are for the route the last one was for (the token route).
  let last: RouteMatch | undefined;
  let lastPath = '';
  let lastMethod = '';
  return function match(request: ApiRequest): RouteMatch {
    if (request.path === lastPath && request.method === lastMethod) return last as RouteMatch;
    const methods = exact.get(request.path);
    if (methods) {
      const found = methods.get(request.method);
      if (found) {
        last = found;
        lastPath = request.path;
        lastMethod = request.method;
        return found;
      }
      throw methodNotAllowed([...methods.keys()]);
    }
    const segments = request.path.split('/');
    const allowed: string[] = [];
    for (const { route, segments: template } of templated) {
      const params = matchSegments(template, segments);
      if (!params) continue;
      if (route.method === request.method) return { route, params };
      allowed.push(route.method);
    }
    if (allowed.length > 0) throw methodNotAllowed(allowed);
    throw new BrokerError('not_found', 'no such endpoint');
  };
}

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

function matchSegments(
  template: readonly string[],
  actual: readonly string[],
): Record<string, string> | undefined {
  if (template.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const expected = template[i] as string;
    const value = actual[i] as string;
    if (expected.startsWith('{') && expected.endsWith('}')) {
      if (value.length === 0) return undefined;
      params[expected.slice(1, -1)] = safeDecode(value);
    } else if (expected !== value) {
      return undefined;
    }
  }
  return params;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function methodNotAllowed(allowed: string[]): BrokerError {
  const allow = allowed.join(', ');
  return new BrokerError('method_not_allowed', `method not allowed; use ${allow}`, {
    headers: { allow },
  });
}
