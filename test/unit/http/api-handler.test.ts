import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InMemoryMetrics } from '../../../shared/adapters/metrics/in-memory-metrics.js';
import { BrokerError } from '../../../shared/domain/errors.js';
import { createApiHandler, DEADLINE_GRACE_MS } from '../../../shared/http/api-handler.js';
import type { ApiRequest } from '../../../shared/http/api-types.js';
import type { Route, RouteCall } from '../../../shared/http/router.js';
import { RecordingLogger } from '../../support/recording-logger.js';
import { advance, watch } from '../../support/virtual-upstreams.js';

// The pipeline every request goes through, on a virtual clock: one deadline per request (the
// sooner of BROKER_DEADLINE_MS and the transport's limit), handed to the route; a route that never
// answers is answered 504 by the API itself; one audit line per audited call.

const clock = () => Date.now();
const request = (extra: Partial<ApiRequest> = {}): ApiRequest => ({
  method: 'GET',
  path: '/v1/work',
  query: new URLSearchParams(),
  headers: {},
  caller: { id: 'arn:aws:iam::111111111111:role/caller', source: 'iam' },
  ...extra,
});

function api(handler: Route['handler']) {
  const logger = new RecordingLogger();
  const metrics = new InMemoryMetrics();
  const handle = createApiHandler(
    [{ method: 'GET', path: '/v1/work', audit: 'work call', handler }],
    { clock, logger, metrics, deadlineMs: 1_500 },
  );
  return { handle, logger, metrics };
}

describe('createApiHandler on a virtual clock', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_800_000_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands the route one deadline, BROKER_DEADLINE_MS from now', async () => {
    let seen: RouteCall | undefined;
    const { handle } = api(async (_request, call) => {
      seen = call;
      return { status: 204, headers: {}, body: '' };
    });

    await handle(request());

    expect(seen?.deadline.at).toBe(Date.now() + 1_500);
  });

  it('makes the deadline sooner when the transport has less time (a Lambda near its end)', async () => {
    let at = 0;
    const { handle } = api(async (_request, call) => {
      at = call.deadline.at;
      return { status: 204, headers: {}, body: '' };
    });

    await handle(request({ timeLimitMs: 400 }));
    expect(at).toBe(Date.now() + 400);
    await handle(request({ timeLimitMs: 60_000 }));
    expect(at).toBe(Date.now() + 1_500);
  });

  it('counts the deadline from receivedAt when work ran before the API (the policy refresh)', async () => {
    let at = 0;
    const { handle } = api(async (_request, call) => {
      at = call.deadline.at;
      return { status: 204, headers: {}, body: '' };
    });
    const receivedAt = Date.now() - 300;

    await handle(request({ receivedAt }));
    expect(at).toBe(receivedAt + 1_500);
    await handle(request({ receivedAt, timeLimitMs: 400 }));
    expect(at).toBe(receivedAt + 400);
  });

  it('answers a route that ignores its deadline with the documented 504, once the grace is over', async () => {
    const { handle, logger } = api(async (_request, call) => {
      call.audit['org'] = '910753614';
      return new Promise(() => {});
    });

    const response = watch(Promise.resolve(handle(request())));
    await advance(1_500 + DEADLINE_GRACE_MS - 1);
    expect(response.settled).toBe(false);
    await advance(1);

    expect(response.value?.status).toBe(504);
    expect(response.value?.headers['retry-after']).toBe('1');
    expect(JSON.parse(response.value?.body ?? '{}')).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'no answer before the deadline (GET /v1/work)',
    });
    expect(logger.entries.filter((e) => e.message.startsWith('work call'))).toEqual([
      {
        level: 'warn',
        message: 'work call failed',
        fields: expect.objectContaining({ org: '910753614', outcome: 'upstream_timeout' }),
      },
    ]);
  });

  it('lets a route answer its own timeout at the deadline (inside the grace)', async () => {
    const { handle } = api(
      (_request, { deadline }) =>
        new Promise((_, reject) =>
          deadline.signal.addEventListener('abort', () =>
            reject(new BrokerError('upstream_timeout', 'no answer from X', { retryAfter: 1 })),
          ),
        ),
    );

    const response = watch(Promise.resolve(handle(request())));
    await advance(1_500);

    expect(response.value?.status).toBe(504);
    expect(JSON.parse(response.value?.body ?? '{}').error_description).toBe('no answer from X');
  });

  it('writes one audit line with what the route learned, and counts refusals once', async () => {
    const { handle, logger, metrics } = api(async (_request, call) => {
      call.audit['org'] = '910753614';
      throw new BrokerError('access_denied', 'no');
    });

    const response = await handle(request({ requestId: 'r-1' }));

    expect(response.status).toBe(403);
    expect(metrics.get('AccessDenied')).toBe(1);
    expect(logger.entries).toEqual([
      {
        level: 'warn',
        message: 'work call failed',
        fields: {
          caller: 'arn:aws:iam::111111111111:role/caller',
          requestId: 'r-1',
          org: '910753614',
          latencyMs: 0,
          outcome: 'access_denied',
          reason: 'no',
          upstreamStatus: undefined,
          upstreamError: undefined,
          mpCode: undefined,
        },
      },
    ]);
  });
});
