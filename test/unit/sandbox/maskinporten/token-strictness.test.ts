import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../../../support/sandbox-fixture.js';
import { createTestKey, postToken } from '../../../support/sandbox-grants.js';

let t: TestSandbox;

beforeAll(async () => {
  t = await startTestSandbox();
});
afterAll(() => t.sandbox.close());
beforeEach(() => t.sandbox.maskinporten.stats.reset());

function expectRejected(
  answer: { status: number; json: Record<string, unknown> },
  error: string,
  description: RegExp,
) {
  expect(answer.status).toBe(400);
  expect(answer.json['error']).toBe(error);
  expect(answer.json['error_description']).toMatch(description);
  expect(answer.json['access_token']).toBeUndefined();
}

describe('aud', () => {
  it('accepts exactly the issuer, with its trailing slash', async () => {
    expect((await t.requestToken({ claims: { aud: t.sandbox.issuer } })).status).toBe(200);
  });

  it.each([
    ['the token endpoint', () => t.sandbox.maskinporten.tokenEndpoint],
    ['the issuer without its trailing slash', () => t.sandbox.issuer.replace(/\/$/, '')],
    ['the real TEST issuer', () => 'https://test.maskinporten.no/'],
    ['an array holding the issuer', () => [t.sandbox.issuer]],
  ])('rejects %s with MP-110', async (_label, aud) => {
    const answer = await t.requestToken({ claims: { aud: aud() } });

    expectRejected(answer, 'invalid_grant', /^MP-110 Invalid assertion\. Invalid JWT claim aud/);
    expect(t.sandbox.maskinporten.stats.rejections).toEqual({ 'MP-110': 1 });
  });
});

describe('iat and exp', () => {
  it.each([10, -10])('accepts iat %i s off the simulator clock', async (skew) => {
    const now = t.clock.seconds() + skew;

    const answer = await t.requestToken({ now, claims: { exp: now + 60 } });

    expect(answer.status).toBe(200);
  });

  it('rejects iat 11 s ahead of the simulator clock (MP-130, issue time after now)', async () => {
    const now = t.clock.seconds() + 11;

    const answer = await t.requestToken({ now, claims: { exp: now + 60 } });

    expectRejected(answer, 'invalid_grant', /^MP-130 .*Issue time is after now/);
  });

  it('rejects iat 11 s behind the simulator clock (MP-130, expired)', async () => {
    const now = t.clock.seconds() - 11;

    const answer = await t.requestToken({ now, claims: { exp: now + 60 } });

    expectRejected(answer, 'invalid_grant', /^MP-130 .*JWT is expired/);
  });

  it('follows the injected clock, not the wall clock', async () => {
    const grant = await t.grant();
    t.clock.advance(11_000);
    try {
      const answer = await postToken(t.sandbox.maskinporten.tokenEndpoint, { assertion: grant });

      expectRejected(answer, 'invalid_grant', /^MP-130 /);
    } finally {
      t.clock.advance(-11_000);
    }
  });

  it('accepts exp - iat = 120', async () => {
    const now = t.clock.seconds();

    expect((await t.requestToken({ claims: { exp: now + 120 } })).status).toBe(200);
  });

  it('rejects exp - iat = 121', async () => {
    const now = t.clock.seconds();

    const answer = await t.requestToken({ claims: { exp: now + 121 } });

    expectRejected(answer, 'invalid_grant', /Invalid assertion.*120/);
  });

  it('rejects an exp that has passed', async () => {
    const now = t.clock.seconds();

    const answer = await t.requestToken({ now: now - 5, claims: { exp: now - 1 } });

    expectRejected(answer, 'invalid_grant', /^MP-130 .*JWT is expired/);
  });

  it.each(['iat', 'exp'])('rejects a grant without %s', async (claim) => {
    const answer = await t.requestToken({ claims: { [claim]: undefined } });

    expectRejected(answer, 'invalid_grant', /Invalid assertion/);
  });

  it('rejects a non-numeric iat', async () => {
    const answer = await t.requestToken({ claims: { iat: String(t.clock.seconds()) } });

    expectRejected(answer, 'invalid_grant', /iat must be a NumericDate/);
  });
});

