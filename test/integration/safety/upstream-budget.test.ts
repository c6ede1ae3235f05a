import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURE_ROLE_ARN } from '../../support/broker-transports.js';
import {
  freshResource,
  type Harness,
  SCOPE,
  secretHits,
  standard,
  startLambdaHarness,
  startLocalHarness,
  tempPolicyFile,
  withoutSystemUser,
} from './support.js';

/**
 * Issue 11 §3 and §4 on both transports: a refused request does not reach Maskinporten again for
 * a while, a caller over its miss budget gets 429 while its cached tokens are still served, a
 * redirect from Maskinporten is never followed, and no JWT-shaped text from an upstream error
 * reaches an answer or a log.
 */

const MISS_BUDGET = 3;
/** A caller of its own for the budget, so the other tests' misses do not spend it. */
const BUDGETED = 'arn:aws:iam::123456789012:role/budgeted';
const POLICY = {
  maxMissesPerMinute: 100_000,
  rules: [
    {
      name: 'tests',
      callers: [FIXTURE_ROLE_ARN],
      scopes: ['krr:*'],
      orgs: '*',
      exchange: ['altinn'],
    },
    {
      name: 'budgeted',
      callers: [BUDGETED],
      scopes: ['krr:*'],
      orgs: '*',
      maxMissesPerMinute: MISS_BUDGET,
    },
  ],
};

/** Text shaped like a JWT (header.payload.signature), as an upstream might echo one. */
const ECHOED_JWT =
  'eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ.eyJpc3MiOiJjbGllbnQiLCJzY29wZSI6ImtycjpnbG9iYWwifQ.c2lnbmF0dXJlLXRoYXQtbXVzdC1uZXZlci1iZS1sb2dnZWQ';

interface Broker extends Harness {
  /** A token request from `caller` (a role ARN; default the fixture's). */
  token(body: Record<string, unknown>, caller?: string): ReturnType<Harness['call']>;
}

/** Both transports under {@link POLICY}: the local server names the caller in its header. */
const TRANSPORTS: [string, () => Promise<Broker>][] = [
  [
    'local-server',
    async () => {
      const file = tempPolicyFile(POLICY);
      const harness = await startLocalHarness({ env: { BROKER_POLICY_FILE: file.path } });
      return {
        ...harness,
        token: (body, caller = FIXTURE_ROLE_ARN) =>
          harness.call({ path: '/v1/token', body, headers: { 'broker-caller': caller } }),
        close: async () => {
          await harness.close();
          file.cleanup();
        },
      };
    },
  ],
  [
    'lambda',
    async () => {
      const harness = await startLambdaHarness({ policy: POLICY, altinn: true });
      // API Gateway names the caller by its STS session, which the broker maps to the role.
      const session = (role: string) =>
        role.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/').concat('/session');
      return {
        ...harness,
        token: (body, caller = FIXTURE_ROLE_ARN) =>
          harness.callAs(session(caller), { path: '/v1/token', body }),
      };
    },
  ],
];

