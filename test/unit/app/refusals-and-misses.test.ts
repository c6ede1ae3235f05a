import { describe, expect, it } from 'vitest';
import { BrokerService } from '../../../shared/app/broker-service.js';
import { MemoryTokenCache } from '../../../shared/app/memory-token-cache.js';
import { MissLimiter } from '../../../shared/app/miss-limiter.js';
import { CachedRefusal } from '../../../shared/app/refusal-cache.js';
import { BrokerError } from '../../../shared/domain/errors.js';
import { parseTokenRequest } from '../../../shared/domain/token-request.js';
import type { UpstreamFailure } from '../../../shared/ports/authorization-server.js';
import { Deadline } from '../../../shared/ports/deadline.js';
import {
  advance,
  clock,
  ISSUER,
  MapSharedCache,
  type TokenStep,
  unavailable,
  useVirtualClock,
  virtualFetcher,
  watch,
} from '../../support/virtual-upstreams.js';

// Issue 11 §3 on a virtual clock: Maskinporten's refusals are remembered per cache key for a
// bounded time, errors that are not the caller's never are, and a per-request admission check
// runs only when the request would make upstream work of its own.

const SCOPE = 'krr:global/kontaktinformasjon.read';
const request = (extra: Record<string, unknown> = {}) =>
  parseTokenRequest({ scope: SCOPE, org: '314112938', ...extra });
const deadline = (ms = 6_000) => Deadline.after(ms, clock);

/** Maskinporten's answer for an org without a system user (reference §3: MP-303). */
const NO_SYSTEM_USER: UpstreamFailure = {
  kind: 'http',
  status: 400,
  body: {
    error: 'invalid_altinn_customer_configuration',
    error_description: 'MP-303 Systembruker ikke funnet',
  },
};
/** Reference §3: MP-200, a scope the client does not have. */
const INVALID_SCOPE: UpstreamFailure = {
  kind: 'http',
  status: 400,
  body: {
    error: 'invalid_scope',
    error_description: 'MP-200 Token request contains invalid scopes',
  },
};
/** Reference §3: MP-121, the broker's own key: the broker's fault. */
const EXPIRED_KEY: UpstreamFailure = {
  kind: 'http',
  status: 400,
  body: { error: 'invalid_grant', error_description: 'MP-121 Invalid assertion. Expired key' },
};

function service(
  steps: TokenStep[],
  options: { refusalTtlMs?: number; shared?: MapSharedCache } = {},
) {
  const { fetcher, grants, jtis, metrics, logger } = virtualFetcher(steps);
  const subject = new BrokerService({
    identity: { issuer: ISSUER, clientId: 'client' },
    fetcher,
    memory: new MemoryTokenCache(),
    shared: options.shared,
    clock,
    metrics,
    logger,
    random: () => 0.5,
    refusalTtlMs: options.refusalTtlMs,
  });
  return { subject, grants, jtis, metrics };
}

async function failure(promise: Promise<unknown>): Promise<BrokerError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BrokerError) return error;
    throw error;
  }
  throw new Error('expected a BrokerError');
}

