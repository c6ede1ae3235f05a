import { SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO } from '../../../shared/sandbox/demo.js';
import { type RsaTestKey, rsaTestKey } from '../../support/rsa-jwks.js';
import { startTestSandbox, type TestSandbox } from '../../support/sandbox-fixture.js';
import { createTestKey, signGrant } from '../../support/sandbox-grants.js';
import { adminToken, type SelfServiceAnswer, selfServiceCall } from '../../support/self-service.js';

// Rules from ../shared/reference/maskinporten-admin-api.md: §2 (Maskinporten bearer token, admin
// scope idporten:dcr.write, only clients of the token's own organisation), §3 (GET/POST/PUT
// .../jwks, whole-set replacement, POST 201 with the stored set, PUT inferred 200, no single-key
// operations), §4 (at most 5 keys, RS256/RSA-2048, kty/alg/use/e/n + kid, kid characters, public
// parts only, exp one year after posting), §6 (ApiErrorResponse; statuses 400/403/404/409), §7
// (access_token_lifetime on GET /clients/{id}, default 120).

let t: TestSandbox;
let next: RsaTestKey;
/** Keys no client holds. */
const spare: RsaTestKey[] = [];
/** Keys of the other clients below. */
const reader = rsaTestKey('reader-key');
const otherOrg = rsaTestKey('other-org-key');
let active: Record<string, unknown>;

beforeAll(async () => {
  t = await startTestSandbox();
  next = rsaTestKey('broker-next-1');
  for (let i = 0; i < 5; i++) spare.push(rsaTestKey(`portal-${i}`));
  active = { ...t.key.publicJwk, alg: 'RS256', use: 'sig' };
  const register = (clientId: string, orgnr: string, scopes: string[], key: RsaTestKey) =>
    t.sandbox.maskinporten.registerClient({ clientId, orgnr, scopes, keys: [key.publicJwk] });
  register('reader', DEMO.vendor.orgNo, ['idporten:dcr.read'], reader);
  register('other-org-client', '910753614', ['idporten:dcr.write'], otherOrg);
  t.sandbox.maskinporten.registerClient({
    clientId: 'short-lived',
    orgnr: DEMO.vendor.orgNo,
    scopes: ['skatteetaten:mvameldinger'],
    keys: [rsaTestKey('short-lived-key').publicJwk],
    tokenLifetimeSeconds: 60,
  });
});
afterAll(() => t.sandbox.close());
beforeEach(() => {
  // Back to the seeded set, effective at once, without going through the API under test.
  t.sandbox.maskinporten.selfService.setPropagationDelay(0);
  t.sandbox.maskinporten.selfService.replace(DEMO.clientId, [active]);
  t.sandbox.selfService.stats.reset();
});

const jwksPath = () => `${DEMO.clientId}/jwks`;
const kidsOf = (answer: SelfServiceAnswer) =>
  (answer.json['keys'] as { kid: string }[]).map((key) => key.kid);

function expectApiError(answer: SelfServiceAnswer, status: number) {
  expect(answer.status).toBe(status);
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  expect(Object.keys(answer.json).sort()).toEqual([
    'correlation_id',
    'error',
    'error_description',
    'errors',
    'status',
    'timestamp',
  ]);
  expect(answer.json['status']).toBe(status);
  expect(Number.isNaN(Date.parse(answer.json['timestamp'] as string))).toBe(false);
}

async function expectSetUnchanged() {
  const after = await selfServiceCall(t, 'GET', jwksPath());
  expect(kidsOf(after)).toEqual([t.key.kid]);
}

