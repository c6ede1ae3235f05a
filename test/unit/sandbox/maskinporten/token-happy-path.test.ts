import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO } from '../../../../shared/sandbox/demo.js';
import { startTestSandbox, type TestSandbox } from '../../../support/sandbox-fixture.js';
import { createTestKey, postToken, signGrant } from '../../../support/sandbox-grants.js';

let t: TestSandbox;

beforeAll(async () => {
  t = await startTestSandbox();
});
afterAll(() => t.sandbox.close());
beforeEach(() => {
  t.sandbox.maskinporten.stats.reset();
  t.sandbox.maskinporten.setTokenLifetime(120);
});

async function verifyAccessToken(token: string) {
  const jwks = createRemoteJWKSet(new URL(t.sandbox.maskinporten.metadata().jwks_uri));
  // The manual clock is in 2026-01; verify against it, not the wall clock.
  return jwtVerify(token, jwks, {
    issuer: t.sandbox.issuer,
    algorithms: ['RS256'],
    currentDate: new Date(t.clock()),
  });
}

describe('token endpoint: plain tokens', () => {
  it('issues an RS256 access token verifiable against the simulator JWKS', async () => {
    const answer = await t.requestToken({ scope: 'krr:global/kontaktinformasjon.read' });

    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^application\/json/);
    expect(answer.json).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 120,
      scope: 'krr:global/kontaktinformasjon.read',
    });
    const token = answer.json['access_token'] as string;
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    const { payload } = await verifyAccessToken(token);
    const now = t.clock.seconds();
    expect(payload).toEqual({
      iss: t.sandbox.issuer,
      client_id: DEMO.clientId,
      client_amr: 'private_key_jwt',
      consumer: { authority: 'iso6523-actorid-upis', ID: `0192:${DEMO.vendor.orgNo}` },
      scope: 'krr:global/kontaktinformasjon.read',
      token_type: 'Bearer',
      aud: 'unspecified',
      iat: now,
      exp: now + 120,
      jti: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    expect(t.sandbox.maskinporten.stats.tokensIssued).toBe(1);
  });

  it('joins several scopes and drops duplicates', async () => {
    const answer = await t.requestToken({
      scope: 'digdir:dialogporten skatteetaten:mvameldinger digdir:dialogporten',
    });

    expect(answer.status).toBe(200);
    expect(answer.json['scope']).toBe('digdir:dialogporten skatteetaten:mvameldinger');
  });

  it('uses setTokenLifetime for expires_in and the token exp', async () => {
    t.sandbox.maskinporten.setTokenLifetime(599);

    const answer = await t.requestToken();

    expect(answer.json['expires_in']).toBe(599);
    const { payload } = await verifyAccessToken(answer.json['access_token'] as string);
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(599);
  });

  it('puts one requested resource in aud as a string, several as an array', async () => {
    const one = await t.requestToken({ claims: { resource: ['https://api.example.no/a'] } });
    const two = await t.requestToken({
      claims: { resource: ['https://api.example.no/a', 'https://api.example.no/b'] },
    });

    const first = await verifyAccessToken(one.json['access_token'] as string);
    const second = await verifyAccessToken(two.json['access_token'] as string);
    expect(first.payload.aud).toBe('https://api.example.no/a');
    expect(second.payload.aud).toEqual(['https://api.example.no/a', 'https://api.example.no/b']);
  });

  it.each(['RS384', 'RS512'])('accepts grants signed %s', async (alg) => {
    const answer = await t.requestToken({ header: { alg } });

    expect(answer.status).toBe(200);
  });

  it('accepts a header without typ', async () => {
    const answer = await t.requestToken({ header: { typ: undefined } });

    expect(answer.status).toBe(200);
  });

  it('names consumer_org as consumer and the client org as supplier', async () => {
    const answer = await t.requestToken({ claims: { consumer_org: '910753614' } });

    expect(answer.status).toBe(200);
    const { payload } = await verifyAccessToken(answer.json['access_token'] as string);
    expect(payload['consumer']).toEqual({
      authority: 'iso6523-actorid-upis',
      ID: '0192:910753614',
    });
    expect(payload['supplier']).toEqual({
      authority: 'iso6523-actorid-upis',
      ID: `0192:${DEMO.vendor.orgNo}`,
    });
  });

  it('records the decoded grant claims, with a distinct jti per grant', async () => {
    await t.requestToken();
    await t.requestToken();

    const grants = t.sandbox.maskinporten.stats.grants;
    expect(grants).toHaveLength(2);
    expect(grants[0]).toMatchObject({ iss: DEMO.clientId, aud: t.sandbox.issuer });
    expect(grants[0]?.['jti']).not.toBe(grants[1]?.['jti']);
  });
});

describe('client key rotation', () => {
  it('accepts an added key and refuses a removed one with MP-124', async () => {
    const next = await createTestKey('demo-key-2');
    t.sandbox.maskinporten.addClientKey(t.clientId, next.publicJwk);
    const withNext = await t.requestToken({ key: next });

    t.sandbox.maskinporten.removeClientKey(t.clientId, next.kid);
    const afterRemoval = await postToken(t.sandbox.maskinporten.tokenEndpoint, {
      assertion: await signGrant({
        issuer: t.sandbox.issuer,
        clientId: t.clientId,
        key: next,
        now: t.clock.seconds(),
        scope: DEMO.scopes[0],
      }),
    });

    expect(withNext.status).toBe(200);
    expect(afterRemoval.status).toBe(400);
    expect(afterRemoval.json['error']).toBe('invalid_grant');
    expect(afterRemoval.json['error_description']).toMatch(/^MP-124 /);
  });

  it('refuses to register a kid another client already uses', () => {
    expect(() =>
      t.sandbox.maskinporten.registerClient({
        clientId: 'other-client',
        orgnr: '991825827',
        scopes: ['digdir:dialogporten'],
        keys: [t.key.publicJwk],
      }),
    ).toThrow(/already registered/);
  });
});
