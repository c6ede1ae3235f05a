import { consumerOrgNo } from '../altinn-auth.js';
import type { AltinnRequestContext, AltinnRoute } from '../altinn-context.js';
import { stringResult } from '../altinn-http.js';
import { AUTH, httpProblem } from '../altinn-problem.js';

/**
 * Token exchange and the Altinn issuer's metadata:
 * - `GET exchange/{provider}`: `maskinporten` (case-insensitive) with a simulator-issued bearer →
 *   200 with the Altinn JWT; any other provider → 400 (the sandbox trusts no ID-porten or Studio);
 *   a missing, unreadable, unsigned, expired or foreign token, or no `consumer` → 401;
 *   `X-Altinn-EnterpriseUser-Authentication` → 410 (virksomhetsbruker is discontinued).
 *   The body is `text/plain`, or a JSON string when the client accepts only `application/json`
 *   (ASP.NET's content negotiation for a string result), so clients should strip quotes.
 * - `GET openid/.well-known/openid-configuration` and its `/jwks`.
 *
 * @see https://docs.altinn.studio/api/authentication/spec/
 */
export const exchangeRoutes: AltinnRoute[] = [
  { method: 'GET', path: 'exchange/{provider}', fault: 'exchange', handle: exchange },
  {
    method: 'GET',
    path: 'openid/.well-known/openid-configuration',
    handle: (ctx) => ({ status: 200, json: ctx.deps.exchange.openidConfiguration() }),
  },
  {
    method: 'GET',
    path: 'openid/.well-known/openid-configuration/jwks',
    handle: (ctx) => ({ status: 200, json: ctx.deps.exchange.jwks() }),
  },
];

async function exchange(ctx: AltinnRequestContext) {
  if ((ctx.params['provider'] ?? '').toLowerCase() !== 'maskinporten') {
    throw httpProblem(400, 'Trusted token providers here: maskinporten');
  }
  const claims = await ctx.deps.maskinportenTokens.verify(ctx.req);
  const orgNo = consumerOrgNo(claims);
  if (!orgNo) throw AUTH.vendorOrgNoNotFound();
  if (ctx.req.headers['x-altinn-enterpriseuser-authentication']) {
    throw httpProblem(410, 'Enterprise users (virksomhetsbruker) are no longer supported');
  }
  const token = await ctx.deps.exchange.exchange(claims, orgNo);
  ctx.deps.onExchange();
  return stringResult(ctx.req, 200, token);
}
