import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../../../shared/sandbox/demo.js';
import {
  agentRequest,
  altinn,
  otherVendor,
  standardRequest,
  vendorToken,
} from '../../../support/altinn-vendor.js';
import { startTestSandbox, type TestSandbox } from '../../../support/sandbox-fixture.js';
import { orgSupply, orgsOutsideRegister, PATHS, post, registerSecondSystem } from './support.js';

// Every expectation here is written from ../shared/reference/altinn-vendor-api.md (§ and the
// Altinn/altinn-authentication source file it cites), not from the sandbox.

let t: TestSandbox;
let token: string;
let other: () => Promise<string>;
const freshOrg = orgSupply(31_100_000, 120);

beforeAll(async () => {
  t = await startTestSandbox();
  token = await vendorToken(t);
  other = await otherVendor(t);
});
afterAll(() => t.sandbox.close());

const createStandard = (body: unknown, bearer = token) => post(t, PATHS.standard, body, bearer);
const createAgent = (body: unknown, bearer = token) => post(t, PATHS.agent, body, bearer);
const code = (answer: { json: { code?: string } }) => answer.json?.code;

describe('POST systemuser/request/vendor: answers (§3.1)', () => {
  it('201 with Location (no vendor/), the RequestSystemResponse members in order, timedOut false', async () => {
    const org = freshOrg();

    const answer = await createStandard(standardRequest(org));

    expect(answer.status).toBe(201);
    const id = answer.json.id as string;
    // Ctl/RequestSystemUserController.cs:135-137: {PlatformEndpoint}authentication/api/v1/systemuser/request/{id}
    expect(answer.headers.get('location')).toBe(
      `${t.sandbox.altinnPlatformUrl}/authentication/api/v1/systemuser/request/${id}`,
    );
    // Models/SystemUsers/RequestSystemResponse.cs, camelCase, nulls left out (AuthenticationHost.cs:76-80)
    expect(Object.keys(answer.json)).toEqual([
      'id',
      'integrationTitle',
      'externalRef',
      'systemId',
      'partyOrgNo',
      'rights',
      'accessPackages',
      'status',
      'redirectUrl',
      'confirmUrl',
      'escalated',
      'created',
      'timedOut',
    ]);
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
      timedOut: false, // Svc/RequestSystemUserService.cs:153
    });
  });

  it('agent: the agentrequest confirmUrl and no rights member (AgentRequestSystemResponse.cs)', async () => {
    const org = freshOrg();

    const answer = await createAgent(agentRequest(org, { externalRef: 'klient-a' }));

    expect(answer.status).toBe(201);
    expect(answer.json).toMatchObject({
      externalRef: 'klient-a',
      partyOrgNo: org,
      accessPackages: [{ urn: DEMO.onboarding.agentPackage }],
      status: 'New',
      timedOut: false, // Svc/RequestSystemUserService.cs:239
      confirmUrl: `${t.sandbox.url}/sandbox/am/accessmanagement/ui/systemuser/agentrequest?id=${answer.json.id}&DONTCHOOSEREPORTEE=true`,
    });
    expect(answer.json).not.toHaveProperty('rights');
  });
});

describe('POST: step 2, an active system user for the key is 400 AUTH-00004 (§3.2; Ctl/RequestSystemUserController.cs:116-120)', () => {
  it('is HTTP 400, comes before every other check, and does not look at the vendor', async () => {
    const { standard } = DEMO.customers;
    const body = standardRequest(standard.orgNo, {
      rights: [{ resource: [{ id: 'urn:altinn:resource', value: 'not-on-the-system' }] }],
      redirectUrl: 'https://elsewhere.example/',
    });

    const own = await createStandard(body);
    const foreign = await createStandard(body, await other());
    const agentRoute = await createAgent(agentRequest(standard.orgNo, { accessPackages: [] }));

    for (const answer of [own, foreign, agentRoute]) {
      expect(answer.status).toBe(400);
      expect(answer.json).toMatchObject({
        type: 'urn:altinn:error:AUTH-00004',
        code: 'AUTH-00004',
        title: 'Failed to create new SystemUser, existing SystemUser tied to the given System-Id.',
      });
    }
  });

  it('uses externalRef ?? partyOrgNo: the orgno as externalRef is the same key', async () => {
    const { standard, withExternalRef } = DEMO.customers;

    const byOrg = await createStandard(
      standardRequest(standard.orgNo, { externalRef: standard.orgNo }),
    );
    const otherRef = await createStandard(
      standardRequest(standard.orgNo, { externalRef: 'avd-2' }),
    );
    const missingRef = await createStandard(standardRequest(withExternalRef.orgNo));
    const sameRef = await createStandard(
      standardRequest(withExternalRef.orgNo, { externalRef: withExternalRef.externalRef }),
    );

    expect(code(byOrg)).toBe('AUTH-00004');
    expect(otherRef.status).toBe(201);
    expect(missingRef.status).toBe(201);
    expect(code(sameRef)).toBe('AUTH-00004');
  });
});

