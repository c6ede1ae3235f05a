import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import {
  createProxyHandler,
  type LambdaRuntime,
} from '../../../../functions/token/create-handler.js';
import { runRefreshEvent } from '../../../../functions/token/refresh-event-handler.js';
import {
  claimsRefreshEvent,
  parseRefreshEvent,
  REFRESH_EVENT_SOURCE,
  toRefreshEvent,
} from '../../../../shared/adapters/lambda/refresh-event.js';
import { SelfInvokeRefreshScheduler } from '../../../../shared/adapters/lambda/self-invoke-scheduler.js';
import type { RefreshOutcome } from '../../../../shared/app/broker-service.js';
import { BrokerError } from '../../../../shared/domain/errors.js';
import { parseTokenRequest, type TokenRequest } from '../../../../shared/domain/token-request.js';
import type { BrokerRuntime } from '../../../../shared/runtime/compose-broker.js';
import { RecordingLogger } from '../../../support/recording-logger.js';

// Refresh ahead in Lambda (issue 13 §1): the function invokes itself asynchronously with the
// token REQUEST; the handler accepts that event only in its own shape and never answers a token.

const REQUEST = parseTokenRequest({
  scope: 'krr:global/kontaktinformasjon.read',
  org: '910753614',
  externalRef: 'ref-1',
  resource: 'https://api.example.no/a',
});
const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'secret',
  sessionToken: 'session',
};

describe('the refresh event', () => {
  it('carries the token request in the token endpoint format and nothing else', () => {
    const event = toRefreshEvent({ ...REQUEST, minTtl: 30 });
    expect(event).toEqual({
      source: REFRESH_EVENT_SOURCE,
      version: 1,
      request: {
        scope: ['krr:global/kontaktinformasjon.read'],
        org: '910753614',
        externalRef: 'ref-1',
        resource: ['https://api.example.no/a'],
      },
    });
    expect(parseRefreshEvent(JSON.parse(JSON.stringify(event)))).toEqual(REQUEST);
  });

  it.each([
    ['an extra field', { ...toRefreshEvent(REQUEST), token: 'eyJ' }],
    ['another version', { ...toRefreshEvent(REQUEST), version: 2 }],
    ['no request', { source: REFRESH_EVENT_SOURCE, version: 1 }],
    ['a minTtl', { ...toRefreshEvent(REQUEST), request: { scope: 'a', minTtl: 10 } }],
    ['a skipCache', { ...toRefreshEvent(REQUEST), request: { scope: 'a', skipCache: true } }],
  ])('is refused with %s', (_what, event) => {
    expect(claimsRefreshEvent(event)).toBe(true);
    expect(() => parseRefreshEvent(event)).toThrow();
  });

  it('refuses an invalid token request as the token endpoint would', () => {
    const event = { ...toRefreshEvent(REQUEST), request: { scope: 'a', org: '123' } };
    expect(() => parseRefreshEvent(event)).toThrow(BrokerError);
  });

  it('is not confused with an API Gateway event', () => {
    expect(claimsRefreshEvent({ httpMethod: 'POST', path: '/v1/token', body: '{}' })).toBe(false);
    expect(claimsRefreshEvent(null)).toBe(false);
  });
});

describe('runRefreshEvent (the Lambda shell)', () => {
  function runtimeRecording(outcome: RefreshOutcome | Error) {
    const asked: TokenRequest[] = [];
    const runtime = {
      broker: {
        refreshAhead: async (request: TokenRequest) => {
          asked.push(request);
          if (outcome instanceof Error) throw outcome;
          return outcome;
        },
      },
    } as unknown as BrokerRuntime;
    return { runtime, asked };
  }

  it('runs the refresh for a well-formed event and answers its outcome, never a token', async () => {
    const { runtime, asked } = runtimeRecording('refreshed');
    const logger = new RecordingLogger();
    const answer = await runRefreshEvent(runtime, toRefreshEvent(REQUEST), 5_000, logger);
    expect(answer).toEqual({ refresh: 'refreshed' });
    expect(asked).toEqual([REQUEST]);
  });

  it('refuses a forged or malformed event without refreshing anything', async () => {
    const { runtime, asked } = runtimeRecording('refreshed');
    const logger = new RecordingLogger();
    const answer = await runRefreshEvent(
      runtime,
      { ...toRefreshEvent(REQUEST), extra: 1 },
      5_000,
      logger,
    );
    expect(answer).toEqual({ refresh: 'refused' });
    expect(asked).toEqual([]);
    expect(logger.entries.some((e) => e.message === 'refused a malformed refresh event')).toBe(
      true,
    );
  });

  it('answers a failed refresh instead of throwing (no late retry of an async invocation)', async () => {
    const { runtime } = runtimeRecording(new BrokerError('upstream_unavailable', 'down'));
    const answer = await runRefreshEvent(
      runtime,
      toRefreshEvent(REQUEST),
      5_000,
      new RecordingLogger(),
    );
    expect(answer).toEqual({ refresh: 'failed' });
  });
});

