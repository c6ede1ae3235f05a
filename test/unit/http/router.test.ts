import { describe, expect, it } from 'vitest';
import { BrokerError } from '../../../shared/domain/errors.js';
import type { ApiRequest } from '../../../shared/http/api-types.js';
import { toErrorResponse } from '../../../shared/http/error-response.js';
import { createRouter, type Route, type RouteMatch } from '../../../shared/http/router.js';
import { Deadline } from '../../../shared/ports/deadline.js';

const inTime = () => Deadline.after(10_000);

const handler =
  (name: string): Route['handler'] =>
  async (request, { params }) => ({
    status: 200,
    headers: {},
    body: JSON.stringify({ name, params, path: request.path }),
  });

const match = createRouter([
  { method: 'POST', path: '/v1/token', handler: handler('token') },
  { method: 'GET', path: '/v1/jwks', handler: handler('jwks') },
  { method: 'GET', path: '/v1/health', handler: handler('health') },
  { method: 'GET', path: '/v1/things', handler: handler('list-things') },
  { method: 'POST', path: '/v1/things', handler: handler('create-thing') },
  { method: 'GET', path: '/v1/systemuser-requests/{id}', handler: handler('get-request') },
  { method: 'DELETE', path: '/v1/systemuser-requests/{id}', handler: handler('delete-request') },
  { method: 'GET', path: '/v1/systems/{systemId}/users/{org}', handler: handler('get-user') },
]);

/** Finds the route and runs it, as the API handler does. */
async function dispatch(find: (request: ApiRequest) => RouteMatch, request: ApiRequest) {
  const { route, params } = find(request);
  return route.handler(request, { params, deadline: inTime(), audit: {} });
}
const route = (request: ApiRequest) => dispatch(match, request);

const call = (method: string, path: string): ApiRequest => ({
  method,
  path,
  query: new URLSearchParams(),
  headers: {},
});

async function routeError(method: string, path: string): Promise<BrokerError> {
  try {
    await route(call(method, path));
  } catch (error) {
    expect(error).toBeInstanceOf(BrokerError);
    return error as BrokerError;
  }
  throw new Error(`expected ${method} ${path} to fail`);
}

describe('createRouter', () => {
  it.each([
    ['POST', '/v1/token', 'token', {}],
    ['GET', '/v1/jwks', 'jwks', {}],
    ['GET', '/v1/things', 'list-things', {}],
    ['POST', '/v1/things', 'create-thing', {}],
    ['GET', '/v1/systemuser-requests/abc', 'get-request', { id: 'abc' }],
    ['DELETE', '/v1/systemuser-requests/abc', 'delete-request', { id: 'abc' }],
    ['GET', '/v1/systemuser-requests/a%20b', 'get-request', { id: 'a b' }],
    ['GET', '/v1/systemuser-requests/%E0%A4%A', 'get-request', { id: '%E0%A4%A' }],
    [
      'GET',
      '/v1/systems/991825827_demo/users/910753614',
      'get-user',
      { systemId: '991825827_demo', org: '910753614' },
    ],
  ])('%s %s → %s %j', async (method, path, name, params) => {
    const response = await route(call(method, path));
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toStrictEqual({ name, params, path });
  });

  it.each([
    ['GET', '/v1/token', 'POST'],
    ['PUT', '/v1/token', 'POST'],
    ['HEAD', '/v1/health', 'GET'],
    ['OPTIONS', '/v1/jwks', 'GET'],
    ['DELETE', '/v1/things', 'GET, POST'],
    ['POST', '/v1/systemuser-requests/abc', 'GET, DELETE'],
    ['PUT', '/v1/systems/s/users/o', 'GET'],
    ['post', '/v1/token', 'POST'],
  ])('%s %s → 405 with Allow: %s', async (method, path, allow) => {
    const error = await routeError(method, path);
    expect(error.kind).toBe('method_not_allowed');
    expect(error.headers).toStrictEqual({ allow });
    expect(error.message).toBe(`method not allowed; use ${allow}`);
    const response = toErrorResponse(error);
    expect(response.status).toBe(405);
    expect(response.headers['allow']).toBe(allow);
  });

  it.each([
    '/',
    '',
    '/v1',
    '/v1/unknown',
    '/v1/token/',
    '/v1/Token',
    '//v1/token',
    '/v1/token?x=1',
    '/v1/systemuser-requests',
    '/v1/systemuser-requests/',
    '/v1/systemuser-requests/a/b',
    '/v1/systems//users/910753614',
    '/v2/systemuser-requests/abc',
  ])('GET %j → 404', async (path) => {
    const error = await routeError('GET', path);
    expect(error.kind).toBe('not_found');
    expect(error.message).toBe('no such endpoint');
    expect(toErrorResponse(error).status).toBe(404);
  });

  it('passes the handler’s rejection through', async () => {
    const failing = createRouter([
      {
        method: 'GET',
        path: '/x',
        handler: async () => {
          throw new BrokerError('conflict', 'busy');
        },
      },
    ]);
    await expect(dispatch(failing, call('GET', '/x'))).rejects.toThrow(
      new BrokerError('conflict', 'busy'),
    );
  });

  it('routes with no routes to 404', async () => {
    await expect(dispatch(createRouter([]), call('GET', '/'))).rejects.toMatchObject({
      kind: 'not_found',
    });
  });
});

describe('createRouter: the route of the last request is found again without the maps', () => {
  it('answers each request by its own method and path when they alternate', async () => {
    const find = createRouter([
      { method: 'POST', path: '/v1/token', handler: handler('token') },
      { method: 'GET', path: '/v1/jwks', handler: handler('jwks') },
    ]);
    const name = async (method: string, path: string) => {
      const answer = await dispatch(find, call(method, path));
      return (JSON.parse(answer.body) as { name: string }).name;
    };
    expect(await name('POST', '/v1/token')).toBe('token');
    expect(await name('POST', '/v1/token')).toBe('token');
    expect(await name('GET', '/v1/jwks')).toBe('jwks');
    expect(() => find(call('GET', '/v1/token'))).toThrow(BrokerError);
    expect(() => find(call('POST', '/v1/jwk'))).toThrow(BrokerError);
    expect(await name('POST', '/v1/token')).toBe('token');
  });
});
