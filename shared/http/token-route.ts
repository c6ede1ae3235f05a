import type { AdmitMiss, BrokerService, TokenResult, TokenSource } from '../app/broker-service.js';
import type { MissLimiter } from '../app/miss-limiter.js';
import type { CachedToken } from '../domain/cache-policy.js';
import { type CallerPolicy, requireDecision } from '../domain/caller-policy.js';
import { parseTokenRequest, type TokenRequest } from '../domain/token-request.js';
import type { ApiResponse } from './api-types.js';
import { rememberingBodyParser } from './json-body.js';
import { JSON_HEADERS } from './responses.js';
import type { Route } from './router.js';

export interface TokenRouteOptions {
  broker: BrokerService;
  policy: CallerPolicy;
  /** Spends a caller's miss budget (its rule's `maxMissesPerMinute`); none means no limit. */
  limiter?: MissLimiter;
}

/** The response header that says where the token came from (`stale` while Maskinporten fails). */
export const TOKEN_SOURCE_HEADER = 'broker-token-source';

/**
 * `POST /v1/token`: validate, authorise (before the cache, so a cached token never reaches a
 * caller that may not have it), get the token, and answer RFC 6749 §5.1. A request the caches
 * cannot answer spends one of the caller's misses under the allowing rule, or gets 429. The audit
 * line says who asked for what and where the token came from; never the token.
 */
export function createTokenRoute(options: TokenRouteOptions): Route {
  const { broker, policy, limiter } = options;
  const parseBody = rememberingBodyParser(parseTokenRequest);
  return {
    method: 'POST',
    path: '/v1/token',
    audit: 'token request',
    handler: (request, { deadline, audit }) => {
      const tokenRequest = parseBody(request);
      addAuditFields(audit, tokenRequest);
      const decision = requireDecision(policy, request.caller, {
        kind: 'token',
        request: tokenRequest,
      });
      // A memory hit is answered at once (after handing off the refresh it started, where that is
      // an invocation), and spends no miss; anything else waits for the shared cache or upstream.
      const hit = broker.fromMemory(tokenRequest);
      if (hit?.handoff) return hit.handoff.then(() => tokenResponse(hit, audit));
      if (hit) return tokenResponse(hit, audit);
      const perMinute = decision.maxMissesPerMinute;
      const caller = request.caller?.id ?? 'unknown';
      const admitMiss: AdmitMiss | undefined =
        limiter && perMinute !== undefined
          ? () => limiter.admit(`${decision.rule}\n${caller}`, perMinute, caller)
          : undefined;
      return broker
        .getToken(tokenRequest, deadline, admitMiss)
        .then((result) => tokenResponse(result, audit));
    },
  };
}

/** RFC 6749 §5.1's answer, with where the token came from in a header and the audit line. */
function tokenResponse(result: TokenResult, audit: Record<string, unknown>): ApiResponse {
  audit['outcome'] = result.source;
  audit['expiresIn'] = result.expiresIn;
  return { status: 200, headers: TOKEN_HEADERS[result.source], body: tokenBody(result) };
}

/**
 * What a token request was for, on its audit line. Every field is set, in one order, so every
 * token request's record has one shape; loggers leave out the ones that are `undefined`.
 */
function addAuditFields(audit: Record<string, unknown>, request: TokenRequest): void {
  audit['org'] = request.org;
  audit['scopes'] = request.scopes;
  audit['externalRef'] = request.externalRef;
  audit['resource'] = request.resource;
  audit['consumerOrg'] = request.consumerOrg;
  audit['exchange'] = request.exchange;
  audit['skipCache'] = request.skipCache || undefined;
}

/**
 * The answer's headers per token source, built once (read-only: transports only read them).
 * Frozen, and measured so: the same objects unfrozen made a memory hit about 10 µs slower in
 * the local server (fresh processes; the cost showed in `writeHead` and the kernel's write, and
 * its cause inside V8 was not pinned down).
 */
const headersFor = (source: TokenSource) =>
  Object.freeze({ ...JSON_HEADERS, [TOKEN_SOURCE_HEADER]: source });
const TOKEN_HEADERS: Readonly<Record<TokenSource, Readonly<Record<string, string>>>> = {
  memory: headersFor('memory'),
  shared: headersFor('shared'),
  maskinporten: headersFor('maskinporten'),
  altinn: headersFor('altinn'),
  stale: headersFor('stale'),
};

/**
 * Each cached token's answer, serialised once around `expires_in`, and the last body built: a hot
 * token is asked for many times a second and its body changes once a second, so a hit usually
 * reuses the last body (one string, not a new one per request for the socket write to flatten).
 */
interface SerialisedToken {
  head: string;
  tail: string;
  expiresIn: number;
  body: string;
}
const serialised = new WeakMap<CachedToken, SerialisedToken>();

/** `{"access_token","token_type","expires_in","scope"}` (RFC 6749 §5.1), built from cached parts. */
function tokenBody(result: TokenResult): string {
  const { expiresIn } = result;
  let parts = serialised.get(result.token);
  if (!parts) {
    const { accessToken, tokenType, scope } = result.token;
    const head = `{"access_token":${JSON.stringify(accessToken)},"token_type":${JSON.stringify(tokenType)},"expires_in":`;
    const tail = `,"scope":${JSON.stringify(scope)}}`;
    parts = { head, tail, expiresIn, body: `${head}${expiresIn}${tail}` };
    serialised.set(result.token, parts);
  } else if (parts.expiresIn !== expiresIn) {
    parts.expiresIn = expiresIn;
    parts.body = `${parts.head}${expiresIn}${parts.tail}`;
  }
  return parts.body;
}
