import { inspect } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type BrokerClientOptions,
  BrokerConnectionError,
  BrokerProtocolError,
  BrokerResponseError,
  BrokerTimeoutError,
  createBrokerClient,
} from '../../client/src/index.js';
import { connectionReset, type FakeReply, fakeFetch } from '../support/fake-fetch.js';
import { testClock } from './support/test-clock.js';

// Retries, deadline, typed errors and secrecy with a scripted broker (an injected fetch), where
// every status, header and failure can be chosen exactly. The same behaviour against the real
// local server is in local-server.test.ts.

const BASE = 'http://127.0.0.1:8080';
const REQUEST = { scope: 'krr:global/kontaktinformasjon.read', org: '910753614' };
/** JWT-shaped, as the broker's tokens are (header.payload.signature). */
const TOKEN = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify({ iat: 1_800_000_000, exp: 1_800_000_120 })).toString('base64url')}.c2lnbmF0dXJlLXNpZ25hdHVyZQ`;
const OK: FakeReply = {
  status: 200,
  body: { access_token: TOKEN, token_type: 'Bearer', expires_in: 120, scope: REQUEST.scope },
  headers: { 'broker-token-source': 'maskinporten' },
};
const error = (status: number, code: string, headers: Record<string, string> = {}): FakeReply => ({
  status,
  body: { error: code, error_description: `scripted ${status}` },
  headers,
});

function scripted(replies: FakeReply[], options: Partial<BrokerClientOptions> = {}) {
  const broker = fakeFetch(replies);
  const clock = testClock(Date.UTC(2026, 10, 30, 12, 0, 0));
  const client = createBrokerClient({
    baseUrl: BASE,
    fetch: broker.fetch,
    clock,
    random: () => 0.5,
    ...options,
  });
  return { client, clock, requests: broker.requests };
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (caught: unknown) => caught,
  );

describe('retries', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('retries 429, 503 and 504 with full-jitter exponential backoff, then succeeds', async () => {
    const { client, clock, requests } = scripted([
      error(429, 'temporarily_unavailable'),
      error(503, 'temporarily_unavailable'),
      error(504, 'temporarily_unavailable'),
      OK,
    ]);

    const token = await client.getToken(REQUEST);

    expect(token.accessToken).toBe(TOKEN);
    // random() = 0.5 of 200, 400, 800 ms.
    expect(clock.sleeps).toEqual([100, 200, 400]);
    expect(requests).toHaveLength(4);
    expect(client.stats()).toMatchObject({ brokerRequests: 4, retries: 3 });
  });

  it('caps the backoff at 2 s', async () => {
    const { client, clock } = scripted(
      [...Array.from({ length: 6 }, () => error(502, 'temporarily_unavailable')), OK],
      { maxAttempts: 7, deadlineMs: 60_000, random: () => 1 },
    );

    await client.getToken(REQUEST);

    expect(clock.sleeps).toEqual([200, 400, 800, 1600, 2000, 2000]);
  });

  it('honours Retry-After in seconds and as an HTTP-date, with at most a tenth added', async () => {
    const { client, clock } = scripted([
      error(502, 'temporarily_unavailable', { 'retry-after': '2' }),
      error(429, 'temporarily_unavailable', {
        'retry-after': new Date(Date.UTC(2026, 10, 30, 12, 0, 5)).toUTCString(),
      }),
      OK,
    ]);

    await client.getToken(REQUEST);

    // 2 s + 0.5 × 200 ms; then 12:00:05 − 12:00:02.1 = 2.9 s + 0.5 × 290 ms.
    expect(clock.sleeps).toEqual([2100, 3045]);
  });

  it('retries a network error, and reports the last one when attempts run out', async () => {
    const { client, requests } = scripted([
      connectionReset(),
      connectionReset(),
      connectionReset(),
      connectionReset(),
    ]);

    const caught = await failure(client.getToken(REQUEST));

    expect(caught).toBeInstanceOf(BrokerConnectionError);
    expect(caught).toMatchObject({
      code: 'ERR_BROKER_CONNECTION',
      message: 'could not reach the broker: TypeError (ECONNRESET)',
      attempts: 4,
    });
    expect(requests).toHaveLength(4);
  });

  it.each([400, 401, 403, 404, 405, 409, 413, 415, 500])('never retries %i', async (status) => {
    const { client, requests, clock } = scripted([error(status, 'scripted_error'), OK]);

    const caught = await failure(client.getToken(REQUEST));

    expect(caught).toBeInstanceOf(BrokerResponseError);
    expect(caught).toMatchObject({
      status,
      error: 'scripted_error',
      attempts: 1,
      retryable: false,
    });
    expect(requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('gives up on a retryable answer when the wait would pass the deadline', async () => {
    const { client, requests } = scripted(
      [error(503, 'temporarily_unavailable', { 'retry-after': '5' }), OK],
      { deadlineMs: 4_000 },
    );

    const caught = await failure(client.getToken(REQUEST));

    expect(caught).toMatchObject({ status: 503, retryAfter: 5, attempts: 1, retryable: true });
    expect(requests).toHaveLength(1);
  });

  it('ends an attempt that does not answer at the deadline, with the last failure as cause', async () => {
    const hanging: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    let calls = 0;
    const first = fakeFetch([error(502, 'temporarily_unavailable')]);
    const client = createBrokerClient({
      baseUrl: BASE,
      deadlineMs: 1_000,
      random: () => 0,
      fetch: (input, init) => (++calls === 1 ? first.fetch(input, init) : hanging(input, init)),
    });

    const caught = await failure(client.getToken(REQUEST));

    expect(caught).toBeInstanceOf(BrokerTimeoutError);
    expect(caught).toMatchObject({ code: 'ERR_BROKER_TIMEOUT', deadlineMs: 1_000, attempts: 2 });
    expect((caught as Error).cause).toBeInstanceOf(BrokerResponseError);
  });

  it('takes a per-call deadline', async () => {
    const { client, requests } = scripted([error(503, 'temporarily_unavailable'), OK]);

    // 0.5 × 200 ms backoff would leave less than an attempt needs of 300 ms.
    const caught = await failure(client.getToken(REQUEST, { deadlineMs: 300 }));

    expect(caught).toMatchObject({ status: 503 });
    expect(requests).toHaveLength(1);
  });

  it('shares one failure among coalesced calls, and does not keep it', async () => {
    const { client, requests } = scripted([error(403, 'access_denied'), OK]);

    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => client.getToken(REQUEST)),
    );
    const later = await client.getToken(REQUEST);

    expect(results.map((result) => result.status)).toEqual(Array(5).fill('rejected'));
    expect(new Set(results.map((result) => (result as PromiseRejectedResult).reason)).size).toBe(1);
    expect(later.accessToken).toBe(TOKEN);
    expect(requests).toHaveLength(2);
  });

  it('does not coalesce calls that want different minimum lifetimes', async () => {
    const { client, requests } = scripted([OK, OK]);

    await Promise.all([client.getToken(REQUEST), client.getToken({ ...REQUEST, minTtl: 100 })]);

    expect(requests.map((request) => JSON.parse(request.body ?? '{}').minTtl)).toEqual([
      undefined,
      100,
    ]);
  });

  it('holds at most maxTokens, least recently used out first', async () => {
    const { client, requests } = scripted([OK, OK, OK, OK], { maxTokens: 2 });
    const a = { ...REQUEST, resource: 'https://a.no/' };
    const b = { ...REQUEST, resource: 'https://b.no/' };
    const c = { ...REQUEST, resource: 'https://c.no/' };

    await client.getToken(a);
    await client.getToken(b);
    await client.getToken(a);
    await client.getToken(c); // b is out
    await client.getToken(a);
    await client.getToken(b);

    expect(requests.map((request) => JSON.parse(request.body ?? '{}').resource)).toEqual([
      a.resource,
      b.resource,
      c.resource,
      b.resource,
    ]);
  });

  it("passes on the broker's Broker-Token-Source, or says unknown without one", async () => {
    const { client } = scripted([OK, { ...(OK as object), headers: {} }]);

    const first = await client.getToken(REQUEST);
    const second = await client.getToken({ ...REQUEST, skipCache: true });

    expect([first.source, second.source]).toEqual(['maskinporten', 'unknown']);
  });

  it('skipCache goes to the broker and replaces the held token', async () => {
    const { client, requests } = scripted([OK, OK]);
    await client.getToken(REQUEST);

    const fresh = await client.getToken({ ...REQUEST, skipCache: true });
    const reused = await client.getToken(REQUEST);

    expect(fresh.source).toBe('maskinporten');
    expect(reused.source).toBe('client');
    expect(requests.map((request) => JSON.parse(request.body ?? '{}').skipCache)).toEqual([
      undefined,
      true,
    ]);
  });
});

describe('errors and secrecy', () => {
  it("carries the broker's error body, Maskinporten's and Altinn's detail and Retry-After", async () => {
    const maskinporten = { status: 503, error: 'server_error', error_description: 'MP-001 down' };
    const altinn = { status: 500, error: 'AUTH-00000', error_description: 'down' };
    const { client } = scripted([
      {
        status: 502,
        body: {
          error: 'temporarily_unavailable',
          error_description: 'Maskinporten kept failing',
          maskinporten_error: maskinporten,
          altinn_error: altinn,
        },
        headers: { 'retry-after': '60' },
      },
    ]);

    const caught = (await failure(client.getToken(REQUEST))) as BrokerResponseError;

    expect(caught).toMatchObject({
      name: 'BrokerResponseError',
      status: 502,
      error: 'temporarily_unavailable',
      errorDescription: 'Maskinporten kept failing',
      maskinportenError: maskinporten,
      altinnError: altinn,
      retryAfter: 60,
      message: 'the broker answered 502 temporarily_unavailable: Maskinporten kept failing',
    });
  });

  it('names an error answer without the broker body by its status', async () => {
    const { client } = scripted([{ status: 403, text: '<html>Forbidden</html>' }]);

    const caught = await failure(client.getToken(REQUEST));

    expect(caught).toMatchObject({
      status: 403,
      error: 'http_403',
      errorDescription: 'the broker answered HTTP 403 without an error body',
    });
  });

  it.each([
    ['HTML', { status: 200, text: `<html>${TOKEN}</html>` }],
    ['no expires_in', { status: 200, body: { access_token: TOKEN, token_type: 'Bearer' } }],
    ['an empty token', { status: 200, body: { access_token: '', expires_in: 120 } }],
  ] as const)(
    'throws BrokerProtocolError for a 200 with %s, never quoting the body, without retrying',
    async (_what, reply) => {
      const { client, requests } = scripted([reply, OK]);

      const caught = await failure(client.getToken(REQUEST));

      expect(caught).toBeInstanceOf(BrokerProtocolError);
      expect(
        `${inspect(caught)} ${JSON.stringify(caught)} ${(caught as Error).message}`,
      ).not.toContain(TOKEN.split('.')[2]);
      expect(requests).toHaveLength(1);
    },
  );

  it('writes nothing to the console or stdout, and no error it throws holds a token', async () => {
    const written: string[] = [];
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      });
    }
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        written.push(args.map(String).join(' '));
      });
    }
    const { client } = scripted([
      OK,
      error(503, 'temporarily_unavailable'),
      connectionReset(),
      { status: 200, text: TOKEN },
    ]);

    await client.getToken(REQUEST);
    const caught = await failure(client.getToken({ ...REQUEST, skipCache: true }));
    vi.restoreAllMocks();

    expect(written).toEqual([]);
    expect(caught).toBeInstanceOf(BrokerProtocolError);
    const chain = [caught, (caught as Error).cause].map(
      (e) => `${inspect(e)} ${JSON.stringify(e)}`,
    );
    expect(chain.join(' ')).not.toContain(TOKEN.split('.')[2]);
  });
});
