import { describe, expect, it } from 'vitest';
import { jsonResponse } from '../../../shared/http/responses.js';

describe('jsonResponse', () => {
  it.each([
    [200, { access_token: 'x' }, '{"access_token":"x"}'],
    [201, [1, 'ø'], '[1,"ø"]'],
    [204, null, 'null'],
  ])('%d %j', (status, body, text) => {
    expect(jsonResponse(status, body)).toStrictEqual({
      status,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        pragma: 'no-cache',
      },
      body: text,
    });
  });

  it('adds headers and lets them override the defaults', () => {
    expect(
      jsonResponse(200, {}, { 'x-request-id': 'r', 'cache-control': 'private' }).headers,
    ).toStrictEqual({
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'private',
      pragma: 'no-cache',
      'x-request-id': 'r',
    });
  });

  it('never shares header objects between responses', () => {
    const a = jsonResponse(200, {});
    a.headers['x'] = 'y';
    expect(jsonResponse(200, {}).headers).not.toHaveProperty('x');
  });
});