describe("POST: step 3, the vendor's request for the key comes back 200 (§3.2; Svc/RequestSystemUserService.cs:336-365)", () => {
  it.each(['New', 'Rejected', 'Denied', 'Accepted'] as const)(
    'whatever its status: %s',
    async (status) => {
      const org = freshOrg();
      const first = await createStandard(standardRequest(org, { externalRef: 'kunde-1' }));
      if (status !== 'New') t.sandbox.altinnApi.setRequestStatus(first.json.id, status);

      const again = await createStandard(
        standardRequest(org, { externalRef: 'kunde-1', rights: [], redirectUrl: 'nonsense' }),
      );

      expect(again.status).toBe(200);
      expect(again.headers.get('location')).toBeNull();
      expect(again.json).toMatchObject({
        id: first.json.id,
        status,
        escalated: false,
        confirmUrl: first.json.confirmUrl,
        rights: [DEMO.onboarding.right],
      });
    },
  );

  it('whatever its age: older than 180 days it still comes back, flagged timedOut (§3.3)', async () => {
    const org = freshOrg();
    const first = await createStandard(standardRequest(org));
    t.sandbox.altinnApi.ageRequest(first.json.id, 400);

    const again = await createStandard(standardRequest(org));

    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ id: first.json.id, status: 'New', timedOut: true });
  });

  it('per type: an agent create finds the agent request, with the stored escalated', async () => {
    const org = freshOrg();
    const agent = await createAgent(agentRequest(org));

    const again = await createAgent(agentRequest(org, { accessPackages: [] }));

    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ id: agent.json.id, escalated: false });
  });

  it('skips a legacy Timedout row: a new request is created and the old row stays (§3.3)', async () => {
    const org = freshOrg();
    const old = await createStandard(standardRequest(org));
    t.sandbox.altinnApi.setRequestStatus(old.json.id, 'Timedout');

    const renewed = await createStandard(standardRequest(org));
    const oldRow = await altinn(t, 'GET', PATHS.byId(old.json.id), { token });

    expect(renewed.status).toBe(201);
    expect(renewed.json.id).not.toBe(old.json.id);
    expect(oldRow.json).toMatchObject({ id: old.json.id, status: 'Timedout' });
  });
});

describe('POST: externalRef null, "" and whitespace (§3.2 "Idempotency consequences")', () => {
  it('absent: the orgno is the key and is stored, so both spellings find the same request', async () => {
    const org = freshOrg();
    const first = await createStandard(standardRequest(org));
    const byOrg = await createStandard(standardRequest(org, { externalRef: org }));

    expect(first.json.externalRef).toBe(org);
    expect(byOrg.status).toBe(200);
    expect(byOrg.json.id).toBe(first.json.id);
  });

  it.each([
    ['""', ''],
    ['whitespace (trimmed to "")', '   '],
  ])(
    '%s is stored as the orgno but looked up as "": every POST creates a new request',
    async (_label, externalRef) => {
      const org = freshOrg();

      const first = await createStandard(standardRequest(org, { externalRef }));
      const second = await createStandard(standardRequest(org, { externalRef }));

      expect([first.status, second.status]).toEqual([201, 201]);
      expect(second.json.id).not.toBe(first.json.id);
      expect(first.json.externalRef).toBe(org);
    },
  );

  it('"" even skips AUTH-00004 for a customer who has a system user', async () => {
    const answer = await createStandard(
      standardRequest(DEMO.customers.standard.orgNo, { externalRef: '' }),
    );

    expect(answer.status).toBe(201);
    expect(answer.json.externalRef).toBe(DEMO.customers.standard.orgNo);
  });
});

