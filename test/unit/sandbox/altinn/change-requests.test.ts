import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../../../shared/sandbox/demo.js';
import { altinn, OTHER_VENDOR, otherVendor, vendorToken } from '../../../support/altinn-vendor.js';
import { startTestSandbox, type TestSandbox } from '../../../support/sandbox-fixture.js';
import { orgSupply, orgsOutsideRegister } from './support.js';

// Change requests, written from ../shared/reference/altinn-vendor-api.md §5
// (Ctl/ChangeRequestSystemUserController.cs, Svc/ChangeRequestSystemUserService.cs).

let t: TestSandbox;
let token: string;
let otherToken: string;
const freshOrg = orgSupply(31_500_000, 60);
const BASE = 'systemuser/changerequest/vendor';
const THEIR_SYSTEM = `${OTHER_VENDOR}_their_system`;
const { right, payrollRight, standardPackage, agentPackage, redirectUrl } = DEMO.onboarding;
const MISSING_CORRELATION_ID =
  'Missing or invalid QueryParameter: correlation-id. Generate a unique UUID (RFC 4122) for this Change Request, and add as a Query Parameter.';

beforeAll(async () => {
  t = await startTestSandbox();
  token = await vendorToken(t);
  otherToken = await (await otherVendor(t))();
  t.sandbox.altinn.registerSystem({
    id: THEIR_SYSTEM,
    vendorOrgNo: OTHER_VENDOR,
    rights: [structuredClone(right) as never, structuredClone(payrollRight) as never],
  });
});
afterAll(() => t.sandbox.close());

/** A standard system user of the demo system with the accounting right and the standard package. */
function freshSystemUser(systemId: string = DEMO.systemId, reporteeOrgNo = freshOrg()) {
  return t.sandbox.altinn.createSystemUser({
    systemId,
    reporteeOrgNo,
    rights: [structuredClone(right) as never],
    accessPackages: systemId === DEMO.systemId ? [{ urn: standardPackage }] : [],
  });
}

function postChange(
  query: { correlationId?: string; systemUserId?: string },
  body: unknown,
  bearer = token,
  headers: Record<string, string> = {},
) {
  const params = new URLSearchParams();
  if (query.correlationId !== undefined) params.set('correlation-id', query.correlationId);
  if (query.systemUserId !== undefined) params.set('system-user-id', query.systemUserId);
  return altinn(t, 'POST', `${BASE}?${params}`, { token: bearer, body, headers });
}

const addPayroll = { requiredRights: [payrollRight] };

