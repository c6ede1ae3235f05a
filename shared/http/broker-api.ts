import type { BrokerService } from '../app/broker-service.js';
import { deadlinePassed } from '../app/upstream-errors.js';
import type { CallerPolicy } from '../domain/caller-policy.js';
import { BrokerError, ERROR_KINDS } from '../domain/errors.js';
import type { Clock } from '../ports/clock.js';
import { Deadline, untilAborted } from '../ports/deadline.js';
import type { SigningKeySet } from '../ports/grant-signer.js';
import type { BrokerLogger } from '../ports/logger.js';
import type { BrokerMetrics } from '../ports/metrics.js';
import type { ApiHandler, ApiRequest, ApiResponse } from './api-types.js';
import { toErrorResponse } from './error-response.js';
import { publicJwkSet } from './jwks.js';
import { jsonResponse } from './responses.js';
import { createRouter, type Route } from './router.js';
import { createTokenRoute } from './token-route.js';

export interface BrokerApiOptions {
  broker: BrokerService;
  keys: SigningKeySet;
  policy: CallerPolicy;
  clock: Clock;
  logger: BrokerLogger;
  metrics: BrokerMetrics;
  /** Every request is answered within this many milliseconds (`BROKER_DEADLINE_MS`). */
  deadlineMs: number;
  /** More endpoints (the system-user lifecycle) served by the same API. */
  routes?: readonly Route[];
}

/**
 * The broker's HTTP contract, independent of transport: the local server and the Lambda both call
 * the handler this returns, so they cannot drift apart.
 */
export function createBrokerApi(options: BrokerApiOptions): ApiHandler {
  const { keys, logger } = options;
  let jwks: Promise<string> | undefined;
  const routes: Route[] = [
    { method: 'POST', path: '/v1/token', handler: createTokenRoute(options) },
    {
      method: 'GET',
      path: '/v1/jwks',
      handler: async () => {
        jwks ??= publicJwkSet(keys)
          .then((set) => JSON.stringify(set))
          .catch((error: unknown) => {
            jwks = undefined;
            throw error;
          });
        return {
          status: 200,
          headers: { 'content-type': 'application/json', 'cache-control': 'max-age=300' },
          body: await jwks,
        };
      },
    },
    { method: 'GET', path: '/v1/health', handler: async () => jsonResponse(200, { status: 'ok' }) },
    ...(options.routes ?? []),
  ];
  const route = createRouter(routes);

  return async function handle(request: ApiRequest): Promise<ApiResponse> {
    // The request's one deadline, made here and handed to every port the request reaches.
    const deadline = Deadline.after(
      Math.min(options.deadlineMs, request.timeLimitMs ?? Number.POSITIVE_INFINITY),
      options.clock,
    );
    try {
      // Every port honours the deadline; this is the last line of defence if one does not.
      return await untilAborted(route(request, deadline), deadline.signal, DEADLINE_GRACE_MS);
    } catch (caught) {
      const error =
        caught === deadline.signal.reason
          ? deadlinePassed(`${request.method} ${request.path}`)
          : caught;
      if (!(error instanceof BrokerError)) {
        logger.error('unexpected error', { error: describeUnexpected(error), path: request.path });
      } else if (ERROR_KINDS[error.kind].fault) {
        // The broker's own configuration is wrong (key, kid, client, clock, scopes): say it loudly.
        logger.error('broker fault', { reason: error.message, path: request.path });
      }
      return toErrorResponse(error);
    } finally {
      deadline.dispose();
    }
  };
}

/**
 * How long past the deadline the API waits for a route that has not answered before it answers
 * 504 itself: the route's own timeout answer (which may serve a stale token) comes first.
 */
export const DEADLINE_GRACE_MS = 250;

function describeUnexpected(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
