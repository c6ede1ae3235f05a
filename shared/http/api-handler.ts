import { deadlinePassed } from '../app/upstream-errors.js';
import { BrokerError, ERROR_KINDS } from '../domain/errors.js';
import type { Clock } from '../ports/clock.js';
import { Deadline } from '../ports/deadline.js';
import type { BrokerLogger } from '../ports/logger.js';
import type { BrokerMetrics } from '../ports/metrics.js';
import type { ApiHandler, ApiRequest, ApiResponse } from './api-types.js';
import { auditLine, countRefusal, failureFields } from './audit.js';
import { toErrorResponse } from './error-response.js';
import { createRouter, type Route } from './router.js';

export interface ApiOptions {
  clock: Clock;
  logger: BrokerLogger;
  metrics: BrokerMetrics;
  /** Every request is answered within this many milliseconds (`BROKER_DEADLINE_MS`). */
  deadlineMs: number;
}

/**
 * The broker's HTTP contract over its routes, independent of transport: the local server and the
 * Lambda both call the handler this returns, so they cannot drift apart. Every request goes the
 * same way: its one deadline is made, its route found and run, its audit line written (for audited
 * routes), its refusals counted and any error turned into the answer `ERROR_KINDS` gives it.
 */
export function createApiHandler(routes: readonly Route[], options: ApiOptions): ApiHandler {
  const { clock, logger, metrics } = options;
  const match = createRouter(routes);

  return async function handle(request: ApiRequest): Promise<ApiResponse> {
    const started = clock();
    // The request's one deadline, made here and handed to every port the request reaches.
    const deadline = Deadline.after(
      Math.min(options.deadlineMs, request.timeLimitMs ?? Number.POSITIVE_INFINITY),
      clock,
    );
    const audit: Record<string, unknown> = {};
    let route: Route | undefined;
    try {
      const found = match(request);
      route = found.route;
      const work = route.handler(request, { params: found.params, deadline, audit });
      const response = await answeredBy(work, deadline);
      audit['outcome'] ??= response.status;
      if (route.audit) logger.info(route.audit, auditLine(request, audit, clock() - started));
      return response;
    } catch (caught) {
      const error =
        caught === NOT_ANSWERED ? deadlinePassed(`${request.method} ${request.path}`) : caught;
      countRefusal(metrics, error);
      if (route?.audit) {
        logger.warn(`${route.audit} failed`, {
          ...auditLine(request, audit, clock() - started),
          ...failureFields(error),
        });
      }
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

const NOT_ANSWERED = Symbol('not answered by the deadline');

/**
 * The route's answer, or {@link NOT_ANSWERED} once the deadline and its grace have passed. Every
 * port honours the deadline; this is the last line of defence if one does not. One plain timer,
 * not the deadline's signal: a request answered from memory never makes an AbortController.
 */
function answeredBy(work: Promise<ApiResponse>, deadline: Deadline): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      work.catch(() => {});
      reject(NOT_ANSWERED);
    }, deadline.remaining() + DEADLINE_GRACE_MS);
    work.then(
      (response) => {
        clearTimeout(timer);
        resolve(response);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

function describeUnexpected(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
