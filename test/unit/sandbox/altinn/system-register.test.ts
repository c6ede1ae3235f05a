import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../../../shared/sandbox/demo.js';
import { altinn, OTHER_VENDOR, otherVendor, vendorToken } from '../../../support/altinn-vendor.js';
import { readFixture } from '../../../support/fixtures.js';
import { startTestSandbox, type TestSandbox } from '../../../support/sandbox-fixture.js';

let t: TestSandbox;
let token: string;
let otherToken: () => Promise<string>;

beforeAll(async () => {
  t = await startTestSandbox();
  token = await vendorToken(t);
  otherToken = await otherVendor(t);
});
afterAll(() => t.sandbox.close());

const VENDOR = DEMO.vendor.orgNo;
let counter = 0;

/** A valid RegisterSystemRequest for the demo vendor, in Altinn's own (mixed) casing. */
function system(overrides: Record<string, unknown> = {}) {
  counter += 1;
  return {
    Id: `${VENDOR}_sys_${counter}`,
    Vendor: { authority: 'iso6523-actorid-upis', ID: `0192:${VENDOR}` },
    Name: { nb: 'Regnskap', nn: 'Rekneskap', en: 'Accounting' },
    Description: { nb: 'Beskrivelse', nn: 'Skildring', en: 'Description' },
    Rights: [{ Resource: [{ Id: 'urn:altinn:resource', Value: 'ske-krav-og-betalinger' }] }],
    accesspackages: [{ URN: 'urn:altinn:accesspackage:skattegrunnlag' }],
    ClientId: [`client-${counter}`],
    allowedredirecturls: ['https://vendor.example/done'],
    isVisible: true,
    ...overrides,
  };
}

const post = (body: unknown, bearer = token) =>
  altinn(t, 'POST', 'systemregister/vendor', { token: bearer, body });

