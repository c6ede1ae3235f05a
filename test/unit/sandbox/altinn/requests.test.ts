import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../../../shared/sandbox/demo.js';
import {
  agentRequest,
  altinn,
  otherVendor,
  standardRequest,
  validOrgNos,
  vendorToken,
} from '../../../support/altinn-vendor.js';
import { startTestSandbox, type TestSandbox } from '../../../support/sandbox-fixture.js';

let t: TestSandbox;
let token: string;
const orgs = validOrgNos(40, 31100000);
let next = 0;
const freshOrg = () => orgs[next++] as string;

beforeAll(async () => {
  t = await startTestSandbox();
  token = await vendorToken(t);
});
afterAll(() => t.sandbox.close());

const createStandard = (body: unknown, bearer = token) =>
  altinn(t, 'POST', 'systemuser/request/vendor', { token: bearer, body });
const createAgent = (body: unknown, bearer = token) =>
  altinn(t, 'POST', 'systemuser/request/vendor/agent', { token: bearer, body });

describe('POST systemuser/request/vendor (standard)', () => {
  it('creates a request: 201, Location, and the response shape', async () => {
    const org = freshOrg();

    const answer = await createStandard(standardRequest(org));

    expect(answer.status).toBe(201);
    const id = answer.json.id as string;
    expect(answer.headers.get('location')).toBe(
      `${t.sandbox.altinnPlatformUrl}/authentication/api/v1/systemuser/request/${id}`,
    );
    expect(answer.json).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      integrationTitle: 'Demo-megler',
      externalRef: org,
      systemId: DEMO.systemId,
      partyOrgNo: org,
      rights: [DEMO.onboarding.right],
      accessPackages: [],
      status: 'New',
      redirectUrl: DEMO.onboarding.redirectUrl,
      confirmUrl: `${t.sandbox.url}/sandbox/am/accessmanagement/ui/systemuser/request?id=${id}&DONTCHOOSEREPORTEE=true`,
      escalated: false,
      created: new Date(t.clock()).toISOString(),
      timedOut: false,
    });
  });

  it('is idempotent: 201, then 200 with the same request, then 400 AUTH-00004 once accepted', async () => {
    const org = freshOrg();
    const first = await createStandard(standardRequest(org, { externalRef: 'kunde-1' }));
    const again = await createStandard(
      standardRequest(org, { externalRef: 'kunde-1', rights: [] }),
    );
    t.sandbox.altinnApi.decide(first.json.id, { decision: 'accept' });
    const afterAccept = await createStandard(standardRequest(org, { externalRef: 'kunde-1' }));

    expect([first.status, again.status, afterAccept.status]).toEqual([201, 200, 400]);
    expect(again.json.id).toBe(first.json.id);
    expect(again.headers.get('location')).toBeNull();
    expect(afterAccept.json).toMatchObject({
      type: 'urn:altinn:error:AUTH-00004',
      code: 'AUTH-00004',
      status: 400,
      title: 'Failed to create new SystemUser, existing SystemUser tied to the given System-Id.',
    });
  });

  it('treats another externalRef as another key', async () => {
    const org = freshOrg();
    const a = await createStandard(standardRequest(org, { externalRef: 'a' }));
    const b = await createStandard(standardRequest(org, { externalRef: 'b' }));
    const blank = await createStandard(standardRequest(org, { externalRef: '  ' }));
    const byOrg = await createStandard(standardRequest(org, { externalRef: org }));

    expect([a.status, b.status, blank.status, byOrg.status]).toEqual([201, 201, 201, 200]);
    expect(blank.json.externalRef).toBe(org);
    expect(byOrg.json.id).toBe(blank.json.id);
  });

  it('answers 200 with a Rejected request until it is deleted, then 201', async () => {
    const org = freshOrg();
    const first = await createStandard(standardRequest(org));
    t.sandbox.altinnApi.decide(first.json.id, { decision: 'reject' });

    const again = await createStandard(standardRequest(org));
    const deleted = await altinn(t, 'DELETE', `systemuser/request/vendor/${first.json.id}`, {
      token,
    });
    const renewed = await createStandard(standardRequest(org));

    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ id: first.json.id, status: 'Rejected' });
    expect(deleted.status).toBe(202);
    expect(deleted.text).toBe('');
    expect(renewed.status).toBe(201);
    expect(renewed.json.id).not.toBe(first.json.id);
  });

  it('answers 200 with an Accepted request once its system user is deleted (Altinn then drops it)', async () => {
    const org = freshOrg();
    const first = await createStandard(standardRequest(org));
    t.sandbox.altinnApi.decide(first.json.id, { decision: 'accept' });
    t.sandbox.altinn.deleteSystemUser(first.json.id);

    const again = await createStandard(standardRequest(org));

    expect(again.status).toBe(201);
  });

  it('refuses an unknown system, and a system of another vendor, with 404 AUTH-00011', async () => {
    const other = await otherVendor(t);
    const unknown = await createStandard(standardRequest(freshOrg(), { systemId: 'nope' }));
    const foreign = await createStandard(standardRequest(freshOrg()), await other());

    for (const answer of [unknown, foreign]) {
      expect(answer.status).toBe(404);
      expect(answer.json).toMatchObject({
        code: 'AUTH-00011',
        title: 'The Id does not refer to a Registered System.',
      });
    }
  });

  it('refuses an orgno that is not in the register stand-in (MOD11) with 400 AUTH-00000', async () => {
    const answer = await createStandard(standardRequest('123456789'));

    expect(answer.status).toBe(400);
    expect(answer.json.code).toBe('AUTH-00000');
  });

  it.each([
    ['another path', 'https://vendor.example/other', 'AUTH-00021'],
    ['another host', 'https://evil.example/onboarding/done', 'AUTH-00021'],
    ['http', 'http://vendor.example/onboarding/done', 'AUTH-00021'],
    ['a path prefix', 'https://vendor.example/onboarding/done/more', 'AUTH-00021'],
  ])('refuses a redirectUrl with %s (%s)', async (_label, redirectUrl, code) => {
    const answer = await createStandard(standardRequest(freshOrg(), { redirectUrl }));

    expect(answer.status).toBe(400);
    expect(answer.json.code).toBe(code);
  });

  it('accepts a redirectUrl that differs only in the query, and an empty one', async () => {
    const query = await createStandard(
      standardRequest(freshOrg(), { redirectUrl: `${DEMO.onboarding.redirectUrl}?kunde=1` }),
    );
    const empty = await createStandard(standardRequest(freshOrg(), { redirectUrl: '' }));

    expect(query.status).toBe(201);
    expect(empty.status).toBe(201);
    expect(empty.json.redirectUrl).toBe('');
  });

  it('omits redirectUrl when none was sent', async () => {
    const answer = await createStandard(standardRequest(freshOrg(), { redirectUrl: undefined }));

    expect(answer.json).not.toHaveProperty('redirectUrl');
  });

  it('refuses a redirectUrl for a system without allowed URLs with AUTH-00026', async () => {
    t.sandbox.altinn.registerSystem({
      id: `${DEMO.vendor.orgNo}_no_redirects`,
      vendorOrgNo: DEMO.vendor.orgNo,
      rights: [DEMO.onboarding.right as never],
    });
    const answer = await createStandard(
      standardRequest(freshOrg(), { systemId: `${DEMO.vendor.orgNo}_no_redirects` }),
    );

    expect(answer.status).toBe(400);
    expect(answer.json.code).toBe('AUTH-00026');
  });

  it.each([
    ['no rights and no packages', { rights: [] }, 'AUTH-00059'],
    [
      'a right the system does not have',
      { rights: [{ resource: [{ id: 'urn:altinn:resource', value: 'x' }] }] },
      'AUTH-00001',
    ],
    [
      'a package the system does not have',
      { rights: [], accessPackages: [{ urn: 'urn:altinn:accesspackage:x' }] },
      'AUTH-00063',
    ],
  ])('refuses %s with %s', async (_label, change, code) => {
    const answer = await createStandard(standardRequest(freshOrg(), change));

    expect(answer.status).toBe(400);
    expect(answer.json.code).toBe(code);
  });

  it('accepts packages only on a standard request', async () => {
    const answer = await createStandard(
      standardRequest(freshOrg(), {
        rights: [],
        accessPackages: [{ urn: DEMO.onboarding.standardPackage }],
      }),
    );

    expect(answer.status).toBe(201);
  });

  it.each([
    ['no systemId', { systemId: undefined }, '/systemId'],
    ['no partyOrgNo', { partyOrgNo: undefined }, '/partyOrgNo'],
  ])('refuses %s with STD-00000', async (_label, change, path) => {
    const answer = await createStandard(standardRequest(freshOrg(), change));

    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({
      code: 'STD-00000',
      validationErrors: [{ code: 'STD.VLD-00000', paths: [path] }],
    });
  });

  it('reads Altinn-cased input (case-insensitive binding)', async () => {
    const org = freshOrg();
    const answer = await createStandard({
      SystemId: DEMO.systemId,
      PARTYORGNO: org,
      Rights: [{ Resource: [{ ID: 'urn:altinn:resource', VALUE: 'demo-regnskap' }] }],
    });

    expect(answer.status).toBe(201);
    expect(answer.json.partyOrgNo).toBe(org);
  });
});