describe('jti', () => {
  it('rejects a reused grant with MP-012', async () => {
    const grant = await t.grant();

    const first = await postToken(t.sandbox.maskinporten.tokenEndpoint, { assertion: grant });
    const second = await postToken(t.sandbox.maskinporten.tokenEndpoint, { assertion: grant });

    expect(first.status).toBe(200);
    expectRejected(second, 'invalid_grant', /^MP-012 .*Grant is used before/);
  });

  it('rejects a new grant that reuses a jti', async () => {
    const jti = randomUUID();

    const first = await t.requestToken({ claims: { jti } });
    const second = await t.requestToken({ claims: { jti, scope: 'digdir:dialogporten' } });

    expect(first.status).toBe(200);
    expectRejected(second, 'invalid_grant', /^MP-012 /);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['a number', 42],
  ])('rejects a jti that is %s', async (_label, jti) => {
    const answer = await t.requestToken({ claims: { jti } });

    expectRejected(answer, 'invalid_grant', /jti is required/);
  });
});

describe('undocumented claims', () => {
  it.each([
    ['sub', () => t.clientId],
    ['nbf', () => t.clock.seconds()],
    ['iss_onbehalfof', () => 'x'],
    ['client_id', () => t.clientId],
  ])('rejects %s with "Invalid assertion"', async (claim, value) => {
    const answer = await t.requestToken({ claims: { [claim]: value() } });

    expectRejected(answer, 'invalid_grant', new RegExp(`Invalid assertion.*claim ${claim} `));
  });
});

describe('scope', () => {
  it('rejects a scope not registered on the client with MP-200', async () => {
    const answer = await t.requestToken({ scope: 'digdir:dialogporten nav:not-registered' });

    expectRejected(
      answer,
      'invalid_scope',
      /^MP-200 Token request contains invalid scopes for client/,
    );
    expect(t.sandbox.maskinporten.stats.rejections).toEqual({ 'MP-200': 1 });
  });

  it.each([
    ['missing', undefined],
    ['blank', ' '],
    ['an array', ['digdir:dialogporten']],
  ])('rejects a scope that is %s', async (_label, scope) => {
    const answer = await t.requestToken({ claims: { scope } });

    expectRejected(answer, 'invalid_request', /^MP-011 .*scope/);
  });
});

describe('client, key and signature', () => {
  it('rejects an unknown iss with MP-100', async () => {
    const answer = await t.requestToken({ clientId: randomUUID() });

    expectRejected(
      answer,
      'invalid_grant',
      /^MP-100 Invalid assertion\. Client authentication failed\./,
    );
  });

  it('rejects an unknown kid with MP-124', async () => {
    const answer = await t.requestToken({ header: { kid: 'not-registered' } });

    expectRejected(answer, 'invalid_grant', /^MP-124 /);
  });

  it('rejects a grant signed by another key under the registered kid with MP-124', async () => {
    const impostor = await createTestKey(t.key.kid);

    const answer = await t.requestToken({ key: impostor });

    expectRejected(answer, 'invalid_grant', /^MP-124 .*signature/);
  });

  it('rejects a tampered payload with MP-124', async () => {
    const [header, , signature] = (await t.grant()).split('.');
    const widened = await t.grant({ scope: 'digdir:dialogporten skatteetaten:mvameldinger' });
    const payload = widened.split('.')[1];

    const answer = await postToken(t.sandbox.maskinporten.tokenEndpoint, {
      assertion: `${header}.${payload}.${signature}`,
    });

    expectRejected(answer, 'invalid_grant', /^MP-124 /);
  });

  it.each([
    ['alg PS256', { alg: 'PS256' }],
    ['no kid', { kid: undefined }],
    ['typ at+jwt', { typ: 'at+jwt' }],
    ['an x5c member', { x5c: ['MIIB'] }],
    ['a jku member', { jku: 'https://attacker.example/jwks' }],
    ['a crit member', { crit: ['exp'] }],
  ])('rejects a header with %s', async (_label, header) => {
    const answer = await t.requestToken({ header });

    expectRejected(answer, 'invalid_grant', /Invalid assertion.*JWT header/);
  });

  it('rejects an HMAC grant keyed with the public key (alg confusion)', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(t.key.publicJwk));
    const grant = await new SignJWT({
      aud: t.sandbox.issuer,
      iss: t.clientId,
      scope: 'digdir:dialogporten',
      jti: randomUUID(),
    })
      .setProtectedHeader({ alg: 'HS256', kid: t.key.kid })
      .setIssuedAt(t.clock.seconds())
      .setExpirationTime(t.clock.seconds() + 60)
      .sign(secret);

    const answer = await postToken(t.sandbox.maskinporten.tokenEndpoint, { assertion: grant });

    expectRejected(answer, 'invalid_grant', /Invalid assertion/);
  });

  it('rejects an unsigned (alg none) grant', async () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = t.clock.seconds();
    const claims = { aud: t.sandbox.issuer, iss: t.clientId, scope: 'digdir:dialogporten' };
    const unsigned = `${encode({ alg: 'none', kid: t.key.kid })}.${encode({ ...claims, iat: now, exp: now + 60, jti: randomUUID() })}.`;

    const answer = await postToken(t.sandbox.maskinporten.tokenEndpoint, { assertion: unsigned });

    expectRejected(answer, 'invalid_grant', /Invalid assertion/);
  });
});

