import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../infra/constructs/token-api.js';
import { type BrokerTransport, TRANSPORTS } from '../support/broker-transports.js';
import {
  assertConforms,
  type ObservedResponse,
  schemaProblems,
} from '../support/openapi-conformance.js';

// The contract as OpenAPI 3.1 (shared/http/openapi.json): the document is valid, every schema in
// it compiles, it lists exactly the routes the API serves, both transports serve it, and the
// validator the contract-test helpers run on every answer fails an answer that breaks it.

type Json = Record<string, unknown>;
const DOCUMENT_TEXT = readFileSync(
  new URL('../../shared/http/openapi.json', import.meta.url),
  'utf8',
);
const document = () => JSON.parse(DOCUMENT_TEXT) as Json;
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

function operations(doc: Json): string[] {
  return Object.entries(doc['paths'] as Record<string, Json>).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((key) => HTTP_METHODS.includes(key))
      .map((method) => `${method.toUpperCase()} ${path}`),
  );
}

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();

    const result = await validator.validate(document());

    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('fails that check when the document breaks the OpenAPI schema', async () => {
    const broken = document();
    const health = (
      broken['paths'] as Record<string, { get: { responses: Record<string, Json> } }>
    )['/v1/health'];
    delete health?.get.responses['200']?.['description'];

    const result = await new Validator().validate(broken);

    expect(result.valid).toBe(false);
  });

  it('has only schemas that compile as JSON Schema 2020-12 in strict mode', () => {
    expect(schemaProblems()).toEqual([]);
  });

  it.each([
    ['a type that does not exist', { type: 'strin' }],
    ['an unknown keyword', { type: 'string', maxLenght: 3 }],
  ])('reports a schema with %s', (_what, schema) => {
    const broken = document();
    ((broken['components'] as Json)['schemas'] as Json)['Health'] = schema;

    expect(schemaProblems(broken)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^#\/components\/schemas\/Health: /)]),
    );
  });

  it('lists exactly the routes API Gateway forwards to the broker', () => {
    expect(operations(document()).sort()).toEqual(
      ROUTES.map((route) => `${route.method} ${route.path}`).sort(),
    );
  });
});

describe.each(TRANSPORTS)('the contract over %s', (_name, start) => {
  let broker: BrokerTransport;

  beforeAll(async () => {
    broker = await start();
  });
  afterAll(async () => {
    await broker.close();
  });

  it('serves the document at GET /v1/openapi.json', async () => {
    const response = await broker.call({ method: 'GET', path: '/v1/openapi.json' });

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers['cache-control']).toBe('max-age=300');
    expect(response.json).toEqual(document());
  });

  // Each answer is also checked against the document by the transport helper.
  it.each([
    ['POST', '/v1/token', { scope: 'krr:global/kontaktinformasjon.read' }, 200],
    ['GET', '/v1/jwks', undefined, 200],
    ['GET', '/v1/health', undefined, 200],
    ['GET', '/v1/openapi.json', undefined, 200],
    ['POST', '/v1/systemuser-requests', { org: '987654321', type: 'standard' }, 400],
    ['GET', '/v1/systemuser-requests?org=314250052', undefined, 404],
    ['GET', '/v1/systemuser-requests/00000000-0000-4000-8000-000000000000', undefined, 404],
    ['DELETE', '/v1/systemuser-requests/00000000-0000-4000-8000-000000000000', undefined, 404],
    ['GET', '/v1/systemusers?org=314250052', undefined, 200],
    ['POST', '/v1/systemuser-changes', { org: '314250052' }, 404],
    ['GET', '/v1/systemuser-changes?org=314250052', undefined, 200],
    ['GET', '/v1/systemuser-changes/00000000-0000-4000-8000-000000000000', undefined, 404],
    ['DELETE', '/v1/systemuser-changes/00000000-0000-4000-8000-000000000000', undefined, 404],
  ])('routes %s %s', async (method, path, body, status) => {
    const response = await broker.call({ method, path, ...(body ? { body } : {}) });

    expect(response.status).toBe(status);
    // Routed: Altinn's 404 (or the broker's own for an id it will not show), not the router's.
    if (status === 404) expect(response.json.error_description).not.toBe('no such endpoint');
  });

  it('covers every documented operation in the test above', () => {
    const called = [
      'POST /v1/token',
      'GET /v1/jwks',
      'GET /v1/health',
      'GET /v1/openapi.json',
      'POST /v1/systemuser-requests',
      'GET /v1/systemuser-requests',
      'GET /v1/systemuser-requests/{id}',
      'DELETE /v1/systemuser-requests/{id}',
      'GET /v1/systemusers',
      'POST /v1/systemuser-changes',
      'GET /v1/systemuser-changes',
      'GET /v1/systemuser-changes/{id}',
      'DELETE /v1/systemuser-changes/{id}',
    ];
    expect(operations(document()).sort()).toEqual(called.sort());
  });
});