describe('authentication and authorisation (§2)', () => {
  it('answers 401 with WWW-Authenticate: Bearer without a token', async () => {
    const answer = await selfServiceCall(t, 'GET', jwksPath(), { token: null });

    expectApiError(answer, 401);
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('answers 401 to a token the sandbox did not issue', async () => {
    const key = await createTestKey('forger');
    const forged = await new SignJWT({ scope: 'idporten:dcr.write' })
      .setProtectedHeader({ alg: 'RS256', kid: 'forger' })
      .setIssuer(t.sandbox.issuer)
      .setExpirationTime('1m')
      .sign(key.privateKey);

    expectApiError(await selfServiceCall(t, 'GET', jwksPath(), { token: forged }), 401);
  });

  it('answers 401 to a grant (a client assertion) instead of an access token', async () => {
    const grant = await t.grant({ scope: 'idporten:dcr.write' });

    expectApiError(await selfServiceCall(t, 'GET', jwksPath(), { token: grant }), 401);
  });

  it('answers 403 to a token without idporten:dcr.write, and changes nothing', async () => {
    const token = await adminToken(t, DEMO.scopes[0]);

    expectApiError(await selfServiceCall(t, 'GET', jwksPath(), { token }), 403);
    const write = await selfServiceCall(t, 'POST', jwksPath(), {
      token,
      body: { keys: [active, next.jwk] },
    });
    expectApiError(write, 403);
    await expectSetUnchanged();
  });

  it('lets idporten:dcr.read read but not write', async () => {
    const grant = await signGrant({
      issuer: t.sandbox.issuer,
      clientId: 'reader',
      key: reader,
      now: t.clock.seconds(),
      scope: 'idporten:dcr.read',
    });
    const answer = await fetch(t.sandbox.maskinporten.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion: grant,
      }),
    });
    const token = ((await answer.json()) as { access_token: string }).access_token;

    expect((await selfServiceCall(t, 'GET', jwksPath(), { token })).status).toBe(200);
    const write = await selfServiceCall(t, 'PUT', jwksPath(), { token, body: { keys: [active] } });
    expectApiError(write, 403);
  });

  it("answers 403 for another organisation's client and 404 for an unknown one", async () => {
    expectApiError(await selfServiceCall(t, 'GET', 'other-org-client/jwks'), 403);
    expectApiError(await selfServiceCall(t, 'GET', 'other-org-client'), 403);
    expectApiError(await selfServiceCall(t, 'GET', 'no-such-client/jwks'), 404);
  });
});

describe('reading and replacing the set (§3, §4)', () => {
  it('GET returns the set with public members, exp, created and last_updated', async () => {
    const answer = await selfServiceCall(t, 'GET', jwksPath());

    expect(answer.status).toBe(200);
    const [key] = answer.json['keys'] as Record<string, unknown>[];
    expect(Object.keys(key ?? {}).sort()).toEqual(
      ['alg', 'created', 'e', 'exp', 'kid', 'kty', 'last_updated', 'n', 'use'].sort(),
    );
    expect(typeof answer.json['created']).toBe('string');
    expect(typeof answer.json['last_updated']).toBe('string');
  });

  it('POST replaces the whole set and answers 201 with the stored set', async () => {
    await selfServiceCall(t, 'POST', jwksPath(), { body: { keys: [active, spare[1]?.jwk] } });

    const posted = await selfServiceCall(t, 'POST', jwksPath(), {
      body: { keys: [active, next.jwk, spare[0]?.jwk] },
    });

    expect(posted.status).toBe(201);
    const expected = [t.key.kid, 'broker-next-1', 'portal-0'];
    expect(kidsOf(posted)).toEqual(expected);
    expect(kidsOf(await selfServiceCall(t, 'GET', jwksPath()))).toEqual(expected);
  });

  it('PUT replaces the whole set too and answers 200', async () => {
    const put = await selfServiceCall(t, 'PUT', jwksPath(), { body: { keys: [active, next.jwk] } });

    expect(put.status).toBe(200);
    expect(kidsOf(put)).toEqual([t.key.kid, 'broker-next-1']);
  });

  it('gives every posted key exp = post time + one year', async () => {
    const posted = await selfServiceCall(t, 'POST', jwksPath(), { body: { keys: [active] } });

    const [key] = posted.json['keys'] as { exp: number }[];
    const year = new Date(t.clock());
    year.setUTCFullYear(year.getUTCFullYear() + 1);
    expect(key?.exp).toBe(Math.floor(year.getTime() / 1000));
  });

  it('has no single-key or delete operations (§3: "Do not rely on them")', async () => {
    const del = await selfServiceCall(t, 'DELETE', jwksPath());
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toBe('GET, POST, PUT');
    expectApiError(await selfServiceCall(t, 'GET', `${jwksPath()}/${t.key.kid}`), 404);
    await expectSetUnchanged();
  });
});