describe('POST systemregister/vendor', () => {
  it("accepts Altinn's own test body and answers 200 with the internal GUID as a JSON string", async () => {
    const fixture = readFixture<Record<string, unknown>>('altinn/system-register-request.json');
    const answer = await post(fixture, await otherToken());

    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(answer.text).toMatch(/^"[0-9a-f-]{36}"$/);
    expect(t.sandbox.altinn.getSystem('991825827_the_matrix')).toMatchObject({
      internalId: answer.json,
      vendorOrgNo: OTHER_VENDOR,
      allowedRedirectUrls: ['https://vg.no', 'https://nrk.no', 'https://altinn.no'],
      clientId: ['32ef65ac-6e62-498d-880f-76c85c2052ae'],
    });
  });

  it('reads keys case-insensitively and emits camelCase on GET', async () => {
    const body = system();
    expect((await post(body)).status).toBe(200);

    const answer = await altinn(t, 'GET', `systemregister/vendor/${body.Id}`, { token });

    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      id: body.Id,
      vendor: { ID: `0192:${VENDOR}` },
      name: body.Name,
      description: body.Description,
      rights: [{ resource: [{ id: 'urn:altinn:resource', value: 'ske-krav-og-betalinger' }] }],
      accessPackages: [{ urn: 'urn:altinn:accesspackage:skattegrunnlag' }],
      isDeleted: false,
      clientId: body.ClientId,
      isVisible: true,
      allowedRedirectUrls: ['https://vendor.example/done'],
    });
  });

  it.each([
    [
      'vendor without 0192',
      { Vendor: { ID: `9908:${VENDOR}` } },
      'AUTH.VLD-00000',
      '/registersystemrequest/vendor/id',
    ],
    [
      'vendor orgno failing MOD11',
      { Vendor: { ID: '0192:123456789' } },
      'AUTH.VLD-00000',
      '/registersystemrequest/vendor/id',
    ],
    [
      'id of another orgno',
      { Id: '991825827_x' },
      'AUTH.VLD-00001',
      '/registersystemrequest/systemid',
    ],
    ['id without _', { Id: VENDOR }, 'AUTH.VLD-00001', '/registersystemrequest/systemid'],
    [
      'id with a space',
      { Id: `${VENDOR}_a b` },
      'AUTH.VLD-00013',
      '/registersystemrequest/systemid',
    ],
    ['an id in use', { Id: DEMO.systemId }, 'AUTH.VLD-00002', '/registersystemrequest/systemid'],
    [
      'an http redirect URL',
      { allowedredirecturls: ['http://vendor.example/x'] },
      'AUTH.VLD-00005',
      '/registersystemrequest/allowedredirecturls',
    ],
    [
      'a relative redirect URL',
      { allowedredirecturls: ['/done'] },
      'AUTH.VLD-00005',
      '/registersystemrequest/allowedredirecturls',
    ],
    [
      'a client id of another system',
      { ClientId: [DEMO.clientId] },
      'AUTH.VLD-00004',
      '/registersystemrequest/clientid',
    ],
    [
      'a repeated client id',
      { ClientId: ['c-x', 'C-X'] },
      'AUTH.VLD-00011',
      '/registersystemrequest/clientid',
    ],
    [
      'a right that is not urn:altinn:resource',
      { Rights: [{ resource: [{ id: 'urn:altinn:app', value: 'a' }] }] },
      'AUTH.VLD-00009',
      '/registersystemrequest/rights/resource',
    ],
    [
      'a duplicate right',
      {
        Rights: [
          { resource: [{ id: 'urn:altinn:resource', value: 'a' }] },
          { resource: [{ id: 'urn:altinn:resource', value: 'a' }] },
        ],
      },
      'AUTH.VLD-00006',
      '/registersystemrequest/rights/resource',
    ],
    [
      'an invalid package',
      { accesspackages: [{ urn: 'urn:altinn:resource:x' }] },
      'AUTH.VLD-00008',
      '/registersystemrequest/accesspackages',
    ],
    [
      'a package that is neither assignable nor delegable',
      {
        accesspackages: [{ urn: 'urn:altinn:accesspackage:hovedadministrator' }],
        isVisible: false,
      },
      'AUTH.VLD-00008',
      '/registersystemrequest/accesspackages',
    ],
    [
      'a duplicate package',
      {
        accesspackages: [
          { urn: 'urn:altinn:accesspackage:a' },
          { urn: 'urn:altinn:accesspackage:a' },
        ],
      },
      'AUTH.VLD-00007',
      '/registersystemrequest/accesspackages',
    ],
    [
      'a client package on a visible system',
      { accesspackages: [{ urn: DEMO.onboarding.agentPackage }] },
      'AUTH.VLD-00018',
      '/registersystemrequest/accesspackages',
    ],
  ])('refuses %s with %s in a STD-00000 problem', async (_label, change, code, path) => {
    const answer = await post(system(change));

    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(answer.json).toMatchObject({
      type: 'urn:altinn:error:STD-00000',
      title: 'One or more validation errors occurred.',
      status: 400,
      code: 'STD-00000',
      statusDescription: 'Bad Request',
    });
    expect(answer.json.validationErrors).toContainEqual({
      code,
      title: expect.any(String),
      paths: [path],
    });
  });

  it('collects every rule that fails', async () => {
    const answer = await post(system({ Id: `${VENDOR}_a b`, allowedredirecturls: ['http://x'] }));

    expect(answer.json.validationErrors.map((e: { code: string }) => e.code)).toEqual([
      'AUTH.VLD-00013',
      'AUTH.VLD-00005',
    ]);
  });

  it('accepts a client package on an invisible system (isVisible: false)', async () => {
    const answer = await post(
      system({ accesspackages: [{ urn: DEMO.onboarding.agentPackage }], isVisible: false }),
    );

    expect(answer.status).toBe(200);
  });

  it('answers 403 with an empty body when the token org is not the vendor (§6, Forbid)', async () => {
    const answer = await post(system(), await otherToken());

    expect(answer.status).toBe(403);
    expect(answer.text).toBe('');
  });

  it.each([
    ['no id', { Id: undefined }, 'STD.VLD-00000'],
    ['no name', { Name: undefined }, 'STD.VLD-00000'],
    ['clientId not a list', { ClientId: 'c' }, 'STD.VLD-00002'],
  ])('refuses %s with %s', async (_label, change, code) => {
    const answer = await post(system(change));

    expect(answer.status).toBe(400);
    expect(answer.json.validationErrors[0].code).toBe(code);
  });

  it('answers 400 STD-00000 to malformed JSON and 415 to another media type', async () => {
    const bad = await altinn(t, 'POST', 'systemregister/vendor', { token, raw: '{"id":' });
    const form = await altinn(t, 'POST', 'systemregister/vendor', {
      token,
      raw: 'id=x',
      contentType: 'application/x-www-form-urlencoded',
    });

    expect(bad.status).toBe(400);
    expect(bad.json.validationErrors[0].code).toBe('STD.VLD-00017');
    expect(form.status).toBe(415);
  });
});

