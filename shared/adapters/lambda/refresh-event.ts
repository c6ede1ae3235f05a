import { parseTokenRequest, type TokenRequest } from '../../domain/token-request.js';

/** The `source` of a refresh event: the one field that tells it from an API Gateway event. */
export const REFRESH_EVENT_SOURCE = 'maskinporten-broker.refresh-ahead';

/**
 * The payload of the function's asynchronous invocation of itself for a refresh ahead: the token
 * REQUEST in the token endpoint's body format (which token to renew), never a token, nothing
 * secret. The handler accepts it only in exactly this shape and never answers it with a token.
 */
export interface RefreshEvent {
  source: typeof REFRESH_EVENT_SOURCE;
  version: 1;
  request: Record<string, unknown>;
}

/** The event that asks for `request`'s token to be renewed. */
export function toRefreshEvent(request: TokenRequest): RefreshEvent {
  const body: Record<string, unknown> = { scope: [...request.scopes] };
  if (request.org !== undefined) body['org'] = request.org;
  if (request.externalRef !== undefined) body['externalRef'] = request.externalRef;
  if (request.resource !== undefined) body['resource'] = [...request.resource];
  if (request.consumerOrg !== undefined) body['consumerOrg'] = request.consumerOrg;
  if (request.exchange !== undefined) body['exchange'] = request.exchange;
  return { source: REFRESH_EVENT_SOURCE, version: 1, request: body };
}

/** True for anything that claims to be a refresh event (its `source`), well-formed or not. */
export function claimsRefreshEvent(event: unknown): boolean {
  return (
    typeof event === 'object' &&
    event !== null &&
    (event as { source?: unknown }).source === REFRESH_EVENT_SOURCE
  );
}

/**
 * The token request a refresh event carries, validated like a token request body (and without
 * `minTtl` or `skipCache`, which a refresh does not take); throws `BrokerError` otherwise.
 */
export function parseRefreshEvent(event: unknown): TokenRequest {
  if (!claimsRefreshEvent(event)) throw new TypeError('not a refresh event');
  const { version, request, ...rest } = event as Record<string, unknown>;
  delete rest['source'];
  if (version !== 1 || Object.keys(rest).length > 0) {
    throw new TypeError('a refresh event has exactly source, version 1 and request');
  }
  if (typeof request !== 'object' || request === null) {
    throw new TypeError('a refresh event has a request');
  }
  const { minTtl, skipCache } = request as Record<string, unknown>;
  if (minTtl !== undefined || skipCache !== undefined) {
    throw new TypeError('a refresh event request takes no minTtl or skipCache');
  }
  return parseTokenRequest(request);
}
