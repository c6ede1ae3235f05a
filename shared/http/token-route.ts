import type { BrokerService, TokenResult, TokenSource } from '../app/broker-service.js';
import type { CachedToken } from '../domain/cache-policy.js';
import { type CallerPolicy, requireAllowed } from '../domain/caller-policy.js';
import { BrokerError } from '../domain/errors.js';
import { parseTokenRequest, type TokenRequest } from '../domain/token-request.js';
import type { Clock } from '../ports/clock.js';
import type { Deadline } from '../ports/deadline.js';
import type { BrokerLogger } from '../ports/logger.js';
import type { BrokerMetrics } from '../ports/metrics.js';
import type { ApiRequest, ApiResponse } from './api-types.js';
import { readJsonBody } from './json-body.js';
import { JSON_HEADERS } from './responses.js';

export interface TokenRouteOptions {
  broker: BrokerService;
  policy: CallerPolicy;
  clock: Clock;
  logger: BrokerLogger;
  metrics: BrokerMetrics;
}

/** The response header that says where the token came from (`stale` while Maskinporten fails). */
export const TOKEN_SOURCE_HEADER = 'broker-token-source';

/**
 * `POST /v1/token`: validate, authorise (before the cache, so a cached token never reaches a
 * caller that may not have it), get the token, and write one audit line.
 */
export function createTokenRoute(options: TokenRouteOptions) {
  const { broker, policy, clock, logger, metrics } = options;
  return async function tokenRoute(
    request: ApiRequest,
    _params: unknown,
    deadline: Deadline,
  ): Promise<ApiResponse> {
    const started = clock();
    let tokenRequest: TokenRequest | undefined;
    try {
      tokenRequest = parseTokenRequest(readJsonBody(request));
      requireAllowed(policy, request.caller, { kind: 'token', request: tokenRequest });
      const result = await broker.getToken(tokenRequest, deadline);
      audit(logger, request, tokenRequest, clock() - started, result);
      return { status: 200, headers: TOKEN_HEADERS[result.source], body: tokenBody(result) };
    } catch (error) {
      if (error instanceof BrokerError) {
        if (error.kind === 'invalid_request') metrics.count('InvalidRequests');
        if (error.kind === 'access_denied') metrics.count('AccessDenied');
      }
      audit(logger, request, tokenRequest, clock() - started, undefined, error);
      throw error;
    }
  };
}

/** The answer's headers per token source, built once (read-only: transports only read them). */
const headersFor = (source: TokenSource) =>
  Object.freeze({ ...JSON_HEADERS, [TOKEN_SOURCE_HEADER]: source });
const TOKEN_HEADERS: Readonly<Record<TokenSource, Readonly<Record<string, string>>>> = {
  memory: headersFor('memory'),
  shared: headersFor('shared'),
  maskinporten: headersFor('maskinporten'),
  altinn: headersFor('altinn'),
  stale: headersFor('stale'),
};

/** The fixed parts of each cached token's answer, serialised once: only `expires_in` changes. */
const serialised = new WeakMap<CachedToken, { head: string; tail: string }>();

/** `{"access_token","token_type","expires_in","scope"}` (RFC 6749 §5.1), built from cached parts. */
function tokenBody(result: TokenResult): string {
  let parts = serialised.get(result.token);
  if (!parts) {
    const { accessToken, tokenType, scope } = result.token;
    parts = {
      head: `{"access_token":${JSON.stringify(accessToken)},"token_type":${JSON.stringify(tokenType)},"expires_in":`,
      tail: `,"scope":${JSON.stringify(scope)}}`,
    };
    serialised.set(result.token, parts);
  }
  return `${parts.head}${result.expiresIn}${parts.tail}`;
}

/** One line per token request: who asked for what and what happened. Never the token itself. */
function audit(
  logger: BrokerLogger,
  request: ApiRequest,
  tokenRequest: TokenRequest | undefined,
  latencyMs: number,
  result?: TokenResult,
  error?: unknown,
): void {
  const fields: Record<string, unknown> = {
    caller: request.caller?.id,
    requestId: request.requestId,
    org: tokenRequest?.org,
    scopes: tokenRequest?.scopes,
    externalRef: tokenRequest?.externalRef,
    resource: tokenRequest?.resource,
    consumerOrg: tokenRequest?.consumerOrg,
    exchange: tokenRequest?.exchange,
    skipCache: tokenRequest?.skipCache || undefined,
    latencyMs,
  };
  if (result) {
    fields['outcome'] = result.source;
    fields['expiresIn'] = result.expiresIn;
    logger.info('token request', fields);
    return;
  }
  if (error instanceof BrokerError) {
    fields['outcome'] = error.kind;
    fields['reason'] = error.message;
    fields['upstreamStatus'] = error.upstream?.status;
    fields['upstreamError'] = error.upstream?.error;
    fields['mpCode'] = error.upstream?.code;
  } else {
    fields['outcome'] = 'internal';
  }
  logger.warn('token request failed', fields);
}
