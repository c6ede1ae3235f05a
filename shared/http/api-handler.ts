import { deadlinePassed } from '../app/upstream-errors.js';
import { BrokerError, ERROR_KINDS } from '../domain/errors.js';
import type { Clock } from '../ports/clock.js';
import { Deadline } from '../ports/deadline.js';
import type { BrokerLogger } from '../ports/logger.js';
import type { BrokerMetrics } from '../ports/metrics.js';
import type { ApiHandler, ApiRequest, ApiResponse } from './api-types.js';
import { auditRecord, countRefusal, failureFields } from './audit.js';
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
 * A route that answers synchronously (a token from memory) is answered synchronously: the hit path
 * makes no promise and no timer.
 */
export function createApiHandler(routes: readonly Route[], options: ApiOptions): ApiHandler {
  const { clock, logger, metrics } = options;
  const match = createRouter(routes);

  /** The route's answer: its audit line, then the response as it is. */
  const answered = (
    route: Route,
    audit: Record<string, unknown>,
    started: number,
    response: ApiResponse,
  ): ApiResponse => {
    audit['outcome'] ??= response.status;
    audit['latencyMs'] = clock() - started;
    if (route.audit) logger.info(route.audit, audit);
    return response;
  };

  /** A failure's answer: counted, logged as the kind says, turned into its error response. */
  const failed = (
    request: ApiRequest,
    route: Route | undefined,
    audit: Record<string, unknown>,
    started: number,
    caught: unknown,
  ): ApiResponse => {
    const error =
      caught === NOT_ANSWERED ? deadlinePassed(`${request.method} ${request.path}`) : caught;
    countRefusal(metrics, error);
    if (route?.audit) {
      audit['latencyMs'] = clock() - started;
      logger.warn(`${route.audit} failed`, { ...audit, ...failureFields(error) });
    }
    if (!(error instanceof BrokerError)) {
      logger.error('unexpected error', { error: describeUnexpected(error), path: request.path });
    } else if (ERROR_KINDS[error.kind].fault) {
      // The broker's own configuration is wrong (key, kid, client, clock, scopes): say it loudly.
      logger.error('broker fault', { reason: error.message, path: request.path });
    }
    return toErrorResponse(error);
  };

  return function handle(request: ApiRequest): ApiResponse | Promise<ApiResponse> {
    const started = request.receivedAt ?? clock();
    // The request's one deadline, made here and handed to every port the request reaches.
    const deadline = Deadline.until(
      started + Math.min(options.deadlineMs, request.timeLimitMs ?? Number.POSITIVE_INFINITY),
      clock,
    );
    const audit = auditRecord(request);
    let route: Route | undefined;
    try {
      const found = match(request);
      const matched = found.route;
      route = matched;
      const work = matched.handler(request, { params: found.params, deadline, audit });
      // An answer in hand (a memory hit) is written at once: no timer, no promise to wait on.
      if (!(work instanceof Promise)) {
        deadline.dispose();
        return answered(matched, audit, started, work);
      }
      return answeredBy(work, deadline).then(
        (response) => {
          deadline.dispose();
          return answered(matched, audit, started, response);
        },
        (caught: unknown) => {
          deadline.dispose();
          return failed(request, matched, audit, started, caught);
        },
      );
    } catch (caught) {
      deadline.dispose();
      return failed(request, route, audit, started, caught);
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
