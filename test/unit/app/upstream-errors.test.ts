import { describe, expect, it } from 'vitest';
import {
  classifyFailure,
  classifySigningFailure,
  exhaustedToBrokerError,
  isRetryable,
  rejectionToBrokerError,
  type SigningFailureClass,
  signingFailure,
  type UpstreamFailureClass,
  upstreamDetail,
} from '../../../shared/app/upstream-errors.js';
import { BrokerError } from '../../../shared/domain/errors.js';
import type { UpstreamFailure } from '../../../shared/ports/authorization-server.js';

const http = (status: number, error?: string, description?: string): UpstreamFailure => ({
  kind: 'http',
  status,
  body: {
    ...(error === undefined ? {} : { error }),
    ...(description === undefined ? {} : { error_description: description }),
  },
});

const CLASSIFICATION: [string, UpstreamFailure, boolean, UpstreamFailureClass][] = [
  ['network', { kind: 'network', message: 'connection failed (ECONNRESET)' }, true, 'unavailable'],
  ['timeout', { kind: 'timeout', message: 'no answer before the timeout' }, true, 'timeout'],
  ['500', http(500), true, 'unavailable'],
  ['502', http(502), true, 'unavailable'],
  ['503 with a body', http(503, 'temporarily_unavailable'), true, 'unavailable'],
  ['504', http(504), true, 'unavailable'],
  ['429', http(429), true, 'unavailable'],
  [
    'an HTML 500 (malformed)',
    { kind: 'malformed', status: 500, message: 'not JSON' },
    true,
    'unavailable',
  ],
  [
    'an HTML 502 (malformed)',
    { kind: 'malformed', status: 502, message: 'not JSON' },
    true,
    'unavailable',
  ],
  [
    'a 200 without access_token (malformed)',
    { kind: 'malformed', status: 200, message: 'token response without access_token' },
    true,
    'unavailable',
  ],
  [
    'MP-200 invalid_scope',
    http(400, 'invalid_scope', 'MP-200 Token request contains invalid scopes for client'),
    false,
    'refused',
  ],
  [
    'MP-201 invalid_scope',
    http(400, 'invalid_scope', 'MP-201 Token request contains scopes not allowed for maskinporten'),
    false,
    'refused',
  ],
  ['invalid_scope without an MP id', http(400, 'invalid_scope'), false, 'refused'],
  [
    'MP-303 system user lookup',
    http(
      400,
      'invalid_altinn_customer_configuration',
      'MP-303 Invalid Altinn customer configuration',
    ),
    false,
    'refused',
  ],
  [
    'invalid_altinn_customer_configuration without an id',
    http(400, 'invalid_altinn_customer_configuration'),
    false,
    'refused',
  ],
  // Not Maskinporten's OAuth JSON (an HTML page, a proxy's answer): an upstream failure.
  ['a bare 403 (no OAuth error body)', http(403), true, 'unavailable'],
  ['a 403 with an OAuth error and no MP code', http(403, 'access_denied'), false, 'refused'],
  [
    'MP-300 under 403',
    http(403, 'access_denied', 'MP-300 Consumer has not been granted access to the scope x'),
    false,
    'refused',
  ],
  [
    'MP-301 delegation',
    http(
      400,
      'invalid_request',
      'MP-301 Consumer 910753614 has not delegated access to the scope x to supplier 313725138',
    ),
    false,
    'refused',
  ],
  [
    'consumer_org combination',
    http(
      400,
      'invalid_request',
      'Invalid assertion. The combination consumer_org in claim and delegation scope on client is invalid',
    ),
    false,
    'refused',
  ],
  ['unauthorized_client', http(400, 'unauthorized_client'), false, 'refused'],
  [
    'MP-100 invalid_grant',
    http(400, 'invalid_grant', 'MP-100 Invalid assertion. Client authentication failed.'),
    false,
    'grant_rejected',
  ],
  [
    'MP-110 wrong aud',
    http(400, 'invalid_grant', 'MP-110 Invalid assertion. Invalid JWT claim aud'),
    false,
    'grant_rejected',
  ],
  [
    'MP-120 certificate',
    http(400, 'invalid_grant', 'MP-120 The JWT is signed with an invalid certificate.'),
    false,
    'grant_rejected',
  ],
  ['MP-121 expired key', http(400, 'invalid_grant', 'MP-121 Expired key'), false, 'grant_rejected'],
  [
    'MP-124 signature',
    http(400, 'invalid_grant', 'MP-124 Invalid JWT signature'),
    false,
    'grant_rejected',
  ],
  [
    'MP-130 expired grant',
    http(400, 'invalid_grant', 'MP-130 JWT is expired'),
    false,
    'grant_rejected',
  ],
  [
    'MP-012 reused grant',
    http(400, 'invalid_grant', 'MP-012 Grant is used before'),
    false,
    'grant_rejected',
  ],
  [
    'MP-011 invalid parameter',
    http(400, 'invalid_request', 'MP-011 Invalid assertion. Invalid parameter value'),
    false,
    'grant_rejected',
  ],
  ['unsupported_grant_type', http(400, 'unsupported_grant_type'), false, 'grant_rejected'],
  ['401', http(401, 'invalid_client'), false, 'grant_rejected'],
  ['a bare 401', http(401), false, 'grant_rejected'],
  ['a bare 400', http(400), false, 'grant_rejected'],
  ['404', http(404), false, 'grant_rejected'],
  ['408 is not retried', http(408), false, 'grant_rejected'],
  [
    'MP-1000 is not MP-100',
    http(400, 'invalid_grant', 'MP-1000 something'),
    false,
    'grant_rejected',
  ],
];

