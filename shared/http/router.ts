import { BrokerError } from '../domain/errors.js';
import type { Deadline } from '../ports/deadline.js';
import type { ApiRequest, ApiResponse } from './api-types.js';

/** One endpoint: the request, its path parameters, and the request's deadline. */
export type RouteHandler = (
  request: ApiRequest,
  params: Readonly<Record<string, string>>,
  deadline: Deadline,
) => Promise<ApiResponse>;

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** `/v1/token`, or with `{name}` segments: `/v1/systemuser-requests/{id}`. */
  path: string;
  handler: RouteHandler;
}

interface CompiledRoute extends Route {
  segments: readonly string[];
}

/**
 * Matches method and path. Exact paths are a map lookup (the token path is hot); templated paths
 * are compared segment by segment. A known path with another method is 405 with `Allow`.
 */
export function createRouter(routes: readonly Route[]) {
  const exact = new Map<string, Map<string, RouteHandler>>();
  const templated: CompiledRoute[] = [];
  for (const route of routes) {
    if (route.path.includes('{')) {
      templated.push({ ...route, segments: route.path.split('/') });
      continue;
    }
    const methods = exact.get(route.path) ?? new Map<string, RouteHandler>();
    methods.set(route.method, route.handler);
    exact.set(route.path, methods);
  }

  return async function route(request: ApiRequest, deadline: Deadline): Promise<ApiResponse> {
    const methods = exact.get(request.path);
    if (methods) {
      const handler = methods.get(request.method);
      if (handler) return handler(request, {}, deadline);
      throw methodNotAllowed([...methods.keys()]);
    }
    const segments = request.path.split('/');
    const allowed: string[] = [];
    for (const candidate of templated) {
      const params = matchSegments(candidate.segments, segments);
      if (!params) continue;
      if (candidate.method === request.method) return candidate.handler(request, params, deadline);
      allowed.push(candidate.method);
    }
    if (allowed.length > 0) throw methodNotAllowed(allowed);
    throw new BrokerError('not_found', 'no such endpoint');
  };
}

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
