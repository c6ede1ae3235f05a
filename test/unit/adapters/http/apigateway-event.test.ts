import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  type ApiGatewayProxyEvent,
  callerFromIdentity,
  callerFromUserArn,
  fromApiGatewayEvent,
  toApiGatewayResult,
} from '../../../../shared/adapters/http/apigateway-event.js';
import { readJsonBody } from '../../../../shared/http/json-body.js';

/** The reference fixtures live beside the repository, not in its own `shared/` folder. */
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const fixtureDir = path.resolve(repoRoot, '../shared/fixtures/apigateway');
const fixture = (name: string): ApiGatewayProxyEvent & Record<string, unknown> =>
  JSON.parse(readFileSync(path.join(fixtureDir, name), 'utf8'));

const decode = (body: Uint8Array | undefined) =>
  body ? Buffer.from(body).toString('utf8') : undefined;
const lowerCaseOnly = (headers: Readonly<Record<string, unknown>>) =>
  Object.keys(headers).every((name) => name === name.toLowerCase());

describe('fromApiGatewayEvent with real captures', () => {
  it('maps the IAM capture’s STS session to its role', () => {
    const event = fixture('rest-v1-iam-auth.json');
    const request = fromApiGatewayEvent(event);

    expect(request.caller).toStrictEqual({
      id: 'arn:aws:iam::123456789012:role/Admin',
      source: 'iam',
    });
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/iam');
    expect(request.requestId).toBe('89f9261a-2765-4d49-b72e-f76726991e44');
    expect(request.body).toBeUndefined();
    expect([...request.query]).toStrictEqual([]);
  });

  it('takes the role’s unique id from identity.caller (`<role id>:<session>`), as the capture carries it', () => {
    const event = fixture('rest-v1-iam-auth.json');
    // The capture's ids are obfuscated ("ABCA..."); a real role session's start with AROA.
    expect(event.requestContext?.identity?.caller).toBe('ABCAXZWZ5ZDPNIH6C6ODK:aamorosi');
    expect(fromApiGatewayEvent(event).caller?.roleId).toBeUndefined();

    const identity = {
      ...event.requestContext?.identity,
      caller: 'AROAXZWZ5ZDPNIH6C6ODK:aamorosi',
    };
    expect(
      fromApiGatewayEvent({ ...event, requestContext: { ...event.requestContext, identity } })
        .caller,
    ).toStrictEqual({
      id: 'arn:aws:iam::123456789012:role/Admin',
      roleId: 'AROAXZWZ5ZDPNIH6C6ODK',
      source: 'iam',
    });
  });

  it.each([
    [
      'an IAM user (its id is not a role’s)',
      'arn:aws:iam::123456789012:user/alice',
      'AIDAXZWZ5ZDPNIH6C6ODK',
    ],
    [
      'a role id without a session',
      'arn:aws:sts::123456789012:assumed-role/Admin/s',
      'AROAXZWZ5ZDPNIH6C6ODK',
    ],
    [
      'a role id on a non-role ARN',
      'arn:aws:iam::123456789012:user/alice',
      'AROAXZWZ5ZDPNIH6C6ODK:s',
    ],
  ])('gives no role id for %s', (_, userArn, caller) => {
    expect(callerFromIdentity({ userArn, caller })?.roleId).toBeUndefined();
  });

  it('folds the IAM capture’s mixed-case headers to lower case', () => {
    const request = fromApiGatewayEvent(fixture('rest-v1-iam-auth.json'));

    expect(lowerCaseOnly(request.headers)).toBe(true);
    expect(request.headers['x-amz-security-token']).toBe('IQoJb3JpZ[...]==');
    expect(request.headers['x-amz-date']).toBe('20240617T145824Z');
    expect(request.headers['host']).toBe('puhdx84jy9.execute-api.eu-west-1.amazonaws.com');
    expect(request.headers['x-forwarded-for']).toBe('15.248.3.126, 130.176.209.38');
    expect(request.headers['X-Amz-Security-Token']).toBeUndefined();
    expect(request.headers['authorization']).toBeUndefined();
  });

  it('reads the private-API capture (wrapped as {event, context}) without a caller', () => {
    const wrapped = fixture('rest-v1-private-api-vpce.extract.json') as {
      event: ApiGatewayProxyEvent;
    };
    const request = fromApiGatewayEvent(wrapped.event);

    expect(request).not.toHaveProperty('caller');
    expect(request.method).toBe('GET');
    expect(request.path).toBe('/');
    expect(request.body).toBeUndefined();
    expect(request.requestId).toBe('435ab1a9-f18d-11e8-b5d3-fdcc613854fa');
    expect(request.headers['x-amzn-vpce-id']).toBe('vpce-05d0829ef39b4d2b8');
    expect(request.headers['x-forwarded-host']).toBe('dg-bobo.dg-api.com');
    expect(lowerCaseOnly(request.headers)).toBe(true);
    expect([...request.query]).toStrictEqual([]);
  });

  it('does not crash on isBase64Encoded=true with a body that is not base64', () => {
    const event = fixture('rest-v1-isbase64encoded-true.json');
    expect(event.isBase64Encoded).toBe(true);

    const request = fromApiGatewayEvent(event);
    expect(request.body).toBeDefined();
    expect(
      Buffer.from(request.body ?? []).equals(Buffer.from('Hello from Lambda!', 'base64')),
    ).toBe(true);
    expect(request).not.toHaveProperty('caller');
    expect(request.requestId).toBe('id=');
    expect(request.method).toBe('GET');
  });

  it('refuses that garbage body cleanly when it is read as JSON', () => {
    const request = fromApiGatewayEvent(fixture('rest-v1-isbase64encoded-true.json'));
    expect(() =>
      readJsonBody({ ...request, headers: { 'content-type': 'application/json' } }),
    ).toThrow(/^the body is not valid (UTF-8|JSON)$/);
  });

  it('uses multiValueHeaders and multiValueQueryStringParameters', () => {
    const request = fromApiGatewayEvent(fixture('rest-v1-isbase64encoded-true.json'));

    expect(request.headers).toStrictEqual({ header1: 'value1', header2: 'value1, value2' });
    expect(request.query.getAll('parameter1')).toStrictEqual(['value1', 'value2']);
    expect(request.query.getAll('parameter2')).toStrictEqual(['value']);
  });

  it('reads the POST capture’s CRLF JSON body as UTF-8', () => {
    const request = fromApiGatewayEvent(fixture('rest-v1-post-json-body.json'));

    expect(decode(request.body)).toBe('{\r\n  "testString": "string"\r\n}');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request).not.toHaveProperty('caller');
    expect(readJsonBody(request)).toStrictEqual({ testString: 'string' });
  });

  it('tolerates missing keys (no isBase64Encoded at all) and keeps a non-ARN userArn as is', () => {
    const event = fixture('rest-v1-all-identity-fields.json');
    expect(Object.hasOwn(event, 'isBase64Encoded')).toBe(false);

    const request = fromApiGatewayEvent(event);
    expect(decode(request.body)).toBe('{\r\n\t"a": 1\r\n}');
    expect(readJsonBody(request)).toStrictEqual({ a: 1 });
    expect(request.caller).toStrictEqual({ id: 'theUserArn', source: 'iam' });
    expect(request.path).toBe('/hello/world');
    expect(request.query.getAll('name')).toStrictEqual(['me']);
    expect(request.headers['headername']).toBe('headerValue');
    expect(request.headers['cache-control']).toBe('no-cache');
    expect(lowerCaseOnly(request.headers)).toBe(true);
  });

  it('tolerates null headers in the console test event', () => {
    const event = fixture('rest-v1-console-test-invoke.json');
    expect(event.headers).toBeNull();
    expect(event.multiValueHeaders).toBeNull();

    const request = fromApiGatewayEvent(event);
    expect(request.headers).toStrictEqual({});
    expect(request.caller).toStrictEqual({
      id: 'arn:aws:iam::123456789012:role/Admin',
      source: 'iam',
    });
    expect(request.path).toBe('/no-auth');
  });
});

