import { describe, expect, it } from 'vitest';
import {
  buildGrantClaims,
  GRANT_LIFETIME_SECONDS,
  type GrantContext,
  grantHeader,
  SYSTEM_USER_TYPE,
} from '../../../shared/domain/jwt-grant.js';
import { parseTokenRequest } from '../../../shared/domain/token-request.js';

const ISSUER = 'https://test.maskinporten.no/';
const CLIENT_ID = '0a1b2c3d-0000-4000-8000-000000000001';
const JTI = '6f1c2a9e-1d6b-4c1e-9a8f-2b6a7c9d0e1f';
const NOW_MS = 1_700_000_000_789;
const IAT = 1_700_000_000;
const context: GrantContext = { issuer: ISSUER, clientId: CLIENT_ID, now: NOW_MS, jti: JTI };

const base = { aud: ISSUER, iss: CLIENT_ID, iat: IAT, exp: IAT + GRANT_LIFETIME_SECONDS, jti: JTI };
const systemUser = (id: string, externalRef?: string) => ({
  type: SYSTEM_USER_TYPE,
  systemuser_org: { authority: 'iso6523-actorid-upis', ID: id },
  ...(externalRef === undefined ? {} : { externalRef }),
});

/** Every claim the jwtgrant page documents; anything else gets "Invalid assertion". */
const DOCUMENTED_CLAIMS = new Set([
  'aud',
  'iss',
  'iat',
  'exp',
  'jti',
  'scope',
  'resource',
  'pid',
  'consumer_org',
  'authorization_details',
]);

const CASES = [
  [
    'plain vendor token',
    { scope: 'krr:global/kontaktinformasjon.read' },
    { scope: 'krr:global/kontaktinformasjon.read' },
  ],
  [
    'several scopes, space-separated in sorted order',
    { scope: ['b:y', 'a:x'] },
    { scope: 'a:x b:y' },
  ],
  [
    'system user without externalRef',
    { scope: 'altinn:demo', org: '910753614' },
    { scope: 'altinn:demo', authorization_details: [systemUser('0192:910753614')] },
  ],
  [
    'system user given as 0192:',
    { scope: 'altinn:demo', org: '0192:910753614' },
    { scope: 'altinn:demo', authorization_details: [systemUser('0192:910753614')] },
  ],
  [
    'system user with externalRef',
    { scope: 'altinn:demo', org: '910753614', externalRef: '314250052' },
    { scope: 'altinn:demo', authorization_details: [systemUser('0192:910753614', '314250052')] },
  ],
  [
    'resource',
    { scope: 'a', resource: ['https://b.example.no/', 'https://a.example.no/'] },
    { scope: 'a', resource: ['https://a.example.no/', 'https://b.example.no/'] },
  ],
  [
    'one resource given as a string, sent as an array',
    { scope: 'a', resource: 'https://a.no/' },
    { scope: 'a', resource: ['https://a.no/'] },
  ],
  [
    'consumer_org as bare digits',
    { scope: 'skatt:delegated', consumerOrg: '0192:313725138' },
    { scope: 'skatt:delegated', consumer_org: '313725138' },
  ],
  [
    'a system user with every option',
    {
      scope: 'a',
      org: '910753614',
      externalRef: 'r',
      resource: 'https://a.no/',
      minTtl: 60,
      skipCache: true,
      exchange: 'altinn',
    },
    {
      scope: 'a',
      resource: ['https://a.no/'],
      authorization_details: [systemUser('0192:910753614', 'r')],
    },
  ],
  [
    'a delegated token with a resource',
    { scope: 'a', resource: 'https://a.no/', consumerOrg: '313725138' },
    { scope: 'a', resource: ['https://a.no/'], consumer_org: '313725138' },
  ],
] as const;

describe('buildGrantClaims', () => {
  it.each(CASES)('builds exactly the claims for %s', (_, body, extra) => {
    expect(buildGrantClaims(parseTokenRequest(body), context)).toStrictEqual({ ...base, ...extra });
  });

  it.each(CASES)('%s: only documented claims, never sub', (_, body) => {
    const claims = buildGrantClaims(parseTokenRequest(body), context);
    expect(claims).not.toHaveProperty('sub');
    for (const claim of Object.keys(claims)) expect(DOCUMENTED_CLAIMS).toContain(claim);
  });

  it.each(CASES)('%s: survives a JSON round trip unchanged (no undefined members)', (_, body) => {
    const claims = buildGrantClaims(parseTokenRequest(body), context);
    expect(JSON.parse(JSON.stringify(claims))).toStrictEqual(claims);
  });

  it('keeps the lifetime within Digdir’s 120 s', () => {
    expect(GRANT_LIFETIME_SECONDS).toBeGreaterThan(0);
    expect(GRANT_LIFETIME_SECONDS).toBeLessThanOrEqual(120);
    const claims = buildGrantClaims(parseTokenRequest({ scope: 'a' }), context);
    expect(claims.exp - claims.iat).toBe(GRANT_LIFETIME_SECONDS);
  });

  it.each([
    [0, 0],
    [999, 0],
    [1_000, 1],
    [1_999, 1],
    [NOW_MS, IAT],
    [1_700_000_000_000, 1_700_000_000],
  ])('takes iat from the injected clock: %d ms → %d s', (now, iat) => {
    const claims = buildGrantClaims(parseTokenRequest({ scope: 'a' }), { ...context, now });
    expect(claims.iat).toBe(iat);
    expect(claims.exp).toBe(iat + GRANT_LIFETIME_SECONDS);
    expect(Number.isInteger(claims.iat)).toBe(true);
  });

  it.each([
    'https://test.maskinporten.no/',
    'https://maskinporten.no/',
    'http://127.0.0.1:8080/maskinporten/',
    'https://maskinporten.no',
  ])('uses the issuer %s verbatim as aud', (issuer) => {
    expect(buildGrantClaims(parseTokenRequest({ scope: 'a' }), { ...context, issuer }).aud).toBe(
      issuer,
    );
  });

  it('uses the client id as iss and the given jti', () => {
    const claims = buildGrantClaims(parseTokenRequest({ scope: 'a' }), {
      ...context,
      clientId: 'other-client',
      jti: 'other-jti',
    });
    expect(claims.iss).toBe('other-client');
    expect(claims.jti).toBe('other-jti');
  });

  it('sends exactly one authorization_details entry', () => {
    const claims = buildGrantClaims(parseTokenRequest({ scope: 'a', org: '910753614' }), context);
    expect(claims.authorization_details).toHaveLength(1);
  });

  it('copies the resource list rather than sharing the request’s array', () => {
    const request = parseTokenRequest({ scope: 'a', resource: 'https://a.no/' });
    const claims = buildGrantClaims(request, context);
    expect(claims.resource).not.toBe(request.resource);
    claims.resource?.push('https://b.no/');
    expect(request.resource).toStrictEqual(['https://a.no/']);
  });

  it('does not depend on the wall clock', () => {
    const request = parseTokenRequest({ scope: 'a' });
    expect(buildGrantClaims(request, context)).toStrictEqual(buildGrantClaims(request, context));
  });
});

describe('grantHeader', () => {
  it.each(['kid-1', 'a thumbprint-like kid_0123456789'])(
    'is exactly RS256/JWT with kid %j',
    (kid) => {
      expect(grantHeader(kid)).toStrictEqual({ alg: 'RS256', typ: 'JWT', kid });
    },
  );

  it('has no x5c', () => {
    expect(grantHeader('k')).not.toHaveProperty('x5c');
  });
});
