import { parseRefreshEvent } from '../../shared/adapters/lambda/refresh-event.js';
import type { RefreshOutcome } from '../../shared/app/broker-service.js';
import { DEFAULT_DEADLINE_MS } from '../../shared/config/env-config.js';
import { BrokerError } from '../../shared/domain/errors.js';
import { Deadline } from '../../shared/ports/deadline.js';
import type { BrokerLogger } from '../../shared/ports/logger.js';
import type { BrokerRuntime } from '../../shared/runtime/compose-broker.js';

/** What a refresh invocation answers: what happened, never a token. */
export interface RefreshAnswer {
  refresh: RefreshOutcome | 'refused' | 'failed';
}

/**
 * Runs the refresh ahead a refresh event asks for (`BrokerService.refreshAhead`: lease-coordinated,
 * stores the new token, returns nothing). The event is accepted only in its exact shape with a
 * valid token request; anything else claiming to be one is refused and logged. Failures are
 * answered, not thrown: an asynchronous invocation that throws would be retried later, when the
 * token it was about may no longer be asked for.
 */
export async function runRefreshEvent(
  runtime: BrokerRuntime,
  event: unknown,
  timeLimitMs: number | undefined,
  logger: BrokerLogger,
): Promise<RefreshAnswer> {
  let request: ReturnType<typeof parseRefreshEvent>;
  try {
    request = parseRefreshEvent(event);
  } catch (error) {
    logger.warn('refused a malformed refresh event', {
      reason: error instanceof Error ? error.message : 'invalid',
    });
    return { refresh: 'refused' };
  }
  const deadline = Deadline.after(
    Math.min(DEFAULT_DEADLINE_MS, timeLimitMs ?? DEFAULT_DEADLINE_MS),
  );
  try {
    const outcome = await runtime.broker.refreshAhead(request, deadline);
    logger.info('refresh ahead', { outcome, org: request.org, scopes: request.scopes });
    return { refresh: outcome };
  } catch (error) {
    logger.warn('refresh ahead failed', {
      outcome: error instanceof BrokerError ? error.kind : 'internal',
      org: request.org,
      scopes: request.scopes,
    });
    return { refresh: 'failed' };
  } finally {
    deadline.dispose();
  }
}