describe('fromApiGatewayEvent with synthetic events', () => {
  it('copes with an empty event', () => {
    const request = fromApiGatewayEvent({});
    expect(request.method).toBe('GET');
    expect(request.path).toBe('/');
    expect(request.headers).toStrictEqual({});
    expect([...request.query]).toStrictEqual([]);
    expect(request).not.toHaveProperty('body');
    expect(request).not.toHaveProperty('caller');
    expect(request).not.toHaveProperty('requestId');
  });

  it.each([
    [{ httpMethod: null, path: null, headers: null, body: null, requestContext: null }],
    [{ requestContext: { identity: null, requestId: null } }],
    [{ requestContext: { identity: { userArn: '' }, requestId: '' } }],
  ] as [ApiGatewayProxyEvent][])('copes with nulls and empties: %j', (event) => {
    const request = fromApiGatewayEvent(event);
    expect(request.method).toBe('GET');
    expect(request.path).toBe('/');
    expect(request).not.toHaveProperty('caller');
    expect(request).not.toHaveProperty('requestId');
  });

  it('upper-cases the method', () => {
    expect(fromApiGatewayEvent({ httpMethod: 'post' }).method).toBe('POST');
  });

  it('keeps an empty body as zero bytes', () => {
    expect(fromApiGatewayEvent({ body: '' }).body?.byteLength).toBe(0);
  });

  it.each([
    ['base64', { body: Buffer.from('{"scope":"ø"}').toString('base64'), isBase64Encoded: true }],
    ['utf8', { body: '{"scope":"ø"}', isBase64Encoded: false }],
    ['utf8 when the flag is null', { body: '{"scope":"ø"}', isBase64Encoded: null }],
  ] as [string, ApiGatewayProxyEvent][])('decodes a %s body', (_, event) => {
    expect(decode(fromApiGatewayEvent(event).body)).toBe('{"scope":"ø"}');
  });

  it('prefers multi-value headers, falls back to single ones', () => {
    const request = fromApiGatewayEvent({
      headers: { 'Content-Type': 'application/json', 'X-Only-Single': 's', Accept: 'last' },
      multiValueHeaders: { Accept: ['a', 'b'], 'X-Empty': [], 'X-Undefined': undefined },
    });
    expect(request.headers).toStrictEqual({
      accept: 'a, b',
      'content-type': 'application/json',
      'x-only-single': 's',
    });
  });

  it('keeps one value when a header name appears in two casings', () => {
    const request = fromApiGatewayEvent({
      headers: { 'Content-Type': 'application/json', 'content-type': 'text/plain' },
    });
    expect(Object.keys(request.headers)).toStrictEqual(['content-type']);
  });

  it('prefers multi-value query parameters, falls back to single ones', () => {
    const multi = fromApiGatewayEvent({
      queryStringParameters: { a: '2', b: 'x' },
      multiValueQueryStringParameters: { a: ['1', '2'] },
    });
    expect([...multi.query]).toStrictEqual([
      ['a', '1'],
      ['a', '2'],
    ]);
    const single = fromApiGatewayEvent({ queryStringParameters: { a: '1', b: undefined } });
    expect([...single.query]).toStrictEqual([['a', '1']]);
  });
});

