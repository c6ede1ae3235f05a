import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO } from '../../../../shared/sandbox/demo.js';
import { startTestSandbox, type TestSandbox } from '../../../support/sandbox-fixture.js';
import { systemUserDetails } from '../../../support/sandbox-grants.js';

let t: TestSandbox;

beforeAll(async () => {
  t = await startTestSandbox();
});
afterAll(() => t.sandbox.close());
beforeEach(() => t.sandbox.maskinporten.stats.reset());

const { standard, withExternalRef, agent, withoutSystemUser } = DEMO.customers;

const requestFor = (orgNo: string, externalRef?: string) =>
  t.requestToken({ claims: { authorization_details: systemUserDetails(orgNo, externalRef) } });

function expectMp303(answer: { status: number; json: Record<string, unknown> }) {
  expect(answer.status).toBe(400);
  expect(answer.json['error']).toBe('invalid_altinn_customer_configuration');
  expect(answer.json['error_description']).toMatch(/^MP-303 /);
  expect(answer.json['access_token']).toBeUndefined();
}

describe('system-user tokens', () => {
  it('issues the §5.2 claims for a standard system user', async () => {
    const answer = await requestFor(standard.orgNo);

    expect(answer.status).toBe(200);
    const jwks = createRemoteJWKSet(new URL(t.sandbox.maskinporten.metadata().jwks_uri));
    const { payload } = await jwtVerify(answer.json['access_token'] as string, jwks, {
      issuer: t.sandbox.issuer,
      currentDate: new Date(t.clock()),
    });
    expect(payload['authorization_details']).toEqual([
      {
        type: 'urn:altinn:systemuser',
        systemuser_id: [standard.systemUserId],
        systemuser_org: { authority: 'iso6523-actorid-upis', ID: `0192:${standard.orgNo}` },
        system_id: DEMO.systemId,
      },
    ]);
    expect(payload['consumer']).toEqual({
      authority: 'iso6523-actorid-upis',
      ID: `0192:${DEMO.vendor.orgNo}`,
    });
    expect(payload).toMatchObject({ client_id: DEMO.clientId, client_amr: 'private_key_jwt' });
    expect(payload).not.toHaveProperty('sub');
  });

  it('accepts the owner orgno as externalRef where none was set (the default)', async () => {
    const answer = await requestFor(standard.orgNo, standard.orgNo);

    expect(answer.status).toBe(200);
  });

  it('rejects an externalRef the system user was not created with', async () => {
    expectMp303(await requestFor(standard.orgNo, 'avdeling-nord'));
  });

  it('finds a system user created with externalRef only when the grant repeats it', async () => {
    const withRef = await requestFor(withExternalRef.orgNo, withExternalRef.externalRef);
    const withoutRef = await requestFor(withExternalRef.orgNo);
    const wrongRef = await requestFor(withExternalRef.orgNo, 'avdeling-sør');

    expect(withRef.status).toBe(200);
    const details = decodeJwt(withRef.json['access_token'] as string)['authorization_details'];
    expect(details).toEqual([
      expect.objectContaining({ systemuser_id: [withExternalRef.systemUserId] }),
    ]);
    expect(JSON.stringify(details)).not.toContain('externalRef');
    expectMp303(withoutRef);
    expectMp303(wrongRef);
  });

  it('issues a token for an agent system user named by its owner', async () => {
    const answer = await requestFor(agent.orgNo);

    expect(answer.status).toBe(200);
    const details = decodeJwt(answer.json['access_token'] as string)['authorization_details'];
    expect(details).toEqual([expect.objectContaining({ systemuser_id: [agent.systemUserId] })]);
  });

  it('rejects an org without a system user with MP-303', async () => {
    const answer = await requestFor(withoutSystemUser.orgNo);

    expectMp303(answer);
    expect(t.sandbox.maskinporten.stats.rejections).toEqual({ 'MP-303': 1 });
  });

  it('rejects a deleted system user with MP-303', async () => {
    const created = t.sandbox.altinn.createSystemUser({
      systemId: DEMO.systemId,
      reporteeOrgNo: '314250052',
    });
    const before = await requestFor('314250052');

    t.sandbox.altinn.deleteSystemUser(created.id);
    const after = await requestFor('314250052');

    expect(before.status).toBe(200);
    expectMp303(after);
  });

  it('rejects a client whose id is on no system with MP-303', async () => {
    t.sandbox.maskinporten.registerClient({
      clientId: 'client-without-system',
      orgnr: DEMO.vendor.orgNo,
      scopes: ['digdir:dialogporten'],
      keys: [{ ...t.key.publicJwk, kid: 'client-without-system-key' }],
    });

    const answer = await t.requestToken({
      clientId: 'client-without-system',
      header: { kid: 'client-without-system-key' },
      scope: 'digdir:dialogporten',
      claims: { authorization_details: systemUserDetails(standard.orgNo) },
    });

    expectMp303(answer);
  });

  it('still requires every scope to be registered on the client (MP-200)', async () => {
    const answer = await t.requestToken({
      scope: 'altinn:not-registered',
      claims: { authorization_details: systemUserDetails(standard.orgNo) },
    });

    expect(answer.json['error']).toBe('invalid_scope');
  });
});

