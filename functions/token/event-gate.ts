import {
  type ApiGatewayProxyEvent,
  type ApiGatewayProxyResult,
  toApiGatewayResult,
} from '../../shared/adapters/http/apigateway-event.js';
import {
  claimedValue,
  type TrustedEventSource,
  untrustedField,
} from '../../shared/adapters/http/event-source.js';
import type { EnvConfig } from '../../shared/config/env-config.js';
import { ENV } from '../../shared/config/env-names.js';
import { BrokerError } from '../../shared/domain/errors.js';
import { toErrorResponse } from '../../shared/http/error-response.js';
import type { BrokerLogger } from '../../shared/ports/logger.js';
import type { BrokerMetrics } from '../../shared/ports/metrics.js';

/** Answers an event that did not come through the stack's API (403), or lets it in (undefined). */
export type EventGate = (event: ApiGatewayProxyEvent) => ApiGatewayProxyResult | undefined;

/**
 * The Lambda's first check of every event, before the caller is read from it: the event must name
 * the configured API, stage and VPC endpoint. A refusal is a 403 in the broker's error shape, an
 * error log (the field and what the event claimed, never its headers or body) and `UntrustedEvents`.
 *
 * Where the stack deployed the broker (`deployed`), all three settings are required and a missing
 * one fails the start: an unchecked function in AWS would trust whoever may invoke it, and the stack
 * always sets them. Elsewhere (tests, a Lambda runtime on a laptop) what is set is checked, and
 * nothing set is a warning at start.
 */
export function createEventGate(
  config: Pick<EnvConfig, 'apiId' | 'apiStage' | 'vpcEndpointIds'>,
  deployed: boolean,
  logger: BrokerLogger,
  metrics: BrokerMetrics,
): EventGate {
  const source: TrustedEventSource = {
    apiId: config.apiId,
    stage: config.apiStage,
    vpcEndpointIds: config.vpcEndpointIds,
  };
  const missing: string[] = [];
  if (source.apiId === undefined) missing.push(ENV.apiId);
  if (source.stage === undefined) missing.push(ENV.apiStage);
  if (source.vpcEndpointIds === undefined) missing.push(ENV.vpcEndpointIds);
  if (missing.length > 0 && deployed) {
    throw new TypeError(
      `missing required environment variable(s) in a deployed environment: ${missing.join(', ')} (the event source check)`,
    );
  }
  if (missing.length === 3) {
    logger.warn('events are not checked against their API: the event source is not configured', {
      missing,
    });
  }
  return (event) => {
    const field = untrustedField(event, source);
    if (field === undefined) return undefined;
    metrics.count('UntrustedEvents');
    logger.error('untrusted event refused', {
      field,
      claimed: claimedValue(event, field),
      requestId: shortText(event.requestContext?.requestId),
      claimedCaller: shortText(event.requestContext?.identity?.userArn),
    });
    return toApiGatewayResult(
      toErrorResponse(
        new BrokerError('access_denied', "the request did not come through the broker's API"),
      ),
    );
  };
}

/** The sender's text, cut short for a log line. */
function shortText(value: string | null | undefined): string | undefined {
  return typeof value === 'string' ? value.slice(0, 200) : undefined;
}