describe('POST systemuser/request/vendor/agent', () => {
  it('creates an agent request with the agentrequest confirmUrl and no rights member', async () => {
    const org = freshOrg();

    const answer = await createAgent(agentRequest(org, { externalRef: 'klient-a' }));

    expect(answer.status).toBe(201);
    expect(answer.json).toMatchObject({
      externalRef: 'klient-a',
      partyOrgNo: org,
      accessPackages: [{ urn: DEMO.onboarding.agentPackage }],
      status: 'New',
      confirmUrl: `${t.sandbox.url}/sandbox/am/accessmanagement/ui/systemuser/agentrequest?id=${answer.json.id}&DONTCHOOSEREPORTEE=true`,
    });
    expect(answer.json).not.toHaveProperty('rights');
  });

  it.each([
    ['no packages', {}],
    ['an empty package list', { accessPackages: [] }],
  ])('refuses %s with 400 AUTH-00058', async (_label, change) => {
    const answer = await createAgent({
      systemId: DEMO.systemId,
      partyOrgNo: freshOrg(),
      ...change,
    });

    expect(answer.status).toBe(400);
    expect(answer.json.code).toBe('AUTH-00058');
  });

  it('refuses rights on an agent request', async () => {
    const answer = await createAgent(agentRequest(freshOrg(), { rights: [DEMO.onboarding.right] }));

    expect(answer.status).toBe(400);
    expect(answer.json.validationErrors[0]).toMatchObject({ paths: ['/rights'] });
  });

  it('is idempotent per type, and refuses the other type for a pending key with AUTH-00007', async () => {
    const org = freshOrg();
    const agent = await createAgent(agentRequest(org));
    const again = await createAgent(agentRequest(org));
    const standard = await createStandard(standardRequest(org));

    expect([agent.status, again.status]).toEqual([201, 200]);
    expect(again.json.id).toBe(agent.json.id);
    expect(standard.status).toBe(400);
    expect(standard.json.code).toBe('AUTH-00007');
  });
});