describe('scopes Altinn governs: MP-300 / MP-301 (maskinporten-protocol.md §3)', () => {
  const { accounting, payroll } = DEMO.governedScopes;

  function expectForbidden(
    answer: { status: number; json: Record<string, unknown> },
    code: 'MP-300' | 'MP-301',
    text: string,
  ) {
    // Digdir files both under "Forbidden"; the status is the simulator's choice (mp-errors.ts)
    expect(answer.status).toBe(403);
    expect(answer.json['error']).toBe('forbidden');
    expect(answer.json['error_description']).toBe(`${code} ${text}`);
    expect(answer.json['access_token']).toBeUndefined();
  }

  it('issues a governed scope to a system user holding a right that gives it', async () => {
    const answer = await t.requestToken({
      scope: accounting,
      claims: { authorization_details: systemUserDetails(standard.orgNo) },
    });

    expect(answer.status).toBe(200);
  });

  it('MP-301 when the system offers the scope but the customer did not give it to the system user', async () => {
    const answer = await t.requestToken({
      scope: payroll,
      claims: { authorization_details: systemUserDetails(standard.orgNo) },
    });

    expectForbidden(
      answer,
      'MP-301',
      `Consumer ${standard.orgNo} has not delegated access to the scope ${payroll} to supplier ${DEMO.vendor.orgNo}`,
    );
    expect(t.sandbox.maskinporten.stats.rejections).toEqual({ 'MP-301': 1 });
  });

  it("MP-300 when nothing the vendor's system offers gives the scope", async () => {
    // a resource of some other system gives the scope; the demo system offers nothing that does
    t.sandbox.altinn.resources.defineResource('someone-elses-resource', ['digdir:dialogporten']);

    const answer = await t.requestToken({
      scope: 'digdir:dialogporten',
      claims: { authorization_details: systemUserDetails(standard.orgNo) },
    });

    expectForbidden(
      answer,
      'MP-300',
      'Consumer has not been granted access to the scope digdir:dialogporten',
    );
  });

  it('checks every scope of the grant, and only after the system user is found (MP-303 first)', async () => {
    const both = await t.requestToken({
      scope: `${accounting} ${payroll}`,
      claims: { authorization_details: systemUserDetails(standard.orgNo) },
    });
    const noUser = await requestFor(withoutSystemUser.orgNo);
    const noUserGoverned = await t.requestToken({
      scope: payroll,
      claims: { authorization_details: systemUserDetails(withoutSystemUser.orgNo) },
    });

    expect(both.json['error_description']).toMatch(/^MP-301 /);
    expectMp303(noUser);
    expectMp303(noUserGoverned);
  });

  it('gives an agent system user the scopes of its packages only', async () => {
    const answer = await t.requestToken({
      scope: accounting,
      claims: { authorization_details: systemUserDetails(agent.orgNo) },
    });

    expect(answer.json['error_description']).toMatch(/^MP-301 /);
  });

  it('leaves scopes nobody governs alone, and tokens without a system user', async () => {
    const open = await requestFor(standard.orgNo);
    const plain = await t.requestToken({ scope: payroll });

    expect(open.status).toBe(200);
    expect(plain.status).toBe(200);
  });
});

describe('authorization_details shape', () => {
  const org = { authority: 'iso6523-actorid-upis', ID: `0192:${standard.orgNo}` };
  const element = { type: 'urn:altinn:systemuser', systemuser_org: org };

  it.each([
    ['an object, not an array', element],
    ['an empty array', []],
    ['two elements', [element, element]],
    ['a string element', ['urn:altinn:systemuser']],
    ['the consent type', [{ ...element, type: 'urn:altinn:consent' }]],
    ['an extra member', [{ ...element, systemuser_id: ['x'] }]],
    [
      'a lower-case id key',
      [{ ...element, systemuser_org: { ...org, ID: undefined, id: org.ID } }],
    ],
    ['another authority', [{ ...element, systemuser_org: { ...org, authority: 'orgnr' } }]],
    ['a bare orgno ID', [{ ...element, systemuser_org: { ...org, ID: standard.orgNo } }]],
    [
      'a checksum-invalid orgno',
      [{ ...element, systemuser_org: { ...org, ID: '0192:123456789' } }],
    ],
    ['no systemuser_org', [{ type: 'urn:altinn:systemuser' }]],
    ['an empty externalRef', [{ ...element, externalRef: '' }]],
    ['a numeric externalRef', [{ ...element, externalRef: 42 }]],
  ])('rejects %s with invalid_request MP-011', async (_label, details) => {
    const answer = await t.requestToken({
      claims: { authorization_details: JSON.parse(JSON.stringify(details)) },
    });

    expect(answer.status).toBe(400);
    expect(answer.json['error']).toBe('invalid_request');
    expect(answer.json['error_description']).toMatch(
      /^MP-011 .*(authorization_details|systemuser_org)/,
    );
  });

  it('refuses consumer_org combined with a system user', async () => {
    const answer = await t.requestToken({
      claims: { authorization_details: [element], consumer_org: '910753614' },
    });

    expect(answer.status).toBe(400);
    expect(answer.json['error_description']).toMatch(/consumer_org cannot be combined/);
  });
});