describe('POST vendor?correlation-id=&system-user-id= (§5 "POST steps")', () => {
  it('201: the id is the correlation id, Location, and ChangeRequestResponse in order', async () => {
    const user = freshSystemUser();
    const correlationId = randomUUID();

    const answer = await postChange(
      { correlationId: correlationId.toUpperCase(), systemUserId: user.id },
      { ...addPayroll, unwantedAccessPackages: [{ urn: standardPackage }], redirectUrl },
    );

    expect(answer.status).toBe(201);
    expect(answer.headers.get('location')).toBe(
      `${t.sandbox.altinnPlatformUrl}/authentication/api/v1/systemuser/changerequest/${correlationId}`,
    );
    expect(Object.keys(answer.json)).toEqual([
      'id',
      'externalRef',
      'systemId',
      'systemUserId',
      'partyOrgNo',
      'requiredRights',
      'unwantedRights',
      'requiredAccessPackages',
      'unwantedAccessPackages',
      'status',
      'redirectUrl',
      'confirmUrl',
      'created',
      'timedOut',
    ]);
    expect(answer.json).toEqual({
      id: correlationId,
      externalRef: user.externalRef,
      systemId: DEMO.systemId,
      systemUserId: user.id,
      partyOrgNo: user.reporteeOrgNo,
      requiredRights: [payrollRight],
      unwantedRights: [],
      requiredAccessPackages: [],
      unwantedAccessPackages: [{ urn: standardPackage }],
      status: 'New',
      redirectUrl,
      confirmUrl: `${t.sandbox.url}/sandbox/am/accessmanagement/ui/systemuser/changerequest?id=${correlationId}&DONTCHOOSEREPORTEE=true`,
      created: new Date(t.clock()).toISOString(),
      timedOut: false,
    });
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['all zeros', '00000000-0000-0000-0000-000000000000'],
  ])(
    'step 1: a %s correlation-id is 400 with a plain string, not a problem',
    async (_label, correlationId) => {
      const user = freshSystemUser();

      const answer = await postChange(
        { ...(correlationId === undefined ? {} : { correlationId }), systemUserId: user.id },
        addPayroll,
      );

      expect(answer.status).toBe(400);
      expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(answer.text).toBe(MISSING_CORRELATION_ID);
    },
  );

  it('step 1: the string is a JSON string for a client that accepts only JSON; a malformed GUID is a model error', async () => {
    const user = freshSystemUser();

    const json = await postChange({ systemUserId: user.id }, addPayroll, token, {
      accept: 'application/json',
    });
    const malformed = await postChange(
      { correlationId: 'nope', systemUserId: user.id },
      addPayroll,
    );

    expect(json.json).toBe(MISSING_CORRELATION_ID);
    expect(malformed.status).toBe(400);
    expect(malformed.json).toMatchObject({
      code: 'STD-00000',
      validationErrors: [{ paths: ['/correlation-id'] }],
    });
  });

  it('step 3: no active system user with that id (or none given) is 404 AUTH-00015', async () => {
    const deleted = freshSystemUser();
    t.sandbox.altinn.deleteSystemUser(deleted.id);

    const unknown = await postChange(
      { correlationId: randomUUID(), systemUserId: randomUUID() },
      addPayroll,
    );
    const missing = await postChange({ correlationId: randomUUID() }, addPayroll);
    const gone = await postChange(
      { correlationId: randomUUID(), systemUserId: deleted.id },
      addPayroll,
    );

    for (const answer of [unknown, missing, gone]) {
      expect(answer.status).toBe(404);
      expect(answer.json).toMatchObject({
        code: 'AUTH-00015',
        title: 'The SystemUser was not found.',
      });
    }
  });

  it('step 4: a correlation-id equal to the system user id is 400 with a plain string', async () => {
    const user = freshSystemUser();

    const answer = await postChange({ correlationId: user.id, systemUserId: user.id }, addPayroll);

    expect(answer.status).toBe(400);
    expect(answer.text).toBe(
      'The correlation-id should not be the same as the system-user-id. Generate a unique id.',
    );
  });

  it("step 5: another vendor's system user is a bare 401 (Unauthorized(), no AUTH code, no challenge)", async () => {
    const user = freshSystemUser();

    const answer = await postChange(
      { correlationId: randomUUID(), systemUserId: user.id },
      addPayroll,
      otherToken,
    );

    expect(answer.status).toBe(401);
    expect(answer.json).toMatchObject({ status: 401, title: 'Unauthorized' });
    expect(answer.json).not.toHaveProperty('code');
    expect(answer.headers.get('www-authenticate')).toBeNull();
  });

  it('step 6: four empty lists are 200 NoChangeNeeded, not stored', async () => {
    const user = freshSystemUser();
    const correlationId = randomUUID();

    const empty = await postChange(
      { correlationId, systemUserId: user.id },
      { redirectUrl: ' https://x.example ' },
    );
    const read = await altinn(t, 'GET', `${BASE}/${correlationId}`, { token });
    const later = await postChange({ correlationId, systemUserId: user.id }, addPayroll);

    expect(empty.status).toBe(200);
    expect(empty.json).toEqual({
      id: correlationId,
      externalRef: user.externalRef,
      systemId: DEMO.systemId,
      systemUserId: user.id,
      partyOrgNo: user.reporteeOrgNo,
      requiredRights: [],
      unwantedRights: [],
      requiredAccessPackages: [],
      unwantedAccessPackages: [],
      status: 'NoChangeNeeded',
      redirectUrl: 'https://x.example',
      confirmUrl: '',
      created: '0001-01-01T00:00:00',
      timedOut: false,
    });
    expect(read.json.code).toBe('AUTH-00010');
    expect(later.status).toBe(201);
  });

  it('step 6: a list sent as null makes Altinn throw: 500 [inferred]', async () => {
    const user = freshSystemUser();

    const answer = await postChange(
      { correlationId: randomUUID(), systemUserId: user.id },
      { requiredRights: null },
    );

    expect(answer.status).toBe(500);
  });

  it('step 7: the same correlation id answers 200 with the stored change request, whatever its status', async () => {
    const user = freshSystemUser();
    const correlationId = randomUUID();
    const first = await postChange({ correlationId, systemUserId: user.id }, addPayroll);

    const again = await postChange(
      { correlationId, systemUserId: user.id },
      { requiredRights: [right] },
    );
    t.sandbox.altinnApi.decideChange(correlationId, { decision: 'reject' });
    const afterReject = await postChange({ correlationId, systemUserId: user.id }, addPayroll);

    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.headers.get('location')).toBeNull();
    expect(again.json).toEqual(first.json);
    expect(afterReject.json).toMatchObject({ id: correlationId, status: 'Rejected' });
  });

  it('step 8.1: an agent system user is 404 AUTH-00015', async () => {
    const answer = await postChange(
      { correlationId: randomUUID(), systemUserId: DEMO.customers.agent.systemUserId },
      { requiredAccessPackages: [{ urn: agentPackage }] },
    );

    expect(answer.status).toBe(404);
    expect(answer.json.code).toBe('AUTH-00015');
  });

  it("step 8.2: another vendor's id is AUTH-00007 while New, then 409 AUTH-00061 (ValidateStatus)", async () => {
    const theirUser = freshSystemUser(THEIR_SYSTEM);
    const mine = freshSystemUser();
    const correlationId = randomUUID();
    await postChange({ correlationId, systemUserId: theirUser.id }, addPayroll, otherToken);

    const pending = await postChange({ correlationId, systemUserId: mine.id }, addPayroll);
    t.sandbox.altinnApi.decideChange(correlationId, { decision: 'reject' });
    const decided = await postChange({ correlationId, systemUserId: mine.id }, addPayroll);

    expect(pending.status).toBe(400);
    expect(pending.json.code).toBe('AUTH-00007');
    expect(decided.status).toBe(409);
    expect(decided.json).toMatchObject({
      code: 'AUTH-00061',
      title:
        'The Status of the Request is not New. Please generate a new CorrellationId for a new Change Request',
    });
  });

  it('step 8.3: a customer that is not in the Entity Register is 400 AUTH-00000', async () => {
    const [outside] = orgsOutsideRegister(3).slice(2) as [string];
    const user = freshSystemUser(DEMO.systemId, outside);

    const answer = await postChange(
      { correlationId: randomUUID(), systemUserId: user.id },
      addPayroll,
    );

    expect(answer.status).toBe(400);
    expect(answer.json.code).toBe('AUTH-00000');
  });

  it.each([
    [
      'a redirectUrl the system does not allow',
      { ...addPayroll, redirectUrl: 'https://evil.example/' },
      400,
      'AUTH-00021',
    ],
    [
      'a required right the system does not have',
      { requiredRights: [{ resource: [{ id: 'urn:altinn:resource', value: 'x' }] }] },
      400,
      'AUTH-00001',
    ],
    [
      'a required package the system does not have',
      { requiredAccessPackages: [{ urn: 'urn:altinn:accesspackage:x' }] },
      400,
      'AUTH-00063',
    ],
    [
      'a required client-relationship package',
      { requiredAccessPackages: [{ urn: agentPackage }] },
      400,
      'AUTH-00064',
    ],
    ['a relative redirectUrl', { ...addPayroll, redirectUrl: '/done' }, 500, undefined],
  ])('step 8.3: refuses %s', async (_label, body, status, code) => {
    const user = freshSystemUser();

    const answer = await postChange({ correlationId: randomUUID(), systemUserId: user.id }, body);

    expect(answer.status).toBe(status);
    if (code) expect(answer.json.code).toBe(code);
  });

  it('step 8.3: checks the redirect before the rights, and does not validate the unwanted lists', async () => {
    const user = freshSystemUser();
    const nonsense = [{ resource: [{ id: 'urn:altinn:resource', value: 'never-heard-of-it' }] }];

    const order = await postChange(
      { correlationId: randomUUID(), systemUserId: user.id },
      { requiredRights: nonsense, redirectUrl: 'https://evil.example/' },
    );
    const unwanted = await postChange(
      { correlationId: randomUUID(), systemUserId: user.id },
      { unwantedRights: nonsense, unwantedAccessPackages: [{ urn: 'urn:altinn:accesspackage:x' }] },
    );

    expect(order.json.code).toBe('AUTH-00021');
    expect(unwanted.status).toBe(201);
  });

  it('step 9: reusing the correlation id of a deleted change request violates the primary key: 500', async () => {
    const user = freshSystemUser();
    const correlationId = randomUUID();
    await postChange({ correlationId, systemUserId: user.id }, addPayroll);
    await altinn(t, 'DELETE', `${BASE}/${correlationId}`, { token });

    const again = await postChange({ correlationId, systemUserId: user.id }, addPayroll);

    expect(again.status).toBe(500);
    expect(again.json.detail).toMatch(/duplicate key/);
  });
});

