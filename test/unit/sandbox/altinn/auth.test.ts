import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO } from '../../../../shared/sandbox/demo.js';
import {
  ALL_ALTINN_SCOPES,
  altinn,
  SCOPE,
  standardRequest,
  vendorToken,
} from '../../../support/altinn-vendor.js';
import { startTestSandbox, type TestSandbox } from '../../../support/sandbox-fixture.js';

let t: TestSandbox;

beforeAll(async () => {
  t = await startTestSandbox();
});
afterAll(() => t.sandbox.close());
beforeEach(() => t.sandbox.altinnApi.stats.reset());

const REQUEST_ID = '0c5c58ad-4fc1-4ef9-9c72-4a3376a0c3d0';
/** An id of the demo vendor that is not registered, so no case changes the demo system. */
const MISSING = `${DEMO.vendor.orgNo}_missing`;

/** Every vendor endpoint with the one scope reference §6.1 requires. */
const ENDPOINTS: [string, string, string][] = [
  ['POST', 'systemregister/vendor', SCOPE.registerWrite],
  ['GET', 'systemregister/vendor', SCOPE.registerWrite],
  ['GET', `systemregister/vendor/${MISSING}`, SCOPE.registerWrite],
  ['PUT', `systemregister/vendor/${MISSING}`, SCOPE.registerWrite],
  ['DELETE', `systemregister/vendor/${MISSING}`, SCOPE.registerWrite],
  ['GET', `systemuser/vendor/bysystem/${DEMO.systemId}`, SCOPE.registerWrite],
  ['POST', 'systemuser/request/vendor', SCOPE.requestWrite],
  ['POST', 'systemuser/request/vendor/agent', SCOPE.requestWrite],
  ['DELETE', `systemuser/request/vendor/${REQUEST_ID}`, SCOPE.requestWrite],
  ['GET', 'systemuser/vendor/byquery?system-id=x&orgno=910753614', SCOPE.requestWrite],
  ['GET', `systemuser/request/vendor/${REQUEST_ID}`, SCOPE.requestRead],
  ['GET', `systemuser/request/vendor/agent/${REQUEST_ID}`, SCOPE.requestRead],
  [
    'GET',
    `systemuser/request/vendor/byexternalref/${DEMO.systemId}/910753614/x`,
    SCOPE.requestRead,
  ],
  [
    'GET',
    `systemuser/request/vendor/agent/byexternalref/${DEMO.systemId}/910753614/x`,
    SCOPE.requestRead,
  ],
  ['GET', `systemuser/request/vendor/bysystem/${DEMO.systemId}`, SCOPE.requestRead],
  ['GET', `systemuser/request/vendor/agent/bysystem/${DEMO.systemId}`, SCOPE.requestRead],
  ['POST', `systemuser/changerequest/vendor?correlation-id=${REQUEST_ID}`, SCOPE.requestWrite],
  ['DELETE', `systemuser/changerequest/vendor/${REQUEST_ID}`, SCOPE.requestWrite],
  ['GET', `systemuser/changerequest/vendor/${REQUEST_ID}`, SCOPE.requestRead],
  [
    'GET',
    `systemuser/changerequest/vendor/byexternalref/${DEMO.systemId}/910753614/x`,
    SCOPE.requestRead,
  ],
  ['GET', `systemuser/changerequest/vendor/bysystem/${DEMO.systemId}`, SCOPE.requestRead],
];