describe('isRetryable and classifyFailure', () => {
  it.each(CLASSIFICATION)('%s: retryable %s, class %s', (_, failure, retryable, cls) => {
    expect(isRetryable(failure)).toBe(retryable);
    expect(classifyFailure(failure)).toBe(cls);
  });
});

describe('upstreamDetail', () => {
  it.each([
    ['network', { kind: 'network', message: 'x' } as UpstreamFailure],
    ['timeout', { kind: 'timeout', message: 'x' } as UpstreamFailure],
    ['malformed', { kind: 'malformed', status: 500, message: 'x' } as UpstreamFailure],
  ])('is undefined for %s', (_, failure) => {
    expect(upstreamDetail(failure)).toBeUndefined();
  });

  it.each([
    [http(400), { status: 400 }],
    [http(400, 'invalid_grant'), { status: 400, error: 'invalid_grant' }],
    [
      http(400, 'invalid_grant', 'MP-100 Invalid assertion'),
      {
        status: 400,
        error: 'invalid_grant',
        error_description: 'MP-100 Invalid assertion',
        code: 'MP-100',
      },
    ],
    [
      http(400, 'invalid_grant', '  MP-124 leading space'),
      {
        status: 400,
        error: 'invalid_grant',
        error_description: '  MP-124 leading space',
        code: 'MP-124',
      },
    ],
    [
      http(400, 'invalid_grant', 'Invalid assertion (MP-100)'),
      {
        status: 400,
        error: 'invalid_grant',
        error_description: 'Invalid assertion (MP-100)',
        code: 'MP-100',
      },
    ],
    [
      http(403, 'access_denied', 'Forbidden: MP-301 Consumer has not delegated access'),
      {
        status: 403,
        error: 'access_denied',
        error_description: 'Forbidden: MP-301 Consumer has not delegated access',
        code: 'MP-301',
      },
    ],
    [
      http(400, 'invalid_grant', 'ref XMP-100 is not a code'),
      { status: 400, error: 'invalid_grant', error_description: 'ref XMP-100 is not a code' },
    ],
    [
      http(400, undefined, 'MP-1234 too long'),
      { status: 400, error_description: 'MP-1234 too long' },
    ],
  ])('%j → %j', (failure, detail) => {
    expect(upstreamDetail(failure)).toStrictEqual(detail);
  });
});

describe('rejectionToBrokerError', () => {
  it.each([
    [
      'MP-200 keeps invalid_scope',
      http(400, 'invalid_scope', 'MP-200 Token request contains invalid scopes for client'),
      'invalid_scope',
    ],
    [
      'MP-303 keeps invalid_altinn_customer_configuration',
      http(400, 'invalid_altinn_customer_configuration', 'MP-303 system user not found'),
      'invalid_altinn_customer_configuration',
    ],
    ['MP-301 keeps its error', http(403, 'access_denied', 'MP-301 not delegated'), 'access_denied'],
  ])('%s', (_, failure, error) => {
    const result = rejectionToBrokerError(failure);
    if (failure.kind !== 'http') throw new Error('test setup');
    expect(result).toBeInstanceOf(BrokerError);
    expect(result.kind).toBe('upstream_refused');
    expect(result.error).toBe(error);
    expect(result.message).toBe(
      `Maskinporten refused the request: ${failure.body.error_description}`,
    );
    expect(result.upstream).toStrictEqual(upstreamDetail(failure));
    expect(result.retryAfter).toBeUndefined();
  });

  it('refuses a 403 with only an OAuth error as that error', () => {
    const result = rejectionToBrokerError(http(403, 'access_denied'));
    expect(result.kind).toBe('upstream_refused');
    expect(result.error).toBe('access_denied');
    expect(result.message).toBe('Maskinporten refused the request: access_denied');
    expect(result.upstream).toStrictEqual({ status: 403, error: 'access_denied' });
  });

  it('reads an MP-3xx code found inside the description as a refusal', () => {
    const failure = http(400, 'invalid_request', 'System user lookup failed (MP-303)');
    expect(classifyFailure(failure)).toBe('refused');
    expect(rejectionToBrokerError(failure).error).toBe('invalid_request');
  });

  it.each([
    [
      'MP-100',
      http(400, 'invalid_grant', 'MP-100 Invalid assertion. Client authentication failed.'),
      "Maskinporten rejected the broker's grant: MP-100 Invalid assertion. Client authentication failed.",
    ],
    [
      'error only',
      http(400, 'unsupported_grant_type'),
      "Maskinporten rejected the broker's grant: unsupported_grant_type",
    ],
    ['a bare 401', http(401), "Maskinporten rejected the broker's grant: HTTP 401"],
  ])('turns %s into upstream_rejected_grant', (_, failure, message) => {
    const result = rejectionToBrokerError(failure);
    expect(result.kind).toBe('upstream_rejected_grant');
    expect(result.error).toBeUndefined();
    expect(result.message).toBe(message);
    expect(result.upstream).toStrictEqual(upstreamDetail(failure));
  });

  it.each([
    [{ kind: 'malformed', status: 200, message: 'token response without access_token' }],
    [{ kind: 'malformed', status: 200, message: 'metadata names another issuer: https://x/' }],
  ] as [UpstreamFailure][])(
    'describes a malformed answer that kept coming by what was wrong: %j',
    (failure) => {
      const result = exhaustedToBrokerError(failure, 3);
      expect(result.kind).toBe('upstream_unavailable');
      expect(result.upstream).toBeUndefined();
      expect(result.message).not.toContain('undefined');
      if (failure.kind === 'malformed') expect(result.message).toContain(failure.message);
    },
  );
});