describe('remembered refusals', () => {
  useVirtualClock();

  it.each([
    ['no system user (MP-303)', NO_SYSTEM_USER],
    ['an invalid scope (MP-200)', INVALID_SCOPE],
  ])('answers %s again from memory for 30 s, exactly as the first time', async (_, refusal) => {
    const { subject, grants, jtis, metrics } = service([{ fail: refusal }, { token: 'after' }]);

    const first = await failure(subject.getToken(request(), deadline()));
    const again = [];
    for (let i = 0; i < 4; i++) again.push(await failure(subject.getToken(request(), deadline())));

    expect(first.kind).toBe('upstream_refused');
    for (const error of again) {
      expect(error).toBeInstanceOf(CachedRefusal);
      expect({ ...error, message: error.message }).toEqual({ ...first, message: first.message });
      expect(error.upstream).toEqual(first.upstream);
      expect(error.error).toBe(first.error);
    }
    // Five requests, one grant, one signature, one Maskinporten call.
    expect(grants).toHaveLength(1);
    expect(jtis).toHaveLength(1);
    expect(metrics.get('RefusalCacheHits')).toBe(4);

    await advance(29_999);
    await failure(subject.getToken(request(), deadline()));
    expect(grants).toHaveLength(1);
    await advance(1);
    expect((await subject.getToken(request(), deadline())).token.accessToken).toBe('after');
    expect(grants).toHaveLength(2);
  });

  it('remembers a refusal per cache key: another org, scope or externalRef asks again', async () => {
    const { subject, grants } = service([{ fail: NO_SYSTEM_USER }]);

    await failure(subject.getToken(request(), deadline()));
    await failure(subject.getToken(request({ org: '910753614' }), deadline()));
    await failure(subject.getToken(request({ externalRef: 'x' }), deadline()));
    await failure(subject.getToken(request({ scope: 'krr:other' }), deadline()));

    expect(grants).toHaveLength(4);
  });

  it('forgets the refusals of an org once the broker has seen its customer approve', async () => {
    const { subject, grants } = service([
      { fail: NO_SYSTEM_USER },
      { fail: NO_SYSTEM_USER },
      { token: 'approved' },
    ]);

    await failure(subject.getToken(request(), deadline()));
    await failure(subject.getToken(request({ org: '910753614' }), deadline()));
    subject.forgetRefusals('314112938');

    // The approved org asks Maskinporten again at once; the other org's refusal still stands.
    expect((await subject.getToken(request(), deadline())).token.accessToken).toBe('approved');
    await failure(subject.getToken(request({ org: '910753614' }), deadline()));
    expect(grants).toHaveLength(3);
  });

  it('remembers a refusal even for skipCache, which would otherwise ask Maskinporten each time', async () => {
    const { subject, grants } = service([{ fail: NO_SYSTEM_USER }]);

    await failure(subject.getToken(request({ skipCache: true }), deadline()));
    await failure(subject.getToken(request({ skipCache: true }), deadline()));

    expect(grants).toHaveLength(1);
  });

  it.each([
    ['the broker’s own grant rejected (MP-121)', [{ fail: EXPIRED_KEY }]],
    ['Maskinporten unavailable (503, after the retries)', [{ fail: unavailable() }]],
  ] as [string, TokenStep[]][])('never remembers %s', async (_, steps) => {
    const { subject, grants, metrics } = service(steps);

    const first = watch(subject.getToken(request(), deadline()));
    await advance(6_000);
    const attempts = grants.length;
    const second = watch(subject.getToken(request(), deadline()));
    await advance(6_000);

    expect(first.error).toBeInstanceOf(BrokerError);
    expect(second.error).toBeInstanceOf(BrokerError);
    expect(grants.length).toBe(attempts * 2);
    expect(metrics.get('RefusalCacheHits')).toBe(0);
  });

  it('remembers nothing with a time of 0 (BROKER_REFUSAL_CACHE_SECONDS=0)', async () => {
    const { subject, grants } = service([{ fail: NO_SYSTEM_USER }], { refusalTtlMs: 0 });

    await failure(subject.getToken(request(), deadline()));
    await failure(subject.getToken(request(), deadline()));

    expect(grants).toHaveLength(2);
  });

  it('keeps a refusal out of the shared cache: it never writes it, and never takes a lease for its repeats', async () => {
    const shared = new MapSharedCache();
    const { subject, grants } = service([{ fail: NO_SYSTEM_USER }], { shared });

    await failure(subject.getToken(request(), deadline()));
    const calls = shared.calls;
    await failure(subject.getToken(request(), deadline()));

    expect(grants).toHaveLength(1);
    expect(shared.calls).toBe(calls);
    expect([...shared.items.values()].some((item) => item.token)).toBe(false);
  });
});

describe('admitting misses', () => {
  useVirtualClock();

  it('is asked once per request that fetches, never for a cache hit', async () => {
    const { subject } = service([{ token: 'a' }, { token: 'b' }]);
    let asked = 0;
    const admit = () => {
      asked++;
    };

    await subject.getToken(request(), deadline(), admit);
    await subject.getToken(request(), deadline(), admit);
    await subject.getToken(request(), deadline(), admit);

    expect(asked).toBe(1);
  });

  it('refuses before any grant is signed, and the caller’s next hit is still served', async () => {
    const { subject, grants, jtis, metrics } = service([{ token: 'a' }, { token: 'b' }]);
    const refuse = () => {
      throw new BrokerError('rate_limited', 'over', { retryAfter: 7 });
    };

    await subject.getToken(request(), deadline());
    const limited = await failure(
      subject.getToken(request({ org: '910753614' }), deadline(), refuse),
    );
    const hit = await subject.getToken(request(), deadline(), refuse);

    expect(limited).toMatchObject({ kind: 'rate_limited', retryAfter: 7 });
    expect(hit.source).toBe('memory');
    expect(grants).toHaveLength(1);
    expect(jtis).toHaveLength(1);
    expect(metrics.get('CacheMiss')).toBe(1);
  });

  it('never asks for a remembered refusal (it costs no upstream work)', async () => {
    const { subject } = service([{ fail: NO_SYSTEM_USER }]);
    await failure(subject.getToken(request(), deadline()));

    const refuse = () => {
      throw new BrokerError('rate_limited', 'over', { retryAfter: 1 });
    };
    expect((await failure(subject.getToken(request(), deadline(), refuse))).kind).toBe(
      'upstream_refused',
    );
  });

  it('does not pass one caller’s 429 to another that joined its fetch', async () => {
    const { subject, grants } = service([{ token: 'shared', afterMs: 100 }]);
    const refuse = () => {
      throw new BrokerError('rate_limited', 'over', { retryAfter: 1 });
    };

    const limited = watch(subject.getToken(request(), deadline(), refuse));
    const joined = watch(subject.getToken(request(), deadline(), () => {}));
    await advance(200);

    expect(limited.error).toMatchObject({ kind: 'rate_limited' });
    expect(joined.value?.token.accessToken).toBe('shared');
    expect(grants).toHaveLength(1);
  });
});