describe('rules for a posted set (§4), each refused with 400 and the set left unchanged', () => {
  const withActive = (...keys: unknown[]) => ({ keys: [active, ...keys] });
  const variant = (change: Record<string, unknown>) => ({ ...next.jwk, ...change });

  it.each([
    ['six keys (limit 5)', () => ({ keys: [active, ...spare.map((k) => k.jwk)] })],
    ['an empty set', () => ({ keys: [] })],
    ['a bare array instead of {"keys": [...]}', () => [active]],
    ['another top-level member', () => ({ ...withActive(), created: 'now' })],
    ['alg RS512', () => withActive(variant({ alg: 'RS512' }))],
    ['no alg', () => withActive(variant({ alg: undefined }))],
    ['use enc', () => withActive(variant({ use: 'enc' }))],
    ['kty EC', () => withActive(variant({ kty: 'EC' }))],
    ['a 1024-bit key', () => withActive(rsaTestKey('small', 1024).jwk)],
    [
      'a 3072-bit modulus',
      () => withActive(variant({ n: Buffer.alloc(384, 0xc5).toString('base64url') })),
    ],
    ['a kid with a space', () => withActive(variant({ kid: 'broker next' }))],
    ['a kid with a slash', () => withActive(variant({ kid: 'a/b' }))],
    ['no kid', () => withActive(variant({ kid: undefined }))],
    ['a server-set member (exp)', () => withActive(variant({ exp: 1_900_000_000 }))],
    ['x5c that is not an array', () => withActive(variant({ x5c: 'MIIB' }))],
    ['one kid twice', () => withActive(next.jwk, next.jwk)],
  ])('%s', async (_label, body) => {
    const answer = await selfServiceCall(t, 'POST', jwksPath(), { body: body() });

    expectApiError(answer, 400);
    await expectSetUnchanged();
    expect(t.sandbox.selfService.stats.writes).toBe(0);
  });

  it('a private key, naming the private members and echoing none of them', async () => {
    const answer = await selfServiceCall(t, 'POST', jwksPath(), {
      body: withActive(next.privateJwk),
    });

    expectApiError(answer, 400);
    const text = JSON.stringify(answer.json);
    expect(text).toContain('private key members are not accepted (d, p, q, dp, dq, qi)');
    expect(text).not.toContain(next.privateJwk['d'] as string);
    await expectSetUnchanged();
  });

  it('accepts exactly five keys, and x5c as an array of certificates', async () => {
    const withCert = { ...spare[0]?.jwk, x5c: ['MIIBdGVzdA=='] };
    const body = { keys: [active, withCert, ...spare.slice(1, 4).map((k) => k.jwk)] };

    const answer = await selfServiceCall(t, 'POST', jwksPath(), { body });

    expect(answer.status).toBe(201);
    expect(kidsOf(answer)).toHaveLength(5);
  });

  it('refuses a kid another client holds with 409, changing nothing', async () => {
    const answer = await selfServiceCall(t, 'POST', jwksPath(), {
      body: withActive({ ...next.jwk, kid: otherOrg.kid }),
    });

    expectApiError(answer, 409);
    await expectSetUnchanged();
  });

  it('refuses another media type with 415 and a body over 64 KiB with 413', async () => {
    const text = JSON.stringify({ keys: [active] });
    const form = await selfServiceCall(t, 'POST', jwksPath(), { text, contentType: 'text/plain' });
    expect(form.status).toBe(415);
    const huge = await selfServiceCall(t, 'POST', jwksPath(), { text: ' '.repeat(70_000) + text });
    expect(huge.status).toBe(413);
    await expectSetUnchanged();
  });
});

describe('GET /clients/{id} (§7)', () => {
  it('shows access_token_lifetime: the default 120, or the client setting', async () => {
    const answer = await selfServiceCall(t, 'GET', DEMO.clientId);

    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      client_id: DEMO.clientId,
      client_orgno: DEMO.vendor.orgNo,
      integration_type: 'maskinporten',
      token_endpoint_auth_method: 'private_key_jwt',
      access_token_lifetime: 120,
    });
    const short = await selfServiceCall(t, 'GET', 'short-lived');
    expect(short.json['access_token_lifetime']).toBe(60);
  });

  it('answers 405 to anything but GET', async () => {
    const answer = await selfServiceCall(t, 'PUT', DEMO.clientId, { body: {} });

    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('GET');
  });
});

describe('faults', () => {
  it('answers a queued selvbetjening fault, once', async () => {
    t.sandbox.faults.enqueue({ endpoint: 'selvbetjening', status: 503 });
    const token = await adminToken(t);

    expect((await selfServiceCall(t, 'GET', jwksPath(), { token })).status).toBe(503);
    expect((await selfServiceCall(t, 'GET', jwksPath(), { token })).status).toBe(200);
    expect(t.sandbox.selfService.stats.faultsApplied).toBe(1);
  });
});