describe('POST: step 4, CreateRequest (§3.2; Svc/RequestSystemUserService.cs:50-284)', () => {
  it('4.1 an unknown system is 404 AUTH-00011; a soft-deleted one is still found', async () => {
    const deleted = registerSecondSystem(t, 'deleted_later');
    t.sandbox.altinn.deleteSystem(deleted.id);

    const unknown = await createStandard(standardRequest(freshOrg(), { systemId: 'nope' }));
    const onDeleted = await createStandard(standardRequest(freshOrg(), { systemId: deleted.id }));

    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({
      code: 'AUTH-00011',
      title: 'The Id does not refer to a Registered System.',
    });
    expect(onDeleted.status).toBe(201);
  });

  it.each([
    ['Accepted', 'AUTH-00006'],
    ['New', 'AUTH-00007'],
    ['Denied', 'AUTH-00008'],
    ['Rejected', 'AUTH-00009'],
  ] as const)(
    '4.2 another vendor posting for the key of a %s standard request gets %s, before the vendor check',
    async (status, expected) => {
      const org = freshOrg();
      const request = await createStandard(standardRequest(org));
      if (status !== 'New') t.sandbox.altinnApi.setRequestStatus(request.json.id, status);

      const answer = await createStandard(standardRequest(org), await other());

      expect(answer.status).toBe(400);
      expect(code(answer)).toBe(expected);
    },
  );

  it('4.2 is asymmetric: an agent create sees the standard request (AUTH-00007), a standard create does not see the agent one', async () => {
    const first = freshOrg();
    const second = freshOrg();
    await createStandard(standardRequest(first));
    await createAgent(agentRequest(second));

    const agentAfterStandard = await createAgent(agentRequest(first));
    const standardAfterAgent = await createStandard(standardRequest(second));

    expect(agentAfterStandard.status).toBe(400);
    expect(code(agentAfterStandard)).toBe('AUTH-00007');
    expect(standardAfterAgent.status).toBe(201);
  });

  it('4.3 a system of another vendor is 404 AUTH-00011 when no request exists for the key', async () => {
    const answer = await createStandard(standardRequest(freshOrg()), await other());

    expect(answer.status).toBe(404);
    expect(code(answer)).toBe('AUTH-00011');
  });

  it('4.4 an orgno not in the Entity Register is 400 AUTH-00000 though its check digit is valid; 201 once registered', async () => {
    const [unknown] = orgsOutsideRegister(1) as [string];

    const before = await createStandard(standardRequest(unknown));
    t.sandbox.altinn.entityRegister.add(unknown, 'Nyregistrert AS');
    const after = await createStandard(standardRequest(unknown));
    const badCheckDigit = await createStandard(standardRequest('123456789'));

    expect(before.status).toBe(400);
    expect(before.json).toMatchObject({
      code: 'AUTH-00000',
      title: "Can't resolve the Organisation Number from the logged in Reportee PartyId.",
    });
    expect(after.status).toBe(201);
    expect(code(badCheckDigit)).toBe('AUTH-00000');
  });

  it('checks in order: AUTH-00011 (vendor) before AUTH-00000 (ER) before the redirect and the rights', async () => {
    const [unknown] = orgsOutsideRegister(2).slice(1) as [string];
    const everythingWrong = standardRequest(unknown, {
      redirectUrl: 'https://elsewhere.example/',
      rights: [{ resource: [{ id: 'urn:altinn:resource', value: 'not-on-the-system' }] }],
    });

    const foreign = await createStandard(everythingWrong, await other());
    const own = await createStandard(everythingWrong);
    const knownOrg = await createStandard({ ...everythingWrong, partyOrgNo: freshOrg() });

    expect(code(foreign)).toBe('AUTH-00011');
    expect(code(own)).toBe('AUTH-00000');
    expect(code(knownOrg)).toBe('AUTH-00021');
  });

  it.each([
    ['another path', 'https://vendor.example/other'],
    ['another host', 'https://evil.example/onboarding/done'],
    ['http', 'http://vendor.example/onboarding/done'],
    ['a path prefix', 'https://vendor.example/onboarding/done/more'],
  ])('4.5 refuses a redirectUrl with %s: AUTH-00021', async (_label, redirectUrl) => {
    const answer = await createStandard(standardRequest(freshOrg(), { redirectUrl }));

    expect(answer.status).toBe(400);
    expect(code(answer)).toBe('AUTH-00021');
  });

  it('4.5 compares up to the path: another query is fine; "" skips the check and is echoed', async () => {
    const query = await createStandard(
      standardRequest(freshOrg(), { redirectUrl: `${DEMO.onboarding.redirectUrl}?kunde=1#x` }),
    );
    const empty = await createStandard(standardRequest(freshOrg(), { redirectUrl: '' }));
    const absent = await createStandard(standardRequest(freshOrg(), { redirectUrl: undefined }));

    expect([query.status, empty.status, absent.status]).toEqual([201, 201, 201]);
    expect(empty.json.redirectUrl).toBe('');
    expect(absent.json).not.toHaveProperty('redirectUrl');
  });

  it('4.5 a system without allowed URLs is AUTH-00026; a relative URL makes new Uri throw: 500', async () => {
    t.sandbox.altinn.registerSystem({
      id: `${DEMO.vendor.orgNo}_no_redirects`,
      vendorOrgNo: DEMO.vendor.orgNo,
      rights: [DEMO.onboarding.right as never],
    });

    const none = await createStandard(
      standardRequest(freshOrg(), { systemId: `${DEMO.vendor.orgNo}_no_redirects` }),
    );
    const relative = await createStandard(standardRequest(freshOrg(), { redirectUrl: '/done' }));

    expect(none.status).toBe(400);
    expect(code(none)).toBe('AUTH-00026');
    expect(relative.status).toBe(500);
  });

  it.each([
    ['rights and accessPackages both absent', { rights: undefined }, 'AUTH-00001'],
    ['both empty', { rights: [], accessPackages: [] }, 'AUTH-00059'],
    ['rights empty, packages absent', { rights: [] }, 'AUTH-00059'],
    [
      'a right the system does not have',
      { rights: [{ resource: [{ id: 'urn:altinn:resource', value: 'x' }] }] },
      'AUTH-00001',
    ],
    [
      'more rights than the system has',
      { rights: [DEMO.onboarding.right, DEMO.onboarding.right, DEMO.onboarding.right] },
      'AUTH-00001',
    ],
    [
      'a package the system does not have',
      { rights: [], accessPackages: [{ urn: 'urn:altinn:accesspackage:x' }] },
      'AUTH-00063',
    ],
    [
      'a client-relationship (not assignable) package',
      { rights: [], accessPackages: [{ urn: DEMO.onboarding.agentPackage }] },
      'AUTH-00064',
    ],
  ])('4.6 standard: refuses %s with %s', async (_label, change, expected) => {
    const answer = await createStandard(standardRequest(freshOrg(), change));

    expect(answer.status).toBe(400);
    expect(code(answer)).toBe(expected);
  });

  it('4.6 names the packages in the extension members (NotFoundPackages, NotDelegablePackages)', async () => {
    const notFound = await createStandard(
      standardRequest(freshOrg(), { accessPackages: [{ urn: 'urn:altinn:accesspackage:x' }] }),
    );
    const notAssignable = await createStandard(
      standardRequest(freshOrg(), { accessPackages: [{ urn: DEMO.onboarding.agentPackage }] }),
    );

    expect(notFound.json.NotFoundPackages).toBe('urn:altinn:accesspackage:x');
    expect(notAssignable.json).toMatchObject({
      code: 'AUTH-00064',
      title:
        'One or more access packages cannot be delegated. Either they are intended for clients or they cannot be delegated further.',
      NotDelegablePackages: DEMO.onboarding.agentPackage,
    });
  });

  it('4.6 accepts an assignable package without rights on a standard request', async () => {
    const answer = await createStandard(
      standardRequest(freshOrg(), {
        rights: undefined,
        accessPackages: [{ urn: DEMO.onboarding.standardPackage }],
      }),
    );

    expect(answer.status).toBe(201);
    expect(answer.json.rights).toEqual([]);
  });

  it.each([
    ['an empty package list', { accessPackages: [] }, 'AUTH-00058'],
    [
      'an ordinary (not client-relationship) package',
      { accessPackages: [{ urn: DEMO.onboarding.standardPackage }] },
      'AUTH-00065',
    ],
    [
      'a package the system does not have',
      { accessPackages: [{ urn: 'urn:altinn:accesspackage:ansvarlig-revisor' }] },
      'AUTH-00063',
    ],
  ])('4.6 agent: refuses %s with %s', async (_label, change, expected) => {
    const answer = await createAgent(agentRequest(freshOrg(), change));

    expect(answer.status).toBe(400);
    expect(code(answer)).toBe(expected);
  });

  it('agent: accessPackages is [Required], so an absent list is a model error, not AUTH-00058 (§3.1)', async () => {
    const answer = await createAgent({ systemId: DEMO.systemId, partyOrgNo: freshOrg() });

    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({
      code: 'STD-00000',
      validationErrors: [{ code: 'STD.VLD-00000', paths: ['/accessPackages'] }],
    });
  });

  it('4.8 a value longer than its varchar(255) column makes the insert throw: 500', async () => {
    const answer = await createStandard(
      standardRequest(freshOrg(), { externalRef: 'x'.repeat(256) }),
    );
    const fits = await createStandard(
      standardRequest(freshOrg(), { externalRef: 'x'.repeat(255) }),
    );

    expect(answer.status).toBe(500);
    expect(fits.status).toBe(201);
  });

  it('4.7 integrationTitle defaults to the system name (nb); "" stays ""', async () => {
    const absent = await createStandard(standardRequest(freshOrg()));
    const empty = await createStandard(standardRequest(freshOrg(), { integrationTitle: '' }));

    expect(absent.json.integrationTitle).toBe('Demo-megler');
    expect(empty.json.integrationTitle).toBe('');
  });
});

