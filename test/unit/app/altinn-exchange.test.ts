import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { InMemoryMetrics } from '../../../shared/adapters/metrics/in-memory-metrics.js';
import { AltinnTokenExchanger } from '../../../shared/app/altinn-exchanger.js';
import { BrokerService } from '../../../shared/app/broker-service.js';
import { MemoryTokenCache } from '../../../shared/app/memory-token-cache.js';
import type { TokenExchanger } from '../../../shared/app/token-exchanger.js';
import type { TokenFetcher } from '../../../shared/app/token-fetcher.js';
import { altinnTokenCacheKey, tokenCacheKey } from '../../../shared/domain/cache-key.js';
import type { CachedToken } from '../../../shared/domain/cache-policy.js';
import { BrokerError } from '../../../shared/domain/errors.js';
import { parseTokenRequest } from '../../../shared/domain/token-request.js';
import { toErrorResponse } from '../../../shared/http/error-response.js';
import { AltinnError } from '../../../shared/ports/altinn.js';
import { Deadline } from '../../../shared/ports/deadline.js';
import type { SharedTokenCache } from '../../../shared/ports/token-cache.js';
import { RecordingLogger } from '../../support/recording-logger.js';

/** A deadline far enough away never to matter here. */
const inTime = () => Deadline.after(10_000);

const NOW = 1_800_000_000_000;
const SCOPE = 'krr:global/kontaktinformasjon.read';
const ORG = '910753614';

async function altinnJwt(expSeconds: number, org = ORG): Promise<string> {
  const key = new TextEncoder().encode('k'.repeat(32));
  return new SignJWT({ 'urn:altinn:orgNumber': org })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(expSeconds)
    .sign(key);
}

function mpToken(n: number, now: number): CachedToken {
  return {
    accessToken: `mp-${n}`,
    tokenType: 'Bearer',
    scope: SCOPE,
    expiresAt: now + 120_000,
    lifetime: 120,
  };
}

/** A broker whose Maskinporten fetch and exchange are fakes that count their calls. */
function broker(
  options: {
    shared?: SharedTokenCache;
    exchanger?: TokenExchanger | null;
    clock?: () => number;
  } = {},
) {
  const clock = options.clock ?? (() => NOW);
  const fetched: string[] = [];
  const exchanged: string[] = [];
  const fetcher = {
    signer: { kid: 'kid-1' },
    fetch: async () => {
      const token = mpToken(fetched.length + 1, clock());
      fetched.push(token.accessToken);
      return token;
    },
  } as unknown as TokenFetcher;
  const exchanger: TokenExchanger = options.exchanger ?? {
    exchange: async (token) => {
      exchanged.push(token.accessToken);
      return {
        accessToken: `altinn-from-${token.accessToken}`,
        tokenType: 'Bearer',
        scope: token.scope,
        expiresAt: clock() + 1_800_000,
        lifetime: 1800,
      };
    },
  };
  const service = new BrokerService({
    identity: { issuer: 'https://test.maskinporten.no/', clientId: 'client' },
    fetcher,
    memory: new MemoryTokenCache(),
    ...(options.shared ? { shared: options.shared } : {}),
    clock,
    metrics: new InMemoryMetrics(),
    logger: new RecordingLogger(),
    ...(options.exchanger === null ? {} : { exchangers: { altinn: exchanger } }),
  });
  return { service, fetched, exchanged };
}

/** A shared cache in a map: leases always granted. */
function mapCache(): SharedTokenCache & { entries: Map<string, CachedToken> } {
  const entries = new Map<string, CachedToken>();
  return {
    entries,
    get: async (key) => entries.get(key),
    tryAcquireLease: async () => true,
    put: async (key, token) => {
      entries.set(key, token);
    },
    releaseLease: async () => {},
  };
}

const exchangeRequest = (extra: Record<string, unknown> = {}) =>
  parseTokenRequest({ scope: SCOPE, org: ORG, exchange: 'altinn', ...extra });

