import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ApiGatewayProxyEvent } from '../../../shared/adapters/http/apigateway-event.js';
import { DEMO } from '../../../shared/sandbox/demo.js';
import {
  FIXTURE_API_ID,
  FIXTURE_STAGE,
  FIXTURE_VPCE_ID,
  privateIamEvent,
} from '../../support/apigateway-events.js';
import { readFixture } from '../../support/fixtures.js';
import { type LambdaHarness, startLambdaHarness } from './support.js';

// The Lambda's tripwire for forged events (README "Only API Gateway speaks for a caller"): an event
// must name the configured API (`requestContext.apiId`), stage (`.stage`) and interface endpoint
// (`.identity.vpceId`), or it is refused before the caller is read from it. Events are the
// recorded captures in ../shared/fixtures/apigateway (their README says what each one is).

const TOKEN_BODY = JSON.stringify({ scope: DEMO.scopes[0], org: DEMO.customers.standard.orgNo });

/** A token request in the shape of the recorded SigV4 capture through the private endpoint. */
function tokenEvent(context: NonNullable<ApiGatewayProxyEvent['requestContext']>) {
  return {
    ...privateIamEvent(),
    httpMethod: 'POST',
    path: '/v1/token',
    headers: { 'Content-Type': 'application/json', 'X-Secret-Header': 'header-value-42' },
    multiValueHeaders: null,
    body: TOKEN_BODY,
    isBase64Encoded: false,
    requestContext: context,
  } satisfies ApiGatewayProxyEvent;
}

async function answer(broker: LambdaHarness, event: ApiGatewayProxyEvent) {
  const result = await broker.handler(event);
  return { status: result.statusCode, headers: result.headers, json: JSON.parse(result.body) };
}

describe('the Lambda refuses events that did not come through its API, stage and endpoint', () => {
  let broker: LambdaHarness;
  const genuine = privateIamEvent().requestContext ?? {};

  beforeAll(async () => {
    // The harness configures the capture's API and stage and the private capture's endpoint.
    broker = await startLambdaHarness();
  });
  afterAll(async () => {
    await broker?.close();
  });
  beforeEach(() => {
    broker.metrics.reset();
    broker.logger.entries.length = 0;
    broker.sandbox.maskinporten.stats.reset();
  });

  it('lets the genuine event in: the caller it names gets its token', async () => {
    const ok = await answer(broker, tokenEvent(genuine));

    expect(ok.status).toBe(200);
    expect(ok.json.access_token).toEqual(expect.any(String));
    expect(broker.metrics.get('UntrustedEvents')).toBe(0);
    expect(broker.logger.entries.filter((e) => e.level === 'error')).toEqual([]);
  });

  it.each<[string, NonNullable<ApiGatewayProxyEvent['requestContext']>, string, string | null]>([
    ['another API', { ...genuine, apiId: 'gy415nuibc' }, 'apiId', 'gy415nuibc'],
    ['no API id', { ...genuine, apiId: null }, 'apiId', null],
    ['another stage', { ...genuine, stage: 'test' }, 'stage', 'test'],
    [
      'another VPC endpoint',
      { ...genuine, identity: { ...genuine.identity, vpceId: 'vpce-0bbbbbbbbbbbbbbb2' } },
      'vpceId',
      'vpce-0bbbbbbbbbbbbbbb2',
    ],
    [
      'no VPC endpoint (a regional API or a hand-made event)',
      { ...genuine, identity: { userArn: genuine.identity?.userArn } },
      'vpceId',
      null,
    ],
  ])(
    'a forged event with %s: 403 access_denied, an error log, UntrustedEvents, no token',
    async (_, context, field, claimed) => {
      const signsBefore = broker.signCalls();
      const refused = await answer(broker, tokenEvent(context));

      expect(refused.status).toBe(403);
      expect(refused.headers['content-type']).toMatch(/^application\/json/);
      expect(refused.json).toStrictEqual({
        error: 'access_denied',
        error_description: "the request did not come through the broker's API",
      });
      expect(broker.metrics.get('UntrustedEvents')).toBe(1);
      // Refused before the caller was resolved: no audit line, no signature, no Maskinporten call.
      expect(broker.metrics.get('TokenRequests')).toBe(0);
      expect(broker.signCalls()).toBe(signsBefore);
      expect(broker.sandbox.maskinporten.stats.tokenRequests).toBe(0);
      expect(broker.logger.entries.map((e) => e.message)).toEqual(['untrusted event refused']);
      const [entry] = broker.logger.entries;
      expect(entry).toMatchObject({
        level: 'error',
        fields: {
          field,
          claimed,
          requestId: genuine.requestId,
          claimedCaller: genuine.identity?.userArn,
        },
      });
      // Never the event's headers or body.
      const logged = broker.logger.text();
      expect(logged).not.toContain('header-value-42');
      expect(logged).not.toContain(DEMO.customers.standard.orgNo);
    },
  );

  it.each([
    // The console's "Test" button on the same API: its own stage, no endpoint, the console user.
    ['rest-v1-console-test-invoke.json', 'stage'],
    // A synthetic event in which every identity field is filled in, for another API.
    ['rest-v1-all-identity-fields.json', 'apiId'],
    // The only private-API capture: the right kind of event, but another API's.
    ['rest-v1-private-api-vpce.extract.json', 'apiId'],
    // An HTTP-API (payload 1.0) event: stage $default.
    ['rest-v1-isbase64encoded-true.json', 'apiId'],
  ])('refuses the recorded %s (%s)', async (name, field) => {
    const recorded = readFixture<ApiGatewayProxyEvent & { event?: ApiGatewayProxyEvent }>(
      `apigateway/${name}`,
    );
    const event = recorded.event ?? recorded;

    const refused = await answer(broker, event);

    expect(refused.status).toBe(403);
    expect(refused.json.error).toBe('access_denied');
    expect(broker.metrics.get('UntrustedEvents')).toBe(1);
    expect(broker.logger.entries[0]?.fields).toMatchObject({ field });
  });

  it('checks the fixture constants the harness configures against the capture', () => {
    expect(genuine).toMatchObject({
      apiId: FIXTURE_API_ID,
      stage: FIXTURE_STAGE,
      identity: { vpceId: FIXTURE_VPCE_ID },
    });
  });
});