describe('exhaustedToBrokerError', () => {
  it.each([
    [undefined, 0, 'no answer from Maskinporten before the deadline (0 attempts)'],
    [
      { kind: 'timeout', message: 't' } as UpstreamFailure,
      1,
      'no answer from Maskinporten before the deadline (1 attempt)',
    ],
    [
      { kind: 'timeout', message: 't' } as UpstreamFailure,
      3,
      'no answer from Maskinporten before the deadline (3 attempts)',
    ],
  ])('%j after %d → upstream_timeout', (last, attempts, message) => {
    const result = exhaustedToBrokerError(last, attempts);
    expect(result.kind).toBe('upstream_timeout');
    expect(result.message).toBe(message);
    expect(result.retryAfter).toBe(1);
    expect(result.upstream).toBeUndefined();
  });

  it.each([
    [
      { kind: 'network', message: 'connection failed (ECONNREFUSED)' } as UpstreamFailure,
      2,
      'Maskinporten kept failing: connection failed (ECONNREFUSED) after 2 attempts',
      undefined,
    ],
    [
      { kind: 'malformed', status: 502, message: 'not JSON' } as UpstreamFailure,
      1,
      'Maskinporten kept failing: not JSON after 1 attempt',
      undefined,
    ],
    [
      http(503, 'temporarily_unavailable'),
      3,
      'Maskinporten kept failing: HTTP 503 after 3 attempts',
      { status: 503, error: 'temporarily_unavailable' },
    ],
    [http(429), 2, 'Maskinporten kept failing: HTTP 429 after 2 attempts', { status: 429 }],
  ])('%j after %d → upstream_unavailable', (last, attempts, message, upstream) => {
    const result = exhaustedToBrokerError(last, attempts);
    expect(result.kind).toBe('upstream_unavailable');
    expect(result.message).toBe(message);
    expect(result.retryAfter).toBe(1);
    expect(result.upstream).toStrictEqual(upstream);
  });
});

describe('classifySigningFailure and signingFailure (KMS Sign)', () => {
  // As the KMS adapter throws them: its own Error naming the operation, the SDK's error as cause.
  const wrapped = (name: string) =>
    new Error(`KMS Sign failed: ${name}`, { cause: Object.assign(new Error(name), { name }) });

  it.each<[string, SigningFailureClass, string, number]>([
    ['ThrottlingException', 'throttled', 'upstream_unavailable', 502],
    ['LimitExceededException', 'throttled', 'upstream_unavailable', 502],
    ['AccessDeniedException', 'denied', 'signing_failed', 500],
    ['DisabledException', 'denied', 'signing_failed', 500],
    ['NotFoundException', 'denied', 'signing_failed', 500],
    ['KMSInvalidStateException', 'denied', 'signing_failed', 500],
    // Retryable by KMS's API reference: the caller may come back (and stale-if-error applies).
    ['KMSInternalException', 'other', 'upstream_unavailable', 502],
    ['KeyUnavailableException', 'other', 'upstream_unavailable', 502],
    ['DependencyTimeoutException', 'other', 'upstream_unavailable', 502],
    ['TimeoutError', 'other', 'upstream_unavailable', 502],
    ['InvalidKeyUsageException', 'other', 'signing_failed', 500],
  ])('%s is %s (%s)', (name, cls, kind) => {
    expect(classifySigningFailure(wrapped(name), false)).toBe(cls);
    expect(signingFailure(wrapped(name), false).kind).toBe(kind);
  });

  it('a signer that did not answer before the deadline is other (504), whatever it threw', () => {
    expect(classifySigningFailure(wrapped('ThrottlingException'), true)).toBe('other');
    expect(signingFailure(wrapped('ThrottlingException'), true).kind).toBe('upstream_timeout');
  });

  it('a plain error (the file signer) is other', () => {
    expect(classifySigningFailure(new Error('boom'), false)).toBe('other');
    expect(classifySigningFailure('not an error', false)).toBe('other');
  });
});