describe('refresh ahead and the caller’s budgets', () => {
  useVirtualClock();
  // A 120 s token enters its 36 s refresh window at 84 s; each hit inside it starts one refresh
  // in this process (no scheduler), in the background.

  it('spends no miss budget: a caller over its budget still gets the renewed token from memory', async () => {
    const { subject, grants } = service([{ token: 'a' }, { token: 'b' }]);
    let asked = 0;
    const refuse = () => {
      asked++;
      throw new BrokerError('rate_limited', 'over', { retryAfter: 1 });
    };
    await subject.getToken(request(), deadline());
    await advance(85_000);

    const hit = await subject.getToken(request(), deadline(), refuse);
    await advance(100);
    const renewed = await subject.getToken(request(), deadline(), refuse);

    expect(hit).toMatchObject({ source: 'memory', token: { accessToken: 'a' } });
    expect(grants).toHaveLength(2);
    expect(renewed).toMatchObject({ source: 'memory', token: { accessToken: 'b' } });
    expect(asked).toBe(0);
  });

  it('is not answered from a remembered refusal, and the token it renews ends that refusal', async () => {
    const { subject, grants, metrics } = service([
      { token: 'a' },
      { fail: NO_SYSTEM_USER },
      { token: 'b' },
      { token: 'c' },
    ]);
    await subject.getToken(request(), deadline());
    await advance(80_000);
    // A forced refresh is refused (remembered for 30 s) while the cached token still lives.
    expect((await failure(subject.getToken(request({ skipCache: true }), deadline()))).kind).toBe(
      'upstream_refused',
    );
    await advance(5_000);

    expect((await subject.getToken(request(), deadline())).token.accessToken).toBe('a');
    await advance(100);
    expect(grants).toHaveLength(3);
    const forced = await subject.getToken(request({ skipCache: true }), deadline());

    expect(forced.token.accessToken).toBe('c');
    expect(grants).toHaveLength(4);
    expect(metrics.get('RefusalCacheHits')).toBe(0);
  });

  it('remembers a refusal it gets; hits keep the old token until its margin', async () => {
    const { subject, grants, metrics } = service([{ token: 'a' }, { fail: NO_SYSTEM_USER }]);
    await subject.getToken(request(), deadline());
    await advance(85_000);
    await subject.getToken(request(), deadline());
    await advance(100);
    expect(grants).toHaveLength(2);
    expect(metrics.get('RefreshAheadFailures')).toBe(1);

    // 35 s left: a caller asking for 60 s needs Maskinporten, which just refused the key.
    const refused = await failure(subject.getToken(request({ minTtl: 60 }), deadline()));
    const hit = await subject.getToken(request(), deadline());

    expect(refused).toBeInstanceOf(CachedRefusal);
    expect(hit).toMatchObject({ source: 'memory', token: { accessToken: 'a' } });
    expect(grants).toHaveLength(2);
  });
});

describe('MissLimiter', () => {
  useVirtualClock();

  it('admits a burst of the budget, then one per 60/n seconds, with Retry-After', async () => {
    const limiter = new MissLimiter({ clock });
    for (let i = 0; i < 3; i++) limiter.admit('rule\ncaller', 3, 'caller');

    let error: unknown;
    try {
      limiter.admit('rule\ncaller', 3, 'caller');
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({
      kind: 'rate_limited',
      retryAfter: 20,
      message:
        'caller caller has asked for more than 3 tokens a minute that were not cached; try again in 20 s (cached tokens are still served)',
    });
    await advance(19_999);
    expect(() => limiter.admit('rule\ncaller', 3, 'caller')).toThrow(/try again in 1 s/);
    await advance(1);
    expect(() => limiter.admit('rule\ncaller', 3, 'caller')).not.toThrow();
  });

  it('keeps a budget per key (rule and caller)', () => {
    const limiter = new MissLimiter({ clock });
    limiter.admit('a\nx', 1, 'x');
    expect(() => limiter.admit('a\nx', 1, 'x')).toThrow(BrokerError);
    expect(() => limiter.admit('a\ny', 1, 'y')).not.toThrow();
    expect(() => limiter.admit('b\nx', 1, 'x')).not.toThrow();
  });

  it('forgets the least recently used callers beyond its size, starting them full again', () => {
    const limiter = new MissLimiter({ clock, maxBuckets: 2 });
    limiter.admit('k1', 1, 'x');
    limiter.admit('k2', 1, 'x');
    limiter.admit('k3', 1, 'x');
    expect(() => limiter.admit('k1', 1, 'x')).not.toThrow();
    expect(() => limiter.admit('k3', 1, 'x')).toThrow(BrokerError);
  });
});
