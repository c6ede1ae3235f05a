import type { ApiGatewayProxyEvent } from './apigateway-event.js';

/**
 * Where the Lambda's events must come from: the stack's REST API, its stage and (a private API) the
 * interface VPC endpoints callers use. A value left out is not checked.
 */
export interface TrustedEventSource {
  apiId?: string;
  stage?: string;
  vpcEndpointIds?: readonly string[];
}

/** The request-context field an event disagrees on, as the log line and the tests name it. */
export type UntrustedField = 'apiId' | 'stage' | 'vpceId';

/**
 * The first field in which the event differs from its trusted source, or undefined when it came
 * through the configured API, stage and endpoint. API Gateway fills these in itself
 * (`requestContext.apiId`, `.stage`, `.identity.vpceId`); anyone else who may invoke the function
 * can write them too, so this is a tripwire for a forged event, not a lock (the README says which
 * policy is the lock).
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-input-format
 */
export function untrustedField(
  event: ApiGatewayProxyEvent,
  source: TrustedEventSource,
): UntrustedField | undefined {
  const context = event.requestContext;
  if (source.apiId !== undefined && context?.apiId !== source.apiId) return 'apiId';
  if (source.stage !== undefined && context?.stage !== source.stage) return 'stage';
  const vpceId = context?.identity?.vpceId;
  if (
    source.vpcEndpointIds !== undefined &&
    (typeof vpceId !== 'string' || !source.vpcEndpointIds.includes(vpceId))
  ) {
    return 'vpceId';
  }
  return undefined;
}

/** What the event said for a field, short enough for a log line (it is the sender's text). */
export function claimedValue(event: ApiGatewayProxyEvent, field: UntrustedField): string | null {
  const context = event.requestContext;
  const value =
    field === 'vpceId'
      ? context?.identity?.vpceId
      : field === 'apiId'
        ? context?.apiId
        : context?.stage;
  return typeof value === 'string' ? value.slice(0, 64) : null;
}