describe('reading and deleting requests', () => {
  it('GET by id on the matching route; AUTH-00025 on the other; 404 AUTH-00010 for unknown', async () => {
    const standard = await createStandard(standardRequest(freshOrg()));
    const agent = await createAgent(agentRequest(freshOrg()));

    const own = await altinn(t, 'GET', `systemuser/request/vendor/${standard.json.id}`, { token });
    const ownAgent = await altinn(t, 'GET', `systemuser/request/vendor/agent/${agent.json.id}`, {
      token,
    });
    const agentOnStandard = await altinn(t, 'GET', `systemuser/request/vendor/${agent.json.id}`, {
      token,
    });
    const standardOnAgent = await altinn(
      t,
      'GET',
      `systemuser/request/vendor/agent/${standard.json.id}`,
      { token },
    );
    const unknown = await altinn(
      t,
      'GET',
      'systemuser/request/vendor/00000000-0000-4000-8000-000000000000',
      { token },
    );

    expect(own.status).toBe(200);
    expect(own.json).toEqual(standard.json);
    expect(ownAgent.json).toEqual(agent.json);
    for (const wrong of [agentOnStandard, standardOnAgent]) {
      expect(wrong.status).toBe(400);
      expect(wrong.json.code).toBe('AUTH-00025');
    }
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({
      code: 'AUTH-00010',
      title: 'The Id does not refer to a Request in our system.',
    });
  });

  it("hides another vendor's request behind 404 AUTH-00011", async () => {
    const other = await otherVendor(t);
    const created = await createStandard(standardRequest(freshOrg()));

    const read = await altinn(t, 'GET', `systemuser/request/vendor/${created.json.id}`, {
      token: await other(),
    });
    const remove = await altinn(t, 'DELETE', `systemuser/request/vendor/${created.json.id}`, {
      token: await other(),
    });

    expect([read.status, remove.status]).toEqual([404, 404]);
    expect(read.json.code).toBe('AUTH-00011');
  });

  it('GET byexternalref finds the request by (system, org, externalRef), orgno standing in for none', async () => {
    const org = freshOrg();
    const plain = await createStandard(standardRequest(org));
    const withRef = await createStandard(standardRequest(org, { externalRef: 'avd/1 nord' }));
    const agent = await createAgent(agentRequest(freshOrg(), { externalRef: 'klient' }));
    const base = `systemuser/request/vendor/byexternalref/${DEMO.systemId}/${org}`;

    const byOrg = await altinn(t, 'GET', `${base}/${org}`, { token });
    const byRef = await altinn(t, 'GET', `${base}/${encodeURIComponent('avd/1 nord')}`, { token });
    const missing = await altinn(t, 'GET', `${base}/nope`, { token });
    const agentByRef = await altinn(
      t,
      'GET',
      `systemuser/request/vendor/agent/byexternalref/${DEMO.systemId}/${agent.json.partyOrgNo}/klient`,
      { token },
    );
    const agentOnStandard = await altinn(
      t,
      'GET',
      `systemuser/request/vendor/byexternalref/${DEMO.systemId}/${agent.json.partyOrgNo}/klient`,
      { token },
    );

    expect(byOrg.json.id).toBe(plain.json.id);
    expect(byRef.json.id).toBe(withRef.json.id);
    expect(missing.status).toBe(404);
    expect(missing.json.code).toBe('AUTH-00010');
    expect(agentByRef.json.id).toBe(agent.json.id);
    expect(agentOnStandard.status).toBe(404);
  });

  it('DELETE answers 202, after which the id is 404 AUTH-00010', async () => {
    const created = await createAgent(agentRequest(freshOrg()));

    const deleted = await altinn(t, 'DELETE', `systemuser/request/vendor/${created.json.id}`, {
      token,
    });
    const again = await altinn(t, 'DELETE', `systemuser/request/vendor/${created.json.id}`, {
      token,
    });
    const read = await altinn(t, 'GET', `systemuser/request/vendor/agent/${created.json.id}`, {
      token,
    });

    expect(deleted.status).toBe(202);
    expect(again.status).toBe(404);
    expect(read.json.code).toBe('AUTH-00010');
  });

  it('accepts an exchanged Altinn token as the bearer too', async () => {
    const exchanged = await altinn(t, 'GET', t.sandbox.altinnApi.exchangeUrl, { token });

    const answer = await createStandard(standardRequest(freshOrg()), exchanged.text);

    expect(answer.status).toBe(201);
  });
});