describe('reading change requests (§5 "Reads")', () => {
  it('GET by id: 200 with the packages; 404 AUTH-00010 unknown; 404 AUTH-00011 another vendor; 400 malformed', async () => {
    const user = freshSystemUser();
    const correlationId = randomUUID();
    const created = await postChange(
      { correlationId, systemUserId: user.id },
      { requiredAccessPackages: [{ urn: standardPackage }] },
    );
    const theirs = randomUUID();
    await postChange(
      { correlationId: theirs, systemUserId: freshSystemUser(THEIR_SYSTEM).id },
      addPayroll,
      otherToken,
    );

    const own = await altinn(t, 'GET', `${BASE}/${correlationId}`, { token });
    const unknown = await altinn(t, 'GET', `${BASE}/${randomUUID()}`, { token });
    const foreign = await altinn(t, 'GET', `${BASE}/${theirs}`, { token });
    const malformed = await altinn(t, 'GET', `${BASE}/x`, { token });

    expect(own.json).toEqual(created.json);
    expect(unknown.json.code).toBe('AUTH-00010');
    expect(foreign.status).toBe(404);
    expect(foreign.json.code).toBe('AUTH-00011');
    expect(malformed.status).toBe(400);
  });

  it('byexternalref: the first change request of the system user, package lists left out', async () => {
    const user = freshSystemUser();
    const first = randomUUID();
    await postChange(
      { correlationId: first, systemUserId: user.id },
      { requiredAccessPackages: [{ urn: standardPackage }], requiredRights: [payrollRight] },
    );
    await postChange({ correlationId: randomUUID(), systemUserId: user.id }, addPayroll);
    const path = (systemId: string, ref: string) =>
      `${BASE}/byexternalref/${systemId}/${user.reporteeOrgNo}/${ref}`;

    const found = await altinn(t, 'GET', path(DEMO.systemId, user.externalRef), { token });
    const none = await altinn(t, 'GET', path(DEMO.systemId, 'nope'), { token });
    const foreign = await altinn(t, 'GET', path(DEMO.systemId, user.externalRef), {
      token: otherToken,
    });

    expect(found.json).toMatchObject({
      id: first,
      requiredRights: [payrollRight],
      requiredAccessPackages: [],
      unwantedAccessPackages: [],
      timedOut: false,
    });
    expect(found.json.confirmUrl).toContain(`changerequest?id=${first}`);
    expect(none.json.code).toBe('AUTH-00010');
    expect(foreign.json.code).toBe('AUTH-00011');
  });

  it('bysystem: links.next answers the first page again (the repository ignores the token)', async () => {
    t.sandbox.altinnApi.setPageSize(2);
    try {
      const first = await altinn(t, 'GET', `${BASE}/bysystem/${DEMO.systemId}`, { token });
      const next = await altinn(t, 'GET', first.json.links.next, { token });

      expect(first.json.data).toHaveLength(2);
      expect(first.json.links.next).toMatch(
        new RegExp(
          `^${t.sandbox.altinnPlatformUrl}/authentication/api/v1/${BASE}/bysystem/${DEMO.systemId}\\?token=`,
        ),
      );
      expect(next.json).toEqual(first.json);
      expect(first.json.data[0]).not.toHaveProperty('confirmUrl');
    } finally {
      t.sandbox.altinnApi.setPageSize(20);
    }
  });

  it("bysystem: 404 AUTH-00011 for another vendor's system", async () => {
    const answer = await altinn(t, 'GET', `${BASE}/bysystem/${DEMO.systemId}`, {
      token: otherToken,
    });

    expect(answer.json.code).toBe('AUTH-00011');
  });
});

