import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO } from '../../../../shared/sandbox/demo.js';
import { altinn, vendorToken } from '../../../support/altinn-vendor.js';
import { startTestSandbox, type TestSandbox } from '../../../support/sandbox-fixture.js';
import { systemUserDetails } from '../../../support/sandbox-grants.js';

let t: TestSandbox;

beforeAll(async () => {
  t = await startTestSandbox();
});
afterAll(() => t.sandbox.close());
beforeEach(() => {
  t.sandbox.faults.clear();
  t.sandbox.altinnApi.stats.reset();
});

const exchange = (token?: string, headers: Record<string, string> = {}) =>
  altinn(t, 'GET', 'exchange/maskinporten', { ...(token ? { token } : {}), headers });

const openidBase = () => `${t.sandbox.altinnPlatformUrl}/authentication/api/v1/openid/`;

describe('GET exchange/maskinporten', () => {
  it('answers 200 text/plain with an Altinn JWT verifiable at the published JWKS', async () => {
    const answer = await t.requestToken({
      scope: 'digdir:dialogporten',
      claims: { authorization_details: systemUserDetails(DEMO.customers.standard.orgNo) },
    });
    const original = decodeJwt(answer.json['access_token'] as string);

    const exchanged = await exchange(answer.json['access_token'] as string);

    expect(exchanged.status).toBe(200);
    expect(exchanged.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const config = (await (
      await fetch(`${openidBase()}.well-known/openid-configuration`)
    ).json()) as { jwks_uri: string };
    expect(config).toMatchObject({
      issuer: openidBase(),
      jwks_uri: `${openidBase()}.well-known/openid-configuration/jwks`,
    });
    expect(t.sandbox.altinnApi.exchange.jwksUrl).toBe(config.jwks_uri);
    const { payload, protectedHeader } = await jwtVerify(
      exchanged.text,
      createRemoteJWKSet(new URL(config.jwks_uri)),
      { issuer: openidBase(), currentDate: new Date(t.clock()), algorithms: ['RS256'] },
    );
    expect(protectedHeader.alg).toBe('RS256');
    const now = Math.floor(t.clock() / 1000);
    expect(payload).toMatchObject({
      iss: openidBase(),
      scope: 'digdir:dialogporten',
      consumer: original['consumer'],
      client_id: DEMO.clientId,
      token_type: 'Bearer',
      authorization_details: original['authorization_details'],
      'urn:altinn:orgNumber': DEMO.vendor.orgNo,
      'urn:altinn:authenticatemethod': 'maskinporten',
      'urn:altinn:authlevel': 3,
      iat: now,
      exp: now + 1800,
    });
    expect(payload).not.toHaveProperty('aud');
    expect(payload).not.toHaveProperty('client_amr');
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(payload.jti).not.toBe(original.jti);
    expect(payload.sid).toEqual(expect.any(String));
    expect(t.sandbox.altinnApi.stats.tokensExchanged).toBe(1);
  });

  it('answers a JSON string to a client that accepts only application/json', async () => {
    const token = await vendorToken(t);

    const answer = await exchange(token, { accept: 'application/json' });

    expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(answer.text).toMatch(/^"ey[^"]+"$/);
    expect(decodeJwt(answer.json as string)['urn:altinn:orgNumber']).toBe(DEMO.vendor.orgNo);
  });

  it('uses the configured lifetime', async () => {
    t.sandbox.altinnApi.exchange.setLifetime(60);
    try {
      const answer = await exchange(await vendorToken(t));
      const claims = decodeJwt(answer.text);

      expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(60);
    } finally {
      t.sandbox.altinnApi.exchange.setLifetime(1800);
    }
  });

  it('answers 401 to a missing, garbled, expired or already exchanged token', async () => {
    const token = await vendorToken(t);
    const altinnToken = (await exchange(token)).text;
    const missing = await exchange();
    const garbled = await exchange('abc.def.ghi');
    const reexchanged = await exchange(altinnToken);
    t.clock.advance(200_000);
    const expired = await exchange(token);
    t.clock.advance(-200_000);

    for (const answer of [missing, garbled, reexchanged, expired]) {
      expect(answer.status).toBe(401);
      expect(answer.text).not.toContain(token);
    }
  });

  it('answers 400 to another provider and 410 to an enterprise-user login', async () => {
    const token = await vendorToken(t);

    const idporten = await altinn(t, 'GET', 'exchange/id-porten', { token });
    const enterprise = await exchange(token, {
      'x-altinn-enterpriseuser-authentication': Buffer.from('user:pw').toString('base64'),
    });
    const upper = await altinn(t, 'GET', 'exchange/MaskinPorten', { token });

    expect(idporten.status).toBe(400);
    expect(enterprise.status).toBe(410);
    expect(upper.status).toBe(200);
  });
});

describe('faults and stats on the Altinn side', () => {
  it('an exchange fault hits only the exchange', async () => {
    const token = await vendorToken(t);
    t.sandbox.faults.enqueue({
      endpoint: 'exchange',
      status: 503,
      body: 'busy',
      contentType: 'text/plain',
    });

    const vendorApi = await altinn(t, 'GET', 'systemregister/vendor', { token });
    const faulted = await exchange(token);
    const after = await exchange(token);

    expect(vendorApi.status).toBe(200);
    expect([faulted.status, faulted.text]).toEqual([503, 'busy']);
    expect(after.status).toBe(200);
    expect(t.sandbox.altinnApi.stats.faultsApplied).toBe(1);
  });

  it('an altinn fault hits any Altinn API path, but not Maskinporten', async () => {
    const token = await vendorToken(t);
    t.sandbox.faults.enqueue({ endpoint: 'altinn', status: 502, times: 2 });

    const mp = await t.requestToken();
    const first = await altinn(t, 'GET', 'systemregister/vendor', { token });
    const second = await exchange(token);
    const third = await altinn(t, 'GET', 'systemregister/vendor', { token });

    expect(mp.status).toBe(200);
    expect([first.status, second.status, third.status]).toEqual([502, 502, 200]);
  });

  it('can be queued over HTTP and shows in _control/stats under altinn', async () => {
    const token = await vendorToken(t);
    const queued = await fetch(`${t.sandbox.url}/sandbox/_control/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: 'altinn', drop: true }),
    });

    await expect(altinn(t, 'GET', 'systemregister/vendor', { token })).rejects.toThrow();
    await exchange(token);
    const stats = (await (await fetch(`${t.sandbox.url}/sandbox/_control/stats`)).json()) as {
      altinn: unknown;
    };
    const reset = await fetch(`${t.sandbox.url}/sandbox/_control/stats`, { method: 'DELETE' });

    expect(queued.status).toBe(201);
    expect(stats.altinn).toEqual({
      calls: { 'GET systemregister/vendor': 1, 'GET exchange/{provider}': 1 },
      problems: {},
      tokensExchanged: 1,
      decisions: { accepted: 0, rejected: 0 },
      changeDecisions: { accepted: 0, rejected: 0 },
      faultsApplied: 1,
    });
    expect(reset.status).toBe(204);
    expect(t.sandbox.altinnApi.stats.calls).toEqual({});
  });
});