describe('GET systemregister/vendor (§6; Ctl/SystemRegisterController.cs:71-102)', () => {
  it("lists only the caller's live systems, in the RegisteredSystemDTO shape", async () => {
    const answer = await altinn(t, 'GET', 'systemregister/vendor', { token: await otherToken() });

    expect(answer.status).toBe(200);
    expect(answer.json).toEqual([
      {
        systemId: '991825827_the_matrix',
        systemVendorOrgNumber: OTHER_VENDOR,
        systemVendorOrgName: '',
        name: { nb: 'The Matrix', en: 'The Matrix', nn: 'The Matrix' },
        description: { nb: 'Test system', en: 'Test system', nn: 'Test system' },
        rights: [{ resource: [{ id: 'urn:altinn:resource', value: 'ske-krav-og-betalinger' }] }],
        accessPackages: [],
        isVisible: true,
      },
    ]);
  });
});

describe('GET systemregister/vendor/{systemId} (§6; :132-149)', () => {
  it("answers 403 (empty) for another vendor's system and a plain 404 for an unknown one", async () => {
    const foreign = await altinn(t, 'GET', `systemregister/vendor/${DEMO.systemId}`, {
      token: await otherToken(),
    });
    const unknown = await altinn(t, 'GET', `systemregister/vendor/${VENDOR}_nope`, { token });

    expect(foreign.status).toBe(403);
    expect(foreign.text).toBe('');
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ status: 404, title: 'Not Found' });
    expect(unknown.json).not.toHaveProperty('code');
  });
});

describe('PUT systemregister/vendor/{systemId}', () => {
  it('replaces the whole system, rights included, and answers {succeeded: true}', async () => {
    const body = system();
    await post(body);
    const replacement = system({
      Id: body.Id,
      Rights: [],
      accesspackages: [],
      ClientId: [],
      allowedredirecturls: [],
    });

    const answer = await altinn(t, 'PUT', `systemregister/vendor/${body.Id}`, {
      token,
      body: replacement,
    });
    const read = await altinn(t, 'GET', `systemregister/vendor/${body.Id}`, { token });

    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ succeeded: true });
    expect(read.json).toMatchObject({
      rights: [],
      accessPackages: [],
      clientId: [],
      allowedRedirectUrls: [],
    });
  });

  it('refuses a body id that differs from the URL with AUTH.VLD-00012', async () => {
    const body = system();
    await post(body);

    const answer = await altinn(t, 'PUT', `systemregister/vendor/${body.Id}`, {
      token,
      body: { ...body, Id: `${VENDOR}_other` },
    });

    expect(answer.status).toBe(400);
    expect(answer.json.validationErrors).toEqual([
      {
        code: 'AUTH.VLD-00012',
        title: 'The system ID in the request body does not match the system ID in the URL',
        paths: ['/registersystemrequest/systemid'],
      },
    ]);
  });

  it("answers 403 (empty) to another vendor's update and 404 with a text body to an unknown id", async () => {
    const foreign = await altinn(t, 'PUT', `systemregister/vendor/${DEMO.systemId}`, {
      token: await otherToken(),
      body: system({ Id: DEMO.systemId }),
    });
    const unknown = await altinn(t, 'PUT', `systemregister/vendor/${VENDOR}_nope`, {
      token,
      body: system({ Id: `${VENDOR}_nope` }),
    });

    expect(foreign.status).toBe(403);
    expect(foreign.text).toBe('');
    expect(unknown.status).toBe(404);
    expect(unknown.text).toBe(`System with ID '${VENDOR}_nope' not found.`);
  });

  it("authorises before it compares the body's vendor: another vendor naming itself gets 403, not 404", async () => {
    const answer = await altinn(t, 'PUT', `systemregister/vendor/${DEMO.systemId}`, {
      token: await otherToken(),
      body: system({ Id: DEMO.systemId, Vendor: { ID: `0192:${OTHER_VENDOR}` } }),
    });

    expect(answer.status).toBe(403);
  });

  it('answers 404 (text) when the body names another vendor, checked after the 403 (§6, :158-225)', async () => {
    const body = system();
    await post(body);

    const answer = await altinn(t, 'PUT', `systemregister/vendor/${body.Id}`, {
      token,
      body: { ...body, Vendor: { ID: `0192:${OTHER_VENDOR}` } },
    });

    expect(answer.status).toBe(404);
    expect(answer.text).toBe(`System with ID '${body.Id}' not found.`);
  });

  it('answers 400 with a text body for a deleted system, on PUT and on the sub-resources', async () => {
    const body = system();
    await post(body);
    await altinn(t, 'DELETE', `systemregister/vendor/${body.Id}`, { token });

    const whole = await altinn(t, 'PUT', `systemregister/vendor/${body.Id}`, { token, body });
    const rights = await altinn(t, 'PUT', `systemregister/vendor/${body.Id}/rights`, {
      token,
      body: [],
    });

    for (const answer of [whole, rights]) {
      expect(answer.status).toBe(400);
      expect(answer.text).toBe('Cannot update a system marked as deleted.');
    }
  });

  it('makes Altinn throw (500) on the sub-resources of an unknown system', async () => {
    const answer = await altinn(t, 'PUT', `systemregister/vendor/${VENDOR}_nope/accesspackages`, {
      token,
      body: [],
    });

    expect(answer.status).toBe(500);
  });

  it('keeps a client id on its own system but refuses one of another system', async () => {
    const body = system();
    await post(body);

    const own = await altinn(t, 'PUT', `systemregister/vendor/${body.Id}`, { token, body });
    const stolen = await altinn(t, 'PUT', `systemregister/vendor/${body.Id}`, {
      token,
      body: { ...body, ClientId: [DEMO.clientId] },
    });

    expect(own.status).toBe(200);
    expect(stolen.json.validationErrors[0].code).toBe('AUTH.VLD-00004');
  });

  it('replaces only the rights or only the packages on the sub-resources', async () => {
    const body = system();
    await post(body);
    const rights = [{ resource: [{ id: 'urn:altinn:resource', value: 'ny-tjeneste' }] }];

    const r = await altinn(t, 'PUT', `systemregister/vendor/${body.Id}/rights`, {
      token,
      body: rights,
    });
    const p = await altinn(t, 'PUT', `systemregister/vendor/${body.Id}/accesspackages`, {
      token,
      body: [{ urn: 'urn:altinn:accesspackage:a' }, { urn: 'urn:altinn:accesspackage:a' }],
    });

    expect(r.status).toBe(200);
    expect(t.sandbox.altinn.getSystem(body.Id)?.rights).toEqual(rights);
    expect(p.json.validationErrors[0].code).toBe('AUTH.VLD-00007');
  });
});