describe('DELETE vendor/{requestId} (§5)', () => {
  it('202 without a body for any vendor, then 404 AUTH-00010 for reads and retries', async () => {
    const user = freshSystemUser();
    const correlationId = randomUUID();
    await postChange({ correlationId, systemUserId: user.id }, addPayroll);

    const deleted = await altinn(t, 'DELETE', `${BASE}/${correlationId}`, { token: otherToken });
    const read = await altinn(t, 'GET', `${BASE}/${correlationId}`, { token });
    const retried = await altinn(t, 'DELETE', `${BASE}/${correlationId}`, { token });

    expect(deleted.status).toBe(202);
    expect(deleted.text).toBe('');
    expect(read.json.code).toBe('AUTH-00010');
    expect(retried.status).toBe(404);
    expect(retried.json.code).toBe('AUTH-00010');
  });
});

describe('the 180-day flag on change requests (§5 "Reads")', () => {
  it('GET by id always says false; the list computes the repository flag', async () => {
    const user = freshSystemUser();
    const correlationId = randomUUID();
    await postChange({ correlationId, systemUserId: user.id }, addPayroll);
    t.clock.advance(181 * 86_400_000);
    const fresh = await vendorToken(t);

    const byId = await altinn(t, 'GET', `${BASE}/${correlationId}`, { token: fresh });
    const listed = await altinn(t, 'GET', `${BASE}/bysystem/${DEMO.systemId}`, { token: fresh });

    expect(byId.json.timedOut).toBe(false);
    expect(listed.json.data.every((cr: { timedOut: boolean }) => cr.timedOut)).toBe(true);
  });
});