describe.each(TRANSPORTS)('%s', (_name, start) => {
  let broker: Broker;

  beforeAll(async () => {
    broker = await start();
  });
  afterAll(async () => {
    await broker.close();
  });
  beforeEach(() => {
    broker.sandbox.maskinporten.faults.clear();
    broker.sandbox.maskinporten.stats.reset();
    broker.metrics.reset();
    broker.logger.entries.length = 0;
  });

  it('five requests for an org without a system user reach Maskinporten once, each answered the same', async () => {
    const body = { scope: SCOPE, org: withoutSystemUser.orgNo, resource: freshResource('mp303') };

    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await broker.token(body));

    expect(broker.sandbox.maskinporten.stats.tokenRequests).toBe(1);
    const [first, ...rest] = answers;
    expect(first?.status).toBe(403);
    expect(first?.json.maskinporten_error.error_description).toMatch(/^MP-303/);
    for (const answer of rest) {
      expect(answer.status).toBe(first?.status);
      expect(answer.text).toBe(first?.text);
    }
    expect(broker.metrics.get('RefusalCacheHits')).toBe(4);
    // A remembered refusal spends no miss: five refusals under a budget of three, no 429.
    expect(broker.metrics.get('RateLimited')).toBe(0);
    const audit = broker.logger.entries.filter((e) => e.message === 'token request failed');
    expect(audit.map((e) => e.fields?.['refusalCached'])).toEqual([
      undefined,
      true,
      true,
      true,
      true,
    ]);
    expect(audit.every((e) => e.fields?.['mpCode'] === 'MP-303')).toBe(true);
  });

  it('answers a caller over maxMissesPerMinute 429 with Retry-After, while its cache hits still succeed', async () => {
    const cached = { scope: SCOPE, org: standard.orgNo, resource: freshResource('budget') };
    const spent = [await broker.token(cached, BUDGETED)];
    for (let i = 1; i < MISS_BUDGET; i++) {
      spent.push(await broker.token({ ...cached, resource: freshResource('budget') }, BUDGETED));
    }
    expect(spent.map((answer) => answer.status)).toEqual([200, 200, 200]);

    const over = await broker.token({ ...cached, resource: freshResource('budget') }, BUDGETED);
    const hit = await broker.token(cached, BUDGETED);
    const other = await broker.token({ ...cached, resource: freshResource('budget') });

    expect(over.status).toBe(429);
    expect(over.json).toEqual({
      error: 'temporarily_unavailable',
      error_description: `caller ${BUDGETED} has asked for more than ${MISS_BUDGET} tokens a minute that were not cached; try again in 20 s (cached tokens are still served)`,
    });
    expect(over.headers['retry-after']).toBe('20');
    expect(hit.status).toBe(200);
    expect(hit.headers['broker-token-source']).toBe('memory');
    // Another caller's budget is its own.
    expect(other.status).toBe(200);
    expect(broker.sandbox.maskinporten.stats.tokenRequests).toBe(MISS_BUDGET + 1);
    expect(broker.metrics.get('RateLimited')).toBe(1);
    const limited = broker.logger.entries.find((e) => e.fields?.['outcome'] === 'rate_limited');
    expect(limited).toMatchObject({
      level: 'warn',
      message: 'token request failed',
      fields: { caller: BUDGETED, org: standard.orgNo },
    });
  });

  it('never follows a redirect from the token endpoint: a 502, and the target never hears of the grant', async () => {
    const trap = await startTrap();
    try {
      broker.sandbox.maskinporten.faults.enqueue({
        endpoint: 'token',
        status: 307,
        headers: { location: `${trap.url}/token` },
        times: 3,
      });

      const response = await broker.token({
        scope: SCOPE,
        org: standard.orgNo,
        resource: freshResource('redirect'),
      });

      expect(response.status).toBe(502);
      expect(response.json.error).toBe('temporarily_unavailable');
      expect(response.json.error_description).toContain(
        'answered with a redirect (never followed)',
      );
      expect(trap.hits).toBe(0);
      expect(broker.sandbox.maskinporten.stats.tokenRequests).toBeGreaterThan(0);
    } finally {
      await trap.close();
    }
  });

  it.each([
    ['a refusal (403)', 403, 'access_denied', 403],
    ['a rejected grant (502)', 400, 'invalid_grant', 502],
  ])(
    'redacts JWT-shaped text Maskinporten echoes in %s, in the answer and in every log line',
    async (_what, status, error, answered) => {
      broker.sandbox.maskinporten.faults.enqueue({
        endpoint: 'token',
        status,
        contentType: 'application/json',
        body: JSON.stringify({
          error,
          error_description: `MP-100 Invalid assertion ${ECHOED_JWT} (grant as received)`,
        }),
      });

      const response = await broker.token({
        scope: SCOPE,
        org: standard.orgNo,
        resource: freshResource('echo'),
      });

      expect(response.status).toBe(answered);
      expect(response.json.maskinporten_error.error_description).toBe(
        'MP-100 Invalid assertion [redacted] (grant as received)',
      );
      expect(response.text).toContain('[redacted]');
      expect(secretHits(response.text)).toEqual([]);
      const logged = JSON.stringify(broker.logger.entries);
      expect(logged).toContain('[redacted]');
      expect(secretHits(logged)).toEqual([]);
    },
  );

  it('redacts JWT-shaped text Altinn echoes in a refused exchange', async () => {
    broker.sandbox.maskinporten.faults.enqueue({
      endpoint: 'exchange',
      status: 401,
      contentType: 'application/problem+json',
      body: JSON.stringify({
        title: 'Unauthorized',
        detail: `token ${ECHOED_JWT} is not accepted`,
        status: 401,
      }),
    });

    const response = await broker.token({
      scope: SCOPE,
      org: standard.orgNo,
      exchange: 'altinn',
      resource: freshResource('exchange-echo'),
    });

    expect(response.status).toBe(502);
    expect(response.json.altinn_error.error_description).toBe(
      'Unauthorized — token [redacted] is not accepted',
    );
    expect(secretHits(response.text)).toEqual([]);
    expect(secretHits(JSON.stringify(broker.logger.entries))).toEqual([]);
  });

  it.each([
    'https://user:secret@api.example.no/x',
    'https://user@api.example.no/x',
    'https://:secret@api.example.no/x',
  ])('refuses a resource with userinfo (%s) with 400, before Maskinporten', async (resource) => {
    const response = await broker.token({ scope: SCOPE, org: standard.orgNo, resource });

    expect(response.status).toBe(400);
    expect(response.json.error_description).toMatch(/^resource: .*or user information/);
    expect(response.text).not.toContain('secret');
    expect(broker.sandbox.maskinporten.stats.tokenRequests).toBe(0);
  });
});

/** A server that counts what reaches it: where a followed redirect would send the grant. */
async function startTrap(): Promise<{ url: string; hits: number; close(): Promise<void> }> {
  const trap = { url: '', hits: 0, close: async () => {} };
  const server: Server = createServer((request, response) => {
    trap.hits++;
    request.resume();
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"access_token":"stolen","token_type":"Bearer","expires_in":120}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  trap.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  trap.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return trap;
}