describe('vendor API authentication', () => {
  it.each(ENDPOINTS)('%s %s without a token is 401 AUTH-00023', async (method, path) => {
    const answer = await altinn(t, method, path);

    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(answer.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(answer.json).toMatchObject({
      type: 'urn:altinn:error:AUTH-00023',
      status: 401,
      code: 'AUTH-00023',
      statusDescription: 'Unauthorized',
    });
  });

  it.each([
    ['a non-JWT', 'not.a-token'],
    ['a JWT from an unknown issuer', 'unknown'],
    ['a tampered signature', 'tampered'],
  ])('answers 401 to %s', async (_label, kind) => {
    const good = await vendorToken(t);
    let token = kind;
    if (kind === 'tampered') token = `${good.slice(0, -6)}AAAAAA`;
    if (kind === 'unknown') token = await foreignToken('https://evil.example/');

    const answer = await altinn(t, 'GET', 'systemregister/vendor', { token });

    expect(answer.status).toBe(401);
    expect(answer.json.code).toBe('AUTH-00023');
    expect(answer.text).not.toContain(good);
  });

  it('answers 401 to a token signed with another key under the simulator issuer', async () => {
    const token = await foreignToken(t.sandbox.issuer);

    expect((await altinn(t, 'GET', 'systemregister/vendor', { token })).status).toBe(401);
  });

  it('answers 401 once the Maskinporten token is expired (beyond 10 s skew)', async () => {
    const token = await vendorToken(t);
    t.clock.advance((t.sandbox.maskinporten.tokenLifetimeSeconds + 11) * 1000);
    try {
      const answer = await altinn(t, 'GET', 'systemregister/vendor', { token });

      expect(answer.status).toBe(401);
    } finally {
      t.clock.advance(-(t.sandbox.maskinporten.tokenLifetimeSeconds + 11) * 1000);
    }
  });

  it.each(ENDPOINTS)(
    '%s %s needs its scope: 403 with an empty body without it (§1 "Scope", Forbid)',
    async (method, path, scope) => {
      const others = ALL_ALTINN_SCOPES.split(' ').filter((s) => s !== scope);
      const token = await vendorToken(t, [DEMO.scopes[0], ...others].join(' '));

      const answer = await altinn(t, method, path, { token });

      expect(answer.status).toBe(403);
      expect(answer.text).toBe('');
    },
  );

  it.each(ENDPOINTS)('%s %s passes auth with only its scope', async (method, path, scope) => {
    const token = await vendorToken(t, scope);

    const answer = await altinn(t, method, path, { token });

    expect([401, 403]).not.toContain(answer.status);
  });

  it('uses the token consumer as the vendor', async () => {
    const token = await vendorToken(t);

    const answer = await altinn(t, 'GET', 'systemregister/vendor', { token });

    expect(answer.status).toBe(200);
    expect(answer.json.map((s: { systemId: string }) => s.systemId)).toEqual([DEMO.systemId]);
  });
});

describe('routing', () => {
  it('answers 404 to an unknown Altinn path, without asking for a token', async () => {
    const answer = await altinn(t, 'GET', 'systemuser/nope');

    expect(answer.status).toBe(404);
    expect(answer.json).toMatchObject({ status: 404 });
    expect(t.sandbox.altinnApi.stats.calls).toEqual({ unmatched: 1 });
  });

  it('answers 405 with Allow to a known path and another method', async () => {
    const answer = await altinn(t, 'PATCH', 'systemregister/vendor');

    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('POST, GET');
  });

  it('reads a malformed request GUID as 400 STD-00000', async () => {
    const token = await vendorToken(t);

    const answer = await altinn(t, 'GET', 'systemuser/request/vendor/not-a-guid', { token });

    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({
      code: 'STD-00000',
      validationErrors: [{ code: 'STD.VLD-00002', paths: ['/requestId'] }],
    });
  });

  it('counts calls by endpoint and problems by code', async () => {
    const token = await vendorToken(t);
    await altinn(t, 'POST', 'systemuser/request/vendor', { token, body: standardRequest('999') });
    await altinn(t, 'GET', 'systemregister/vendor', { token });

    expect(t.sandbox.altinnApi.stats.calls).toEqual({
      'POST systemuser/request/vendor': 1,
      'GET systemregister/vendor': 1,
    });
    expect(t.sandbox.altinnApi.stats.problems).toEqual({ 'AUTH-00000': 1 });
  });
});

async function foreignToken(issuer: string): Promise<string> {
  const { privateKey } = await generateKeyPair('RS256');
  const now = Math.floor(t.clock() / 1000);
  return new SignJWT({
    scope: ALL_ALTINN_SCOPES,
    consumer: { authority: 'iso6523-actorid-upis', ID: `0192:${DEMO.vendor.orgNo}` },
  })
    .setProtectedHeader({ alg: 'RS256', kid: t.sandbox.maskinporten.jwks().keys[0]?.kid ?? 'k' })
    .setIssuer(issuer)
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(privateKey);
}
