import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO } from '../../shared/sandbox/demo.js';
import { type BrokerTransport, TRANSPORTS } from '../support/broker-transports.js';

const SCOPE = 'krr:global/kontaktinformasjon.read';
const { standard, withExternalRef, agent, withoutSystemUser } = DEMO.customers;
let unique = 0;
/** A resource no other test asked for: a cold cache key. */
const freshResource = () => `https://api.example.no/contract/${++unique}`;

describe.each(TRANSPORTS)('HTTP contract over %s', (_name, start) => {
  let broker: BrokerTransport;

  beforeAll(async () => {
    broker = await start();
  });
  afterAll(async () => {
    await broker.close();
  });
  beforeEach(() => {
    broker.sandbox.maskinporten.faults.clear();
    broker.sandbox.maskinporten.stats.reset();
  });

  const token = (body: Record<string, unknown>) => broker.call({ path: '/v1/token', body });

  it('issues a plain vendor token that verifies against the sandbox JWKS', async () => {
    const response = await token({ scope: SCOPE, resource: freshResource() });

    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.json).toMatchObject({ token_type: 'Bearer', scope: SCOPE });
    expect(response.json.expires_in).toBeGreaterThan(100);
    const jwks = createRemoteJWKSet(new URL(`${broker.sandbox.issuer}jwk`));
    const { payload } = await jwtVerify(response.json.access_token, jwks, {
      issuer: broker.sandbox.issuer,
    });
    expect(payload['client_id']).toBe(DEMO.clientId);
    expect(payload['consumer']).toEqual({
      authority: 'iso6523-actorid-upis',
      ID: `0192:${DEMO.vendor.orgNo}`,
    });
    expect(payload['authorization_details']).toBeUndefined();
  });

  it('issues a system-user token naming the customer org', async () => {
    const response = await token({ scope: SCOPE, org: standard.orgNo });

    expect(response.status).toBe(200);
    const claims = decodeJwt(response.json.access_token);
    const [detail] = claims['authorization_details'] as Array<Record<string, unknown>>;
    expect(detail).toMatchObject({
      type: 'urn:altinn:systemuser',
      systemuser_org: { authority: 'iso6523-actorid-upis', ID: `0192:${standard.orgNo}` },
      systemuser_id: [standard.systemUserId],
      system_id: DEMO.systemId,
    });
  });

  it('sends the grant Digdir documents, and nothing else', async () => {
    await token({ scope: SCOPE, org: agent.orgNo, resource: freshResource() });

    const [grant] = broker.sandbox.maskinporten.stats.grants;
    expect(Object.keys(grant ?? {}).sort()).toEqual(
      ['aud', 'authorization_details', 'exp', 'iat', 'iss', 'jti', 'resource', 'scope'].sort(),
    );
    expect(grant?.['aud']).toBe(broker.sandbox.issuer);
    expect(grant?.['iss']).toBe(DEMO.clientId);
    expect((grant?.['exp'] as number) - (grant?.['iat'] as number)).toBeLessThanOrEqual(120);
  });

  it('round-trips externalRef, and the system user needs it', async () => {
    const withRef = await token({
      scope: SCOPE,
      org: withExternalRef.orgNo,
      externalRef: withExternalRef.externalRef,
    });
    const withoutRef = await token({ scope: SCOPE, org: withExternalRef.orgNo });

    expect(withRef.status).toBe(200);
    const [grant] = broker.sandbox.maskinporten.stats.grants;
    expect(grant?.['authorization_details']).toEqual([
      {
        type: 'urn:altinn:systemuser',
        systemuser_org: { authority: 'iso6523-actorid-upis', ID: `0192:${withExternalRef.orgNo}` },
        externalRef: withExternalRef.externalRef,
      },
    ]);
    expect(withoutRef.status).toBe(403);
    expect(withoutRef.json.error).toBe('invalid_altinn_customer_configuration');
  });

  it("answers 403 with Maskinporten's code for an org without a system user", async () => {
    const response = await token({ scope: SCOPE, org: withoutSystemUser.orgNo });

    expect(response.status).toBe(403);
    expect(response.json.error).toBe('invalid_altinn_customer_configuration');
    expect(response.json.error_description).toContain('MP-303');
    expect(response.json.maskinporten_error).toMatchObject({
      error: 'invalid_altinn_customer_configuration',
    });
  });

  it('answers 403 invalid_scope for a scope the client does not have', async () => {
    const response = await token({ scope: 'skatteetaten:not-granted' });

    expect(response.status).toBe(403);
    expect(response.json.error).toBe('invalid_scope');
    expect(response.json.maskinporten_error.error_description).toContain('MP-200');
  });

  it('refuses an invalid orgnr with 400 and never calls Maskinporten', async () => {
    const response = await token({ scope: SCOPE, org: '987654321' });

    expect(response.status).toBe(400);
    expect(response.json).toEqual({
      error: 'invalid_request',
      error_description:
        'org: must be a 9-digit Norwegian organisation number with a valid check digit',
    });
    expect(broker.sandbox.maskinporten.stats.tokenRequests).toBe(0);
  });

  it('serves a second identical request from the cache', async () => {
    const body = { scope: SCOPE, org: standard.orgNo, resource: freshResource() };
    const first = await token(body);
    const second = await token(body);

    expect(second.json.access_token).toBe(first.json.access_token);
    expect(first.headers['broker-token-source']).toBe('maskinporten');
    expect(second.headers['broker-token-source']).toBe('memory');
    expect(broker.sandbox.maskinporten.stats.tokenRequests).toBe(1);
  });

  it('fetches a new token with skipCache', async () => {
    const body = { scope: SCOPE, resource: freshResource() };
    const first = await token(body);
    const refreshed = await token({ ...body, skipCache: true });

    expect(refreshed.status).toBe(200);
    expect(refreshed.json.access_token).not.toBe(first.json.access_token);
    expect(broker.sandbox.maskinporten.stats.tokenRequests).toBe(2);
  });

  it('retries 503 twice with fresh grants, then succeeds', async () => {
    broker.sandbox.maskinporten.faults.enqueue({ endpoint: 'token', status: 503, times: 2 });

    const response = await token({ scope: SCOPE, resource: freshResource() });

    expect(response.status).toBe(200);
    const { stats } = broker.sandbox.maskinporten;
    expect(stats.tokenRequests).toBe(3);
    expect(new Set(stats.grants.map((grant) => grant['jti'])).size).toBe(stats.grants.length);
  });

  it('answers 502 within the deadline when Maskinporten is down', async () => {
    broker.sandbox.maskinporten.faults.enqueue({ endpoint: 'token', drop: true, times: 10 });
    const started = Date.now();

    const response = await token({ scope: SCOPE, resource: freshResource() });

    expect(response.status).toBe(502);
    expect(response.json.error).toBe('temporarily_unavailable');
    expect(response.headers['retry-after']).toBe('1');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('answers 504 within the deadline when Maskinporten hangs', async () => {
    broker.sandbox.maskinporten.faults.enqueue({ endpoint: 'token', hang: true, times: 10 });
    const started = Date.now();

    const response = await token({ scope: SCOPE, resource: freshResource() });

    expect(response.status).toBe(504);
    expect(response.json.error).toBe('temporarily_unavailable');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('does not retry a 4xx', async () => {
    broker.sandbox.maskinporten.faults.enqueue({
      endpoint: 'token',
      status: 400,
      contentType: 'application/json',
      body: '{"error":"invalid_grant","error_description":"MP-121 Expired key"}',
    });

    const response = await token({ scope: SCOPE, resource: freshResource() });

    expect(response.status).toBe(502);
    expect(response.json.error).toBe('server_error');
    expect(response.json.maskinporten_error).toEqual({
      status: 400,
      error: 'invalid_grant',
      error_description: 'MP-121 Expired key',
    });
    expect(broker.sandbox.maskinporten.stats.tokenRequests).toBe(1);
  });

  it.each([
    ['an unknown path', { method: 'GET', path: '/v1/nope' }, 404, 'not_found'],
    ['a wrong method', { method: 'GET', path: '/v1/token' }, 405, 'method_not_allowed'],
    [
      'a non-JSON body',
      { path: '/v1/token', body: 'scope=x', headers: { 'content-type': 'text/plain' } },
      415,
      'invalid_request',
    ],
    [
      'an oversized body',
      { path: '/v1/token', body: { scope: 'x'.repeat(20_000) } },
      413,
      'invalid_request',
    ],
    [
      'malformed JSON',
      { path: '/v1/token', body: '{"scope":', headers: { 'content-type': 'application/json' } },
      400,
      'invalid_request',
    ],
    [
      'an unknown field',
      { path: '/v1/token', body: { scope: SCOPE, sub: 'x' } },
      400,
      'invalid_request',
    ],
  ])('answers %s with %i', async (_what, request, status, error) => {
    const response = await broker.call(request);

    expect(response.status).toBe(status);
    expect(response.json.error).toBe(error);
    expect(typeof response.json.error_description).toBe('string');
  });

  it('serves health without calling upstream', async () => {
    const response = await broker.call({ method: 'GET', path: '/v1/health' });

    expect(response.status).toBe(200);
    expect(response.json).toEqual({ status: 'ok' });
    expect(broker.sandbox.maskinporten.stats.metadataRequests).toBe(0);
  });

  it('publishes the signing key as a JWKS that verifies the grants', async () => {
    const response = await broker.call({ method: 'GET', path: '/v1/jwks' });
    await token({ scope: SCOPE, resource: freshResource() });

    expect(response.status).toBe(200);
    const [key] = response.json.keys;
    expect(Object.keys(key).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
  });
});