describe('resource, pid and consumer_org', () => {
  it.each([
    ['a string', 'https://api.example.no/a'],
    ['an empty array', []],
    ['a relative reference', ['/relative']],
  ])('rejects resource as %s', async (_label, resource) => {
    const answer = await t.requestToken({ claims: { resource } });

    expectRejected(answer, 'invalid_request', /^MP-011 .*resource/);
  });

  it.each([
    ['a checksum-invalid orgno', '123456789'],
    ['an ISO 6523 value', '0192:910753614'],
    ['a number', 910753614],
  ])('rejects consumer_org as %s', async (_label, consumerOrg) => {
    const answer = await t.requestToken({ claims: { consumer_org: consumerOrg } });

    expectRejected(answer, 'invalid_request', /^MP-011 .*consumer_org/);
  });

  it("rejects consumer_org equal to the client's own org", async () => {
    const answer = await t.requestToken({ claims: { consumer_org: '310547891' } });

    expectRejected(answer, 'invalid_request', /consumer_org in claim and delegation scope/);
  });

  it('rejects a pid that is not 11 digits', async () => {
    const answer = await t.requestToken({ claims: { pid: '1234' } });

    expectRejected(answer, 'invalid_request', /^MP-011 .*pid/);
  });
});

describe('the form and the assertion', () => {
  it('rejects a JSON body', async () => {
    const answer = await postToken(
      t.sandbox.maskinporten.tokenEndpoint,
      JSON.stringify({ assertion: await t.grant() }),
      { contentType: 'application/json' },
    );

    expectRejected(answer, 'invalid_request', /application\/x-www-form-urlencoded/);
  });

  it('accepts a charset parameter on the form content type', async () => {
    const answer = await postToken(
      t.sandbox.maskinporten.tokenEndpoint,
      { assertion: await t.grant() },
      { contentType: 'application/x-www-form-urlencoded; charset=UTF-8' },
    );

    expect(answer.status).toBe(200);
  });

  it('rejects grant_type=client_credentials with unsupported_grant_type', async () => {
    const answer = await postToken(t.sandbox.maskinporten.tokenEndpoint, {
      grant_type: 'client_credentials',
      assertion: await t.grant(),
    });

    expectRejected(answer, 'unsupported_grant_type', /jwt-bearer/);
  });

  it('rejects client_assertion instead of assertion', async () => {
    const answer = await postToken(t.sandbox.maskinporten.tokenEndpoint, {
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await t.grant(),
    });

    expectRejected(answer, 'invalid_request', /Only grant_type and assertion/);
  });

  it('rejects a repeated parameter', async () => {
    const grant = await t.grant();
    const body = `grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=${grant}&assertion=${grant}`;

    const answer = await postToken(t.sandbox.maskinporten.tokenEndpoint, body);

    expectRejected(answer, 'invalid_request', /must not repeat/);
  });

  it('rejects a missing assertion', async () => {
    const answer = await postToken(t.sandbox.maskinporten.tokenEndpoint, {});

    expectRejected(answer, 'invalid_request', /assertion is required/);
  });

  it.each([
    ['plain text', 'garbage'],
    ['three non-base64url parts', 'a$.b$.c$'],
    ['base64url that is not JSON', 'bm90IGpzb24.bm90IGpzb24.c2ln'],
    [
      'a JSON array payload',
      `eyJhbGciOiJSUzI1NiJ9.${Buffer.from('[1]').toString('base64url')}.c2ln`,
    ],
    ['five parts (a JWE)', 'a.b.c.d.e'],
  ])('rejects an assertion that is %s with a 400 JSON error', async (_label, assertion) => {
    const answer = await postToken(t.sandbox.maskinporten.tokenEndpoint, { assertion });

    expectRejected(answer, 'invalid_grant', /^MP-011 Invalid assertion/);
    expect(String(answer.json['error_description'])).not.toContain(assertion);
  });

  it('answers 413 to a body over 64 KiB', async () => {
    const answer = await postToken(t.sandbox.maskinporten.tokenEndpoint, {
      assertion: 'x'.repeat(70 * 1024),
    });

    expect(answer.status).toBe(413);
    expect(answer.json['error']).toBe('invalid_request');
  });

  it('answers 405 to GET on the token endpoint', async () => {
    const response = await fetch(t.sandbox.maskinporten.tokenEndpoint);

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });
});