describe('DELETE systemregister/vendor/{systemId}', () => {
  it('soft-deletes: the system disappears and its client ids are free again', async () => {
    const body = system();
    await post(body);

    const answer = await altinn(t, 'DELETE', `systemregister/vendor/${body.Id}`, { token });
    const read = await altinn(t, 'GET', `systemregister/vendor/${body.Id}`, { token });
    const reuse = await post(system({ ClientId: body.ClientId }));

    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ succeeded: true });
    // GET by id still finds it, flagged (§6: "Deleted systems are returned, with isDeleted:true")
    expect(read.status).toBe(200);
    expect(read.json.isDeleted).toBe(true);
    expect(reuse.status).toBe(200);
  });

  it('answers 400 ModelState for an unknown system, and 400 when there are no client ids to free', async () => {
    const body = system({ ClientId: [] });
    await post(body);
    const deletedOnce = system();
    await post(deletedOnce);
    await altinn(t, 'DELETE', `systemregister/vendor/${deletedOnce.Id}`, { token });

    const unknown = await altinn(t, 'DELETE', `systemregister/vendor/${VENDOR}_nope`, { token });
    const noClients = await altinn(t, 'DELETE', `systemregister/vendor/${body.Id}`, { token });
    const again = await altinn(t, 'DELETE', `systemregister/vendor/${deletedOnce.Id}`, { token });

    expect(unknown.status).toBe(400);
    expect(unknown.json).toMatchObject({
      title: 'One or more validation errors occurred.',
      errors: { return: ['System not found'] },
    });
    expect([noClients.status, again.status]).toEqual([400, 400]);
    expect(t.sandbox.altinn.getSystem(body.Id)?.isDeleted).toBe(false);
  });

  it("answers 403 to another vendor's delete", async () => {
    const answer = await altinn(t, 'DELETE', `systemregister/vendor/${DEMO.systemId}`, {
      token: await otherToken(),
    });

    expect(answer.status).toBe(403);
    expect(answer.text).toBe('');
    expect(t.sandbox.altinn.getSystem(DEMO.systemId)?.isDeleted).toBe(false);
  });
});