describe('POST: model binding (§1, §3.1)', () => {
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

  it('reads Altinn-cased input (case-insensitive binding) and trims top-level strings', async () => {
    const org = freshOrg();
    const answer = await createStandard({
      SystemId: ` ${DEMO.systemId} `,
      PARTYORGNO: `${org} `,
      ExternalRef: '  kunde ',
      Rights: [{ Resource: [{ ID: 'urn:altinn:resource', VALUE: 'demo-regnskap' }] }],
    });

    expect(answer.status).toBe(201);
    expect(answer.json).toMatchObject({ partyOrgNo: org, externalRef: 'kunde' });
  });

  it('refuses rights on an agent request (stricter than Altinn, which would drop them silently)', async () => {
    const answer = await createAgent(agentRequest(freshOrg(), { rights: [DEMO.onboarding.right] }));

    expect(answer.status).toBe(400);
    expect(answer.json.validationErrors[0]).toMatchObject({ paths: ['/rights'] });
  });

  it('accepts an exchanged Altinn token as the bearer too (§1 "Token")', async () => {
    const exchanged = await altinn(t, 'GET', t.sandbox.altinnApi.exchangeUrl, { token });

    const answer = await createStandard(standardRequest(freshOrg()), exchanged.text);

    expect(answer.status).toBe(201);
  });
});

describe('a second system of the same vendor', () => {
  it('takes requests of its own, under its own key', async () => {
    const second = registerSecondSystem(t, 'second');
    const org = freshOrg();

    const onDemo = await createStandard(standardRequest(org));
    const onSecond = await createStandard(standardRequest(org, { systemId: second.id }));

    expect([onDemo.status, onSecond.status]).toEqual([201, 201]);
    expect(onSecond.json.systemId).toBe(second.id);
  });
});