describe('SelfInvokeRefreshScheduler', () => {
  function recordingFetch(status: number) {
    const seen: { url: string; init: RequestInit }[] = [];
    const fetchStub = (async (url: URL | string, init?: RequestInit) => {
      seen.push({ url: String(url), init: init ?? {} });
      return new Response(null, { status });
    }) as typeof fetch;
    return { seen, fetchStub };
  }

  it('invokes the function itself asynchronously (InvocationType Event) with a valid SigV4 signature', async () => {
    const { seen, fetchStub } = recordingFetch(202);
    const scheduler = new SelfInvokeRefreshScheduler({
      functionName: 'maskinporten-broker-prod-token',
      region: 'eu-north-1',
      credentials: async () => CREDENTIALS,
      fetch: fetchStub,
    });

    await scheduler.schedule(REQUEST);

    expect(seen).toHaveLength(1);
    const [{ url, init }] = seen as [(typeof seen)[number]];
    expect(url).toBe(
      'https://lambda.eu-north-1.amazonaws.com/2015-03-31/functions/maskinporten-broker-prod-token/invocations',
    );
    const headers = init.headers as Record<string, string>;
    expect(headers['x-amz-invocation-type']).toBe('Event');
    expect(JSON.parse(String(init.body))).toEqual(toRefreshEvent(REQUEST));
    // Recompute the signature with an independent SHA-256 over the same request.
    const verifier = new SignatureV4({
      service: 'lambda',
      region: 'eu-north-1',
      credentials: CREDENTIALS,
      sha256: Sha256,
    });
    const parsed = new URL(url);
    const unsigned = Object.fromEntries(
      Object.entries(headers).filter(([name]) => name !== 'authorization'),
    );
    const date = headers['x-amz-date'] as string;
    const resigned = await verifier.sign(
      {
        method: 'POST',
        protocol: parsed.protocol,
        hostname: parsed.hostname,
        path: parsed.pathname,
        query: {},
        headers: unsigned,
        body: String(init.body),
      },
      {
        signingDate: new Date(
          `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`,
        ),
      },
    );
    expect(headers['authorization']).toBe(resigned.headers['authorization']);
    expect(headers['authorization']).toContain('/eu-north-1/lambda/aws4_request');
    expect(headers['x-amz-security-token']).toBe('session');
  });

  it('rejects when Lambda does not accept the event (the broker counts and logs it)', async () => {
    const { fetchStub } = recordingFetch(429);
    const scheduler = new SelfInvokeRefreshScheduler({
      functionName: 'f',
      region: 'eu-north-1',
      credentials: async () => CREDENTIALS,
      fetch: fetchStub,
    });
    await expect(scheduler.schedule(REQUEST)).rejects.toThrow('Lambda Invoke answered 429');
  });
});

describe('createProxyHandler with a refresh event', () => {
  it('runs the refresh without the API gate or the API, and answers no token', async () => {
    const gated: unknown[] = [];
    const { runtime, asked } = (() => {
      const asked: TokenRequest[] = [];
      const runtime = {
        broker: {
          refreshAhead: async (request: TokenRequest) => {
            asked.push(request);
            return 'refreshed' as const;
          },
        },
        api: () => {
          throw new Error('the API must not see a refresh event');
        },
      } as unknown as LambdaRuntime;
      return { runtime, asked };
    })();
    const gate = (event: unknown) => {
      gated.push(event);
      return undefined;
    };
    const handler = createProxyHandler(
      async () => runtime,
      new RecordingLogger(),
      () => gate,
    );

    const answer = await handler(toRefreshEvent(REQUEST), {
      getRemainingTimeInMillis: () => 9_000,
    });

    expect(answer).toEqual({ refresh: 'refreshed' });
    expect(JSON.stringify(answer)).not.toContain('token-');
    expect(asked).toEqual([REQUEST]);
    expect(gated).toEqual([]);
  });
});