describe('the recorded private-API capture passes under its own API, stage and endpoint', () => {
  let broker: LambdaHarness;
  const recorded = readFixture<{ event: ApiGatewayProxyEvent }>(
    'apigateway/rest-v1-private-api-vpce.extract.json',
  ).event;

  beforeAll(async () => {
    broker = await startLambdaHarness({
      env: {
        BROKER_API_ID: 'u9mg6eu01d',
        BROKER_API_STAGE: 'dev',
        BROKER_VPC_ENDPOINT_IDS: 'vpce-05d0829ef39b4d2b8',
      },
    });
  });
  afterAll(async () => {
    await broker?.close();
  });

  it('GET /v1/health through the endpoint: 200, nothing refused', async () => {
    const ok = await answer(broker, { ...recorded, path: '/v1/health' });

    expect(ok.status).toBe(200);
    expect(broker.metrics.get('UntrustedEvents')).toBe(0);
  });
});

describe('a forged event before the broker has started', () => {
  it('is refused without building the broker: no secret, policy or KMS read on its behalf', async () => {
    const broker = await startLambdaHarness();
    try {
      const forged = tokenEvent({ ...(privateIamEvent().requestContext ?? {}), apiId: 'other' });

      const refused = await answer(broker, forged);

      expect(refused.status).toBe(403);
      expect(broker.metrics.get('UntrustedEvents')).toBe(1);
      expect(broker.runtime()).toBeUndefined();
      expect(broker.policyReads()).toBe(0);
    } finally {
      await broker.close();
    }
  });
});

describe('without the event-source settings', () => {
  const unset = { BROKER_API_ID: '', BROKER_API_STAGE: '', BROKER_VPC_ENDPOINT_IDS: '' };

  it('a deployed environment fails closed: every event gets 500 and the start names what is missing', async () => {
    const broker = await startLambdaHarness({
      env: { ...unset, BROKER_VPC_ENDPOINT_IDS: FIXTURE_VPCE_ID },
    });
    try {
      const failed = await answer(broker, tokenEvent(privateIamEvent().requestContext ?? {}));

      expect(failed.status).toBe(500);
      expect(failed.json.error).toBe('server_error');
      const start = broker.logger.entries.find((e) => e.message === 'broker failed to start');
      expect(start?.fields?.['reason']).toMatch(/BROKER_API_ID, BROKER_API_STAGE/);
      expect(broker.sandbox.maskinporten.stats.tokenRequests).toBe(0);
    } finally {
      await broker.close();
    }
  });

  it('outside a deployed environment (no BROKER_ENVIRONMENT) events pass, with a warning at start', async () => {
    const broker = await startLambdaHarness({ env: { ...unset, BROKER_ENVIRONMENT: '' } });
    try {
      const forged = tokenEvent({ ...(privateIamEvent().requestContext ?? {}), apiId: 'other' });

      const ok = await answer(broker, forged);

      expect(ok.status).toBe(200);
      expect(broker.metrics.get('UntrustedEvents')).toBe(0);
      expect(broker.logger.entries).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          message: 'events are not checked against their API: the event source is not configured',
        }),
      );
    } finally {
      await broker.close();
    }
  });
});