describe('the conformance check', () => {
  const json = (body: unknown, headers: Record<string, string> = {}): ObservedResponse => ({
    status: 200,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      ...headers,
    },
    text: JSON.stringify(body),
  });
  const TOKEN_BODY = { access_token: 'eyJ.x.y', token_type: 'Bearer', expires_in: 60, scope: 's' };
  const ERROR = { error: 'temporarily_unavailable', error_description: 'x' };

  it('passes answers that conform', () => {
    const token = json(TOKEN_BODY, { 'broker-token-source': 'memory' });

    expect(assertConforms({ method: 'POST', path: '/v1/token' }, token)).toBe(token);
    expect(() =>
      assertConforms(
        { method: 'PUT', path: '/v1/token' },
        {
          ...json({ error: 'method_not_allowed', error_description: 'x' }, { allow: 'POST' }),
          status: 405,
        },
      ),
    ).not.toThrow();
  });

  it.each([
    [
      'a missing required header',
      'POST',
      '/v1/token',
      json(TOKEN_BODY),
      /POST \/v1\/token answered 200, which does not conform.*header Broker-Token-Source is required/,
    ],
    [
      'a header value outside its schema',
      'POST',
      '/v1/token',
      json(TOKEN_BODY, { 'broker-token-source': 'cache' }),
      /header Broker-Token-Source: value must be equal to one of the allowed values/,
    ],
    [
      'a body member the schema does not have',
      'POST',
      '/v1/token',
      json({ ...TOKEN_BODY, refresh_token: 'x' }, { 'broker-token-source': 'memory' }),
      /body must NOT have additional properties.*#\/paths\/\/v1\/token\/post\/responses\/200/,
    ],
    [
      'an undocumented status',
      'POST',
      '/v1/token',
      { ...json(ERROR), status: 418 },
      /status 418 is not documented for POST \/v1\/token/,
    ],
    [
      'an error code the status does not allow',
      'POST',
      '/v1/token',
      { ...json({ ...ERROR, error: 'invalid_request' }), status: 504 },
      /answered 504.*body\/error must be equal to one of the allowed values.*GatewayTimeout/,
    ],
    [
      'a body where none is documented',
      'DELETE',
      '/v1/systemuser-requests/00000000-0000-4000-8000-000000000000',
      { ...json({}), status: 204 },
      /DELETE \/v1\/systemuser-requests\/0.*answered 204.*a body was sent/,
    ],
    [
      'a success on an unknown path',
      'GET',
      '/v1/nope',
      json({}),
      /unknown path: expected one of .*404 \(NotFound\)/,
    ],
    [
      'a 405 without Allow',
      'PUT',
      '/v1/token',
      { ...json({ error: 'method_not_allowed', error_description: 'x' }), status: 405 },
      /header Allow is required/,
    ],
    [
      'another media type',
      'GET',
      '/v1/health',
      { ...json({ status: 'ok' }), headers: { 'content-type': 'text/html' } },
      /content-type text\/html is not documented/,
    ],
  ])(
    'fails %s, naming the route, the status and the error',
    (_what, method, path, response, message) => {
      expect(() => assertConforms({ method, path }, response)).toThrow(message);
    },
  );
});