describe('BrokerService with exchange: altinn', () => {
  it('exchanges the Maskinporten token and caches the Altinn token under its own key', async () => {
    const { service, fetched, exchanged } = broker();

    const first = await service.getToken(exchangeRequest(), inTime());
    const second = await service.getToken(exchangeRequest(), inTime());
    const plain = await service.getToken(parseTokenRequest({ scope: SCOPE, org: ORG }), inTime());

    expect(first).toMatchObject({
      source: 'altinn',
      expiresIn: 1800,
      token: { accessToken: 'altinn-from-mp-1' },
    });
    expect(second).toMatchObject({ source: 'memory', token: { accessToken: 'altinn-from-mp-1' } });
    expect(plain).toMatchObject({ source: 'memory', token: { accessToken: 'mp-1' } });
    expect(fetched).toEqual(['mp-1']);
    expect(exchanged).toEqual(['mp-1']);
  });

  it('shares the Altinn token across processes through the shared cache', async () => {
    const shared = mapCache();
    const a = broker({ shared });
    const b = broker({ shared });

    await a.service.getToken(exchangeRequest(), inTime());
    const fromB = await b.service.getToken(exchangeRequest(), inTime());

    const mpKey = tokenCacheKey(
      { issuer: 'https://test.maskinporten.no/', clientId: 'client', kid: 'kid-1' },
      exchangeRequest(),
    );
    expect([...shared.entries.keys()].sort()).toEqual([altinnTokenCacheKey(mpKey), mpKey].sort());
    expect(fromB).toMatchObject({ source: 'shared', token: { accessToken: 'altinn-from-mp-1' } });
    expect(b.exchanged).toEqual([]);
  });

  it('refreshes the Altinn token shortly before its own exp, reusing a still-good Maskinporten token', async () => {
    let now = NOW;
    const { service, fetched, exchanged } = broker({ clock: () => now });
    await service.getToken(exchangeRequest(), inTime());

    now += 30_000;
    expect((await service.getToken(exchangeRequest(), inTime())).source).toBe('memory');
    now = NOW + 1_800_000 - 59_000; // inside the 60 s refresh margin of the Altinn token
    const refreshed = await service.getToken(exchangeRequest(), inTime());

    expect(refreshed.source).toBe('altinn');
    expect(fetched).toEqual(['mp-1', 'mp-2']); // the first Maskinporten token had expired by then
    expect(exchanged).toEqual(['mp-1', 'mp-2']);
  });

  it('serves a still-valid Altinn token while the exchange fails transiently', async () => {
    let now = NOW;
    let fail = false;
    const { service } = broker({
      clock: () => now,
      exchanger: {
        exchange: async (token) => {
          if (fail)
            throw new BrokerError('upstream_unavailable', 'Altinn failed', {
              upstreamSource: 'altinn',
            });
          return {
            accessToken: `altinn-${token.accessToken}`,
            tokenType: 'Bearer',
            scope: SCOPE,
            expiresAt: now + 1_800_000,
            lifetime: 1800,
          };
        },
      },
    });
    await service.getToken(exchangeRequest(), inTime());
    fail = true;
    now += 1_800_000 - 30_000;

    expect(await service.getToken(exchangeRequest(), inTime())).toMatchObject({
      source: 'stale',
      token: { accessToken: 'altinn-mp-1' },
    });
  });

  it('refuses the exchange when Altinn is not configured', async () => {
    const { service } = broker({ exchanger: null });
    await expect(service.getToken(exchangeRequest(), inTime())).rejects.toMatchObject({
      kind: 'invalid_request',
      message: 'exchange: "altinn" is not configured on this broker',
    });
  });
});

describe('AltinnTokenExchanger', () => {
  const maskinporten = mpToken(1, NOW);

  function exchanger(result: () => Promise<string>) {
    const metrics = new InMemoryMetrics();
    const logger = new RecordingLogger();
    const calls: string[] = [];
    const subject = new AltinnTokenExchanger({
      altinn: {
        exchangeMaskinportenToken: async (token) => {
          calls.push(token);
          return result();
        },
      },
      clock: () => NOW,
      metrics,
      logger,
    });
    return { subject, metrics, logger, calls };
  }

  it('takes the lifetime from the Altinn JWT’s own exp, not the Maskinporten token’s', async () => {
    const jwt = await altinnJwt(NOW / 1000 + 1800);
    const { subject, metrics, calls } = exchanger(async () => jwt);

    const token = await subject.exchange(maskinporten, inTime());

    expect(calls).toEqual(['mp-1']);
    expect(token).toEqual({
      accessToken: jwt,
      tokenType: 'Bearer',
      scope: SCOPE,
      expiresAt: NOW + 1_800_000,
      lifetime: 1800,
    });
    expect(metrics.get('AltinnExchanges')).toBe(1);
    expect(metrics.get('AltinnErrors')).toBe(0);
  });

  it('refuses a token without a future exp', async () => {
    const { subject, metrics } = exchanger(async () => altinnJwt(NOW / 1000 - 1));
    await expect(subject.exchange(maskinporten, inTime())).rejects.toMatchObject({
      kind: 'upstream_unavailable',
      upstreamSource: 'altinn',
    });
    expect(metrics.get('AltinnErrors')).toBe(1);
  });

  it.each([
    [
      '401: Altinn refused the broker’s token',
      new AltinnError('http', 'x', { status: 401, problem: { validationErrors: [] } }),
      502,
      'server_error',
    ],
    [
      '503',
      new AltinnError('http', 'x', { status: 503, problem: { validationErrors: [] } }),
      502,
      'temporarily_unavailable',
    ],
    ['a timeout', new AltinnError('timeout', 'slow'), 504, 'temporarily_unavailable'],
    [
      'a 400 (never the caller’s fault here)',
      new AltinnError('http', 'x', { status: 400, problem: { validationErrors: [] } }),
      502,
      'server_error',
    ],
  ])(
    'maps %s with altinn_error, counts it and logs no token',
    async (_name, failure, status, code) => {
      const { subject, metrics, logger } = exchanger(async () => {
        throw failure;
      });

      const error = await subject.exchange(maskinporten, inTime()).catch((e: unknown) => e);

      const response = toErrorResponse(error);
      expect(response.status).toBe(status);
      expect(JSON.parse(response.body).error).toBe(code);
      expect((error as BrokerError).upstreamSource).toBe('altinn');
      expect(metrics.get('AltinnErrors')).toBe(1);
      expect(logger.text()).not.toContain('mp-1');
    },
  );
});
