import { describe, expect, it } from 'vitest';
import { BrokerError, type BrokerErrorKind, ERROR_KINDS } from '../../../shared/domain/errors.js';
import { toErrorResponse } from '../../../shared/http/error-response.js';

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  pragma: 'no-cache',
};

const EXPECTED = {
  invalid_request: [400, 'invalid_request'],
  access_denied: [403, 'access_denied'],
  not_found: [404, 'not_found'],
  method_not_allowed: [405, 'method_not_allowed'],
  conflict: [409, 'conflict'],
  payload_too_large: [413, 'invalid_request'],
  unsupported_media_type: [415, 'invalid_request'],
  rate_limited: [429, 'temporarily_unavailable'],
  upstream_refused: [403, 'access_denied'],
  upstream_rejected_grant: [502, 'server_error'],
  broker_misconfigured: [502, 'server_error'],
  upstream_unavailable: [502, 'temporarily_unavailable'],
  upstream_timeout: [504, 'temporarily_unavailable'],
  signing_failed: [500, 'server_error'],
  internal: [500, 'server_error'],
} satisfies Record<BrokerErrorKind, [number, string]>;

describe('toErrorResponse', () => {
  it.each(Object.entries(EXPECTED) as [BrokerErrorKind, [number, string]][])(
    '%s → %j',
    (kind, [status, code]) => {
      const error = new BrokerError(kind, `message for ${kind}`);
      const response = toErrorResponse(error);
      expect(ERROR_KINDS[kind].status).toBe(status);
      expect(response).toStrictEqual({
        status,
        headers: JSON_HEADERS,
        body: JSON.stringify({ error: code, error_description: `message for ${kind}` }),
      });
    },
  );

  it('keeps an overriding error code', () => {
    const error = new BrokerError(
      'upstream_refused',
      'Maskinporten refused the request: MP-200 x',
      {
        error: 'invalid_scope',
        upstream: {
          status: 400,
          error: 'invalid_scope',
          error_description: 'MP-200 x',
          code: 'MP-200',
        },
      },
    );
    const response = toErrorResponse(error);
    expect(response.status).toBe(403);
    expect(JSON.parse(response.body)).toStrictEqual({
      error: 'invalid_scope',
      error_description: 'Maskinporten refused the request: MP-200 x',
      maskinporten_error: { status: 400, error: 'invalid_scope', error_description: 'MP-200 x' },
    });
  });

  it.each([
    [{ status: 400 }, { status: 400 }],
    [
      { status: 401, error: 'invalid_client' },
      { status: 401, error: 'invalid_client' },
    ],
    [
      { status: 400, error_description: 'd' },
      { status: 400, error_description: 'd' },
    ],
  ])('passes on only what Maskinporten said: %j', (upstream, shown) => {
    const body = JSON.parse(
      toErrorResponse(new BrokerError('upstream_rejected_grant', 'm', { upstream })).body,
    );
    expect(body).toStrictEqual({
      error: 'server_error',
      error_description: 'm',
      maskinporten_error: shown,
    });
  });

  it('names Altinn as the source when it is', () => {
    const error = new BrokerError('upstream_refused', 'Altinn said no', {
      upstream: { status: 403, error: 'AUTH-00011' },
      upstreamSource: 'altinn',
    });
    expect(JSON.parse(toErrorResponse(error).body)).toStrictEqual({
      error: 'access_denied',
      error_description: 'Altinn said no',
      altinn_error: { status: 403, error: 'AUTH-00011' },
    });
  });

  it('says maskinporten_error when the source is explicitly Maskinporten', () => {
    const error = new BrokerError('upstream_refused', 'm', {
      upstream: { status: 403 },
      upstreamSource: 'maskinporten',
    });
    expect(JSON.parse(toErrorResponse(error).body)).toHaveProperty('maskinporten_error', {
      status: 403,
    });
  });

  it.each([
    [1, '1'],
    [0, '0'],
    [30, '30'],
  ])('sets Retry-After %d', (retryAfter, header) => {
    const response = toErrorResponse(new BrokerError('upstream_unavailable', 'm', { retryAfter }));
    expect(response.headers).toStrictEqual({ ...JSON_HEADERS, 'retry-after': header });
  });

  it('merges extra headers, the error’s own headers winning', () => {
    const error = new BrokerError('method_not_allowed', 'm', {
      headers: { allow: 'POST', 'x-a': 'error' },
    });
    expect(toErrorResponse(error, { 'x-a': 'extra', 'x-request-id': 'r1' }).headers).toStrictEqual({
      ...JSON_HEADERS,
      'x-a': 'error',
      'x-request-id': 'r1',
      allow: 'POST',
    });
  });

  it('does not change the caller’s extra headers', () => {
    const extra = { 'x-request-id': 'r1' };
    toErrorResponse(new BrokerError('upstream_timeout', 'm', { retryAfter: 1 }), extra);
    expect(extra).toStrictEqual({ 'x-request-id': 'r1' });
  });

  it.each([
    ['an Error', new Error('token eyJhbGciOiJSUzI1NiJ9.SECRET leaked')],
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'SECRET')")],
    ['a string', 'SECRET string'],
    ['undefined', undefined],
    ['null', null],
    [
      'a BrokerError look-alike',
      { name: 'BrokerError', kind: 'invalid_request', message: 'SECRET' },
    ],
  ])('answers a generic 500 for %s, without its message', (_, thrown) => {
    const response = toErrorResponse(thrown);
    expect(response).toStrictEqual({
      status: 500,
      headers: JSON_HEADERS,
      body: JSON.stringify({ error: 'server_error', error_description: 'internal error' }),
    });
    expect(response.body).not.toContain('SECRET');
  });
});
