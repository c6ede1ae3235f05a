import { describe, expect, it } from 'vitest';
import type { InMemoryMetrics } from '../../../shared/adapters/metrics/in-memory-metrics.js';
import { BrokerError } from '../../../shared/domain/errors.js';
import { parseTokenRequest } from '../../../shared/domain/token-request.js';
import { Deadline } from '../../../shared/ports/deadline.js';
import {
  advance,
  clock,
  START,
  type TokenStep,
  unavailable,
  useVirtualClock,
  virtualFetcher,
  watch,
} from '../../support/virtual-upstreams.js';

// TokenFetcher on a virtual clock: attempts, backoff, Retry-After and the deadline are all timers,
// so each test moves time itself and checks what happened when.

const request = parseTokenRequest({ scope: 'krr:global/kontaktinformasjon.read' });

const fetcher = (
  steps: TokenStep[],
  options: { hangSigner?: () => boolean; failSigner?: () => Error | undefined } = {},
) => {
  const { fetcher: subject, ...rest } = virtualFetcher(steps, options);
  return { subject, ...rest };
};

describe('TokenFetcher on a virtual clock', () => {
  useVirtualClock();

  it('stores the token as received now plus expires_in', async () => {
    const { subject } = fetcher([{ token: 'a', expiresIn: 120, afterMs: 40 }]);
    const result = watch(subject.fetch(request, Deadline.after(6_000, clock)));

    await advance(40);

    expect(result.value).toEqual({
      accessToken: 'a',
      tokenType: 'Bearer',
      scope: request.scopes[0],
      expiresAt: START + 40 + 120_000,
      lifetime: 120,
    });
  });

  it('retries a 503 after the jittered backoff, each attempt with a new grant', async () => {
    const { subject, grants, jtis, metrics } = fetcher([
      { fail: unavailable() },
      { fail: unavailable() },
      { token: 'third' },
    ]);
    const result = watch(subject.fetch(request, Deadline.after(6_000, clock)));

    await advance(99);
    expect(grants).toHaveLength(1);
    await advance(1);
    expect(grants).toHaveLength(2);
    await advance(200);

    expect(result.value?.accessToken).toBe('third');
    expect(new Set(jtis).size).toBe(3);
    expect(metrics.get('MaskinportenUnavailable')).toBe(2);
  });

  it('waits out a Retry-After that fits in the deadline', async () => {
    const { subject, grants } = fetcher([{ fail: unavailable(1_000) }, { token: 'later' }]);
    const result = watch(subject.fetch(request, Deadline.after(6_000, clock)));

    await advance(999);
    expect(grants).toHaveLength(1);
    await advance(1);

    expect(result.value?.accessToken).toBe('later');
  });

  it('does not wait for a Retry-After past the deadline: 502 passing the wait on, at once', async () => {
    const { subject, grants } = fetcher([{ fail: unavailable(30_000) }, { token: 'never' }]);
    const result = watch(subject.fetch(request, Deadline.after(6_000, clock)));

    await advance(0);

    expect(grants).toHaveLength(1);
    expect(result.error).toMatchObject({ kind: 'upstream_unavailable', retryAfter: 30 });
  });

  it('never retries a refusal', async () => {
    const { subject, grants } = fetcher([
      { fail: { kind: 'http', status: 400, body: { error: 'invalid_scope' } } },
      { token: 'never' },
    ]);
    const result = watch(subject.fetch(request, Deadline.after(6_000, clock)));

    await advance(0);

    expect(grants).toHaveLength(1);
    expect(result.error).toMatchObject({ kind: 'upstream_refused', error: 'invalid_scope' });
  });

  it('gives up on a hanging attempt after its 2 s and tries again within the deadline', async () => {
    const { subject, grants } = fetcher([{ hang: true }, { token: 'second' }]);
    const result = watch(subject.fetch(request, Deadline.after(6_000, clock)));

    await advance(1_999);
    expect(grants).toHaveLength(1);
    await advance(1 + 100);

    expect(grants).toHaveLength(2);
    expect(result.value?.accessToken).toBe('second');
  });

  it('answers upstream_timeout at the deadline when Maskinporten never answers', async () => {
    const { subject } = fetcher([{ hang: true }]);
    const result = watch(subject.fetch(request, Deadline.after(1_500, clock)));

    await advance(1_499);
    expect(result.settled).toBe(false);
    await advance(1);

    expect(result.error).toBeInstanceOf(BrokerError);
    expect(result.error).toMatchObject({ kind: 'upstream_timeout', retryAfter: 1 });
  });

  it('answers upstream_timeout at the deadline when the signer never answers', async () => {
    const { subject, grants } = fetcher([{ token: 'never' }], { hangSigner: () => true });
    const result = watch(subject.fetch(request, Deadline.after(1_500, clock)));

    await advance(1_500);

    expect(grants).toHaveLength(0);
    expect(result.error).toMatchObject({
      kind: 'upstream_timeout',
      message: 'signing the grant took too long (no answer from the signer before the deadline)',
    });
  });

  it('counts a signer that never answers once, as SigningErrors, and no Signatures', async () => {
    const { subject, metrics } = fetcher([{ token: 'never' }], { hangSigner: () => true });
    const result = watch(subject.fetch(request, Deadline.after(1_500, clock)));

    await advance(1_500);

    expect(result.error).toMatchObject({ kind: 'upstream_timeout' });
    expect(signingCounts(metrics)).toEqual({ throttled: 0, denied: 0, errors: 1, signatures: 0 });
  });

  // The KMS adapter wraps the SDK error and keeps it as `cause` (kms-grant-signer.ts).
  const kmsFailure = (name: string) =>
    new Error(`KMS Sign failed: ${name}`, { cause: Object.assign(new Error(name), { name }) });

  it.each([
    ['ThrottlingException', 'upstream_unavailable', { throttled: 1, denied: 0, errors: 0 }],
    ['AccessDeniedException', 'signing_failed', { throttled: 0, denied: 1, errors: 0 }],
    ['DisabledException', 'signing_failed', { throttled: 0, denied: 1, errors: 0 }],
    ['NotFoundException', 'signing_failed', { throttled: 0, denied: 1, errors: 0 }],
    ['KMSInvalidStateException', 'signing_failed', { throttled: 0, denied: 1, errors: 0 }],
    ['KMSInternalException', 'upstream_unavailable', { throttled: 0, denied: 0, errors: 1 }],
    ['InvalidKeyUsageException', 'signing_failed', { throttled: 0, denied: 0, errors: 1 }],
  ] as const)('counts a failed Sign (%s) once, in its kind: %s', async (name, kind, counts) => {
    const { subject, grants, metrics } = fetcher([{ token: 'never' }], {
      failSigner: () => kmsFailure(name),
    });
    const result = watch(subject.fetch(request, Deadline.after(6_000, clock)));

    await advance(0);

    expect(grants).toHaveLength(0);
    expect(result.error).toMatchObject({ kind });
    expect(signingCounts(metrics)).toEqual({ ...counts, signatures: 0 });
  });

  it('counts Signatures for each signed grant and no signing failure', async () => {
    const { subject, metrics } = fetcher([{ fail: unavailable() }, { token: 'second' }]);
    const result = watch(subject.fetch(request, Deadline.after(6_000, clock)));

    await advance(100);

    expect(result.value?.accessToken).toBe('second');
    expect(signingCounts(metrics)).toEqual({ throttled: 0, denied: 0, errors: 0, signatures: 2 });
  });

  it('stops after three attempts: 502 with what Maskinporten said last', async () => {
    const { subject, grants } = fetcher([{ fail: unavailable() }]);
    const result = watch(subject.fetch(request, Deadline.after(6_000, clock)));

    await advance(100 + 200);

    expect(grants).toHaveLength(3);
    expect(result.error).toMatchObject({
      kind: 'upstream_unavailable',
      message: 'Maskinporten kept failing: HTTP 503 after 3 attempts',
    });
  });
});

function signingCounts(metrics: InMemoryMetrics) {
  return {
    throttled: metrics.get('SigningThrottled'),
    denied: metrics.get('SigningDenied'),
    errors: metrics.get('SigningErrors'),
    signatures: metrics.get('Signatures'),
  };
}
