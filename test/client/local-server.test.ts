import { inspect } from 'node:util';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type BrokerClientOptions,
  BrokerResponseError,
  createBrokerClient,
} from '../../client/src/index.js';
import { DEMO } from '../../shared/sandbox/demo.js';
import { type LocalBroker, startLocalBroker } from './support/local-broker.js';
import { type TestClock, testClock } from './support/test-clock.js';

// The client against the real local server (`npm start` in sandbox mode, over real HTTP): no
// signing on loopback, reuse and expiry on the client's clock, coalescing, Retry-After and the
// deadline with the broker's own 502s, and the broker's errors as typed errors.

const SCOPE = 'krr:global/kontaktinformasjon.read';
const { standard, withoutSystemUser } = DEMO.customers;
let unique = 0;
/** A resource no other test asked for: a cold key at the broker and in the client. */
const freshResource = () => `https://api.example.no/client/${++unique}`;

interface Sent {
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

describe('the client against the local server', () => {
  let broker: LocalBroker;
  let clock: TestClock;
  let sent: Sent[];

  beforeAll(async () => {
    broker = await startLocalBroker();
  });
  afterAll(async () => {
    await broker.close();
  });
  beforeEach(() => {
    broker.sandbox.maskinporten.faults.clear();
    clock = testClock();
    sent = [];
  });

  /** A client on the broker's URL that records what it sends, on the test clock, jitter 0. */
  const client = (options: Partial<BrokerClientOptions> = {}) =>
    createBrokerClient({
      baseUrl: broker.url,
      clock,
      random: () => 0,
      fetch: async (input, init) => {
        sent.push({
          url: String(input),
          headers: { ...(init?.headers as Record<string, string>) },
          body: JSON.parse(String(init?.body)),
        });
        return fetch(input, init);
      },
      ...options,
    });

  it('gets a real token from the broker, unsigned on loopback', async () => {
    const token = await client().getToken({
      scope: SCOPE,
      org: standard.orgNo,
      resource: freshResource(),
    });

    const jwks = createRemoteJWKSet(new URL(`${broker.sandbox.issuer}jwk`));
    await expect(jwtVerify(token.accessToken, jwks)).resolves.toBeTruthy();
    expect(token).toMatchObject({ tokenType: 'Bearer', scope: SCOPE, source: 'maskinporten' });
    expect(token.expiresIn).toBeGreaterThanOrEqual(119);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.url).toBe(`${broker.url}/v1/token`);
    expect(Object.keys(sent[0]?.headers ?? {}).sort()).toEqual(['accept', 'content-type']);
  });

  it('reuses a held token, however the same request is spelt', async () => {
    const broker_ = client();
    const resource = freshResource();
    const first = await broker_.getToken({
      scope: `${SCOPE} ${SCOPE}`,
      org: standard.orgNo,
      resource,
    });
    const before = broker.tokenRequests();

    const again = await Promise.all([
      broker_.getToken({ scope: [SCOPE], org: standard.orgNo, resource: [resource] }),
      broker_.getToken({ scope: SCOPE, org: `0192:${standard.orgNo}`, resource }),
    ]);

    expect(again.map((token) => token.accessToken)).toEqual([first.accessToken, first.accessToken]);
    expect(again.map((token) => token.source)).toEqual(['client', 'client']);
    expect(broker.tokenRequests()).toBe(before);
    expect(broker_.stats()).toEqual({
      calls: 3,
      reused: 2,
      coalesced: 0,
      brokerRequests: 1,
      retries: 0,
    });
  });

  it('coalesces concurrent identical calls into one broker request', async () => {
    const broker_ = client();
    const request = { scope: SCOPE, org: standard.orgNo, resource: freshResource() };
    const before = broker.tokenRequests();

    const tokens = await Promise.all(Array.from({ length: 25 }, () => broker_.getToken(request)));

    expect(new Set(tokens.map((token) => token.accessToken)).size).toBe(1);
    expect(broker.tokenRequests() - before).toBe(1);
    expect(broker_.stats()).toMatchObject({ calls: 25, coalesced: 24, brokerRequests: 1 });
  });

  it.each([
    // lifetime (s), still reused after (s), asks the broker again after (s)
    [120, 85, 95],
    [30, 20, 24],
  ])(
    'reuses a %i s token until a quarter of its lifetime (at most 30 s) is left',
    async (lifetime, reusedAt, refreshedAt) => {
      const own =
        lifetime === 120
          ? broker
          : await startLocalBroker({ SANDBOX_TOKEN_LIFETIME_SECONDS: String(lifetime) });
      try {
        const broker_ = client({ baseUrl: own.url });
        const request = { scope: SCOPE, resource: freshResource() };
        const first = await broker_.getToken(request);
        const start = own.tokenRequests();

        clock.advance(reusedAt * 1000);
        expect((await broker_.getToken(request)).source).toBe('client');
        expect(own.tokenRequests()).toBe(start);

        clock.advance((refreshedAt - reusedAt) * 1000);
        const next = await broker_.getToken(request);
        expect(next.source).not.toBe('client');
        expect(own.tokenRequests()).toBe(start + 1);
        expect(first.expiresIn).toBeGreaterThanOrEqual(lifetime - 1);
      } finally {
        if (own !== broker) await own.close();
      }
    },
  );

  it("asks the broker when a held token would not outlive the caller's minTtl", async () => {
    const broker_ = client();
    const request = { scope: SCOPE, org: standard.orgNo, resource: freshResource() };
    await broker_.getToken(request);
    clock.advance(30_000);

    const enough = await broker_.getToken({ ...request, minTtl: 60 });
    const tooShort = await broker_.getToken({ ...request, minTtl: 100 });

    expect(enough.source).toBe('client');
    expect(tooShort.source).toBe('memory');
    expect(sent.map((request) => (request.body as { minTtl?: number }).minTtl)).toEqual([
      undefined,
      100,
    ]);
  });

  it('asks again after invalidate', async () => {
    const broker_ = client();
    const request = { scope: SCOPE, resource: freshResource() };
    await broker_.getToken(request);

    broker_.invalidate(request);
    const again = await broker_.getToken(request);

    expect(again.source).toBe('memory');
    expect(sent).toHaveLength(2);
  });

  it('throws the broker’s 400 at once, typed, naming the field', async () => {
    const error = await client()
      .getToken({ scope: SCOPE, org: '987654321' })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(BrokerResponseError);
    expect(error).toMatchObject({
      code: 'ERR_BROKER_RESPONSE',
      status: 400,
      error: 'invalid_request',
      errorDescription:
        'org: must be a 9-digit Norwegian organisation number with a valid check digit',
      attempts: 1,
    });
    expect(sent).toHaveLength(1);
  });

  it("throws Maskinporten's refusal with its detail, and does not retry it", async () => {
    const error = (await client()
      .getToken({ scope: SCOPE, org: withoutSystemUser.orgNo })
      .catch((caught: unknown) => caught)) as BrokerResponseError;

    expect(error).toBeInstanceOf(BrokerResponseError);
    expect(error.status).toBe(403);
    expect(error.error).toBe('invalid_altinn_customer_configuration');
    expect(error.maskinportenError).toMatchObject({
      status: 400,
      error: 'invalid_altinn_customer_configuration',
    });
    expect(error.maskinportenError?.error_description).toContain('MP-303');
    expect(error.retryable).toBe(false);
    expect(sent).toHaveLength(1);
    expect(`${inspect(error)} ${JSON.stringify(error)}`).not.toMatch(/eyJ[\w-]{5,}\./);
  });

  it("waits out the broker's Retry-After on a 502, then gets the token", async () => {
    // Maskinporten fails for all of the broker's attempts on the first call: 502, Retry-After: 1.
    broker.sandbox.maskinporten.faults.enqueue({ endpoint: 'token', status: 503, times: 3 });
    const broker_ = client();

    const token = await broker_.getToken({ scope: SCOPE, resource: freshResource() });

    expect(token.source).toBe('maskinporten');
    expect(clock.sleeps).toEqual([1000]);
    expect(broker_.stats()).toMatchObject({ brokerRequests: 2, retries: 1 });
  });

  it('gives up at once when the broker asks for a wait longer than the deadline', async () => {
    broker.sandbox.maskinporten.faults.enqueue({
      endpoint: 'token',
      status: 429,
      headers: { 'retry-after': '30' },
      times: 5,
    });

    const error = await client({ deadlineMs: 10_000 })
      .getToken({ scope: SCOPE, resource: freshResource() })
      .catch((caught: unknown) => caught);

    expect(error).toMatchObject({
      status: 502,
      error: 'temporarily_unavailable',
      retryAfter: 30,
      attempts: 1,
    });
    expect(clock.sleeps).toEqual([]);
  });

  it('stops retrying when the next attempt would not fit in the deadline', async () => {
    broker.sandbox.maskinporten.faults.enqueue({ endpoint: 'token', status: 503, times: 100 });

    const error = await client({ deadlineMs: 2_000 })
      .getToken({ scope: SCOPE, resource: freshResource() })
      .catch((caught: unknown) => caught);

    // Attempts at 0 and 1 s; a third after another 1 s wait would start with no time left.
    expect(error).toMatchObject({ status: 502, error: 'temporarily_unavailable', attempts: 2 });
    expect(clock.sleeps).toEqual([1000]);
  });
});
