import type { ApiGatewayProxyEvent } from '../../shared/adapters/http/apigateway-event.js';
import { readFixture } from './fixtures.js';

/**
 * The private API's interface endpoint as the recorded private-API capture names it
 * (`rest-v1-private-api-vpce.extract.json`, `requestContext.identity.vpceId`).
 */
export const FIXTURE_VPCE_ID = 'vpce-05d0829ef39b4d2b8';

/** The API and stage of the recorded SigV4 capture (`rest-v1-iam-auth.json`). */
export const FIXTURE_API_ID = 'puhdx84jy9';
export const FIXTURE_STAGE = 'prod';

/** The event-source settings under which {@link privateIamEvent} is genuine. */
export const FIXTURE_EVENT_SOURCE_ENV = {
  BROKER_API_ID: FIXTURE_API_ID,
  BROKER_API_STAGE: FIXTURE_STAGE,
  BROKER_VPC_ENDPOINT_IDS: `vpce-0aaaaaaaaaaaaaaa1,${FIXTURE_VPCE_ID}`,
} as const;

/**
 * The recorded SigV4 (AWS_IAM) capture as the broker's private API delivers it: the capture is
 * of a regional API, so the identity gets the `vpceId` a private API adds (the private capture's
 * own endpoint id; the fixtures README lists the difference).
 */
export function privateIamEvent(): ApiGatewayProxyEvent {
  const event = readFixture<ApiGatewayProxyEvent>('apigateway/rest-v1-iam-auth.json');
  const context = event.requestContext ?? {};
  return {
    ...event,
    requestContext: { ...context, identity: { ...context.identity, vpceId: FIXTURE_VPCE_ID } },
  };
}