describe('callerFromUserArn', () => {
  it.each([
    [
      'arn:aws:sts::123456789012:assumed-role/Admin/aamorosi',
      'arn:aws:iam::123456789012:role/Admin',
    ],
    [
      'arn:aws:sts::123456789012:assumed-role/billing-prod/a.b@c=d,e-f',
      'arn:aws:iam::123456789012:role/billing-prod',
    ],
    [
      'arn:aws:sts::123456789012:assumed-role/Role_1+x/i-0abc',
      'arn:aws:iam::123456789012:role/Role_1+x',
    ],
    ['arn:aws-cn:sts::123456789012:assumed-role/R/s', 'arn:aws-cn:iam::123456789012:role/R'],
    [
      'arn:aws-us-gov:sts::123456789012:assumed-role/R/s',
      'arn:aws-us-gov:iam::123456789012:role/R',
    ],
  ])('maps the session %s to %s', (userArn, id) => {
    expect(callerFromUserArn(userArn)).toStrictEqual({ id, source: 'iam' });
  });

  it.each([
    'arn:aws:iam::123456789012:user/alice',
    'arn:aws:iam::123456789012:user/path/alice',
    'arn:aws:iam::123456789012:role/Admin',
    'arn:aws:iam::123456789012:root',
    'arn:aws:sts::123456789012:federated-user/bob',
    'arn:aws:sts::123456789012:assumed-role/Admin',
    'arn:aws:sts::123456789012:assumed-role/Admin/s/extra',
    'arn:aws:sts::12345678901:assumed-role/Admin/s',
    'arn:aws:sts:eu-west-1:123456789012:assumed-role/Admin/s',
    'theUserArn',
  ])('keeps %s as is', (userArn) => {
    expect(callerFromUserArn(userArn)).toStrictEqual({ id: userArn, source: 'iam' });
  });

  it.each([null, undefined, ''])('has no caller for %j', (userArn) => {
    expect(callerFromUserArn(userArn)).toBeUndefined();
  });
});

describe('toApiGatewayResult', () => {
  it('maps the response one to one, never base64', () => {
    const headers = { 'content-type': 'application/json; charset=utf-8' };
    expect(
      toApiGatewayResult({ status: 403, headers, body: '{"error":"access_denied"}' }),
    ).toStrictEqual({
      statusCode: 403,
      headers,
      body: '{"error":"access_denied"}',
      isBase64Encoded: false,
    });
  });
});
