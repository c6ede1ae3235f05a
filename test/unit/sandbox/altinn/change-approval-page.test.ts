import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO } from '../../../../shared/sandbox/demo.js';
import { altinn, submitDecision, vendorToken } from '../../../support/altinn-vendor.js';
import { startTestSandbox, type TestSandbox } from '../../../support/sandbox-fixture.js';
import { systemUserDetails } from '../../../support/sandbox-grants.js';
import { orgSupply } from './support.js';

// The change request's confirmUrl: the customer's page, with the request page's form handling.
// Accepting applies the change to the system user (Svc/ChangeRequestSystemUserService.cs,
// ApproveAndDelegateChangeOnSystemUser), so Maskinporten's next system-user token sees it.

let t: TestSandbox;
let token: string;
const freshOrg = orgSupply(31_600_000, 40);
const { right, payrollRight, standardPackage, redirectUrl } = DEMO.onboarding;
const { accounting, payroll } = DEMO.governedScopes;

beforeAll(async () => {
  t = await startTestSandbox();
  token = await vendorToken(t);
});
afterAll(() => t.sandbox.close());
beforeEach(() => t.sandbox.altinnApi.stats.reset());

function systemUser() {
  return t.sandbox.altinn.createSystemUser({
    systemId: DEMO.systemId,
    reporteeOrgNo: freshOrg(),
    rights: [structuredClone(right) as never],
    accessPackages: [],
  });
}

async function changeRequest(systemUserId: string, body: Record<string, unknown>) {
  const id = randomUUID();
  const answer = await altinn(
    t,
    'POST',
    `systemuser/changerequest/vendor?correlation-id=${id}&system-user-id=${systemUserId}`,
    { token, body },
  );
  expect(answer.status).toBe(201);
  return answer.json as { id: string; confirmUrl: string };
}

const tokenFor = (org: string, scope: string) =>
  t.requestToken({ scope, claims: { authorization_details: systemUserDetails(org) } });

const statusOf = async (id: string) =>
  (await altinn(t, 'GET', `systemuser/changerequest/vendor/${id}`, { token })).json.status;

describe('GET the change request confirmUrl', () => {
  it('shows what changes, escaped, with Approve and Reject posting to the same URL', async () => {
    const user = systemUser();
    const cr = await changeRequest(user.id, {
      requiredRights: [payrollRight],
      unwantedRights: [{ resource: [{ id: 'urn:altinn:resource', value: '<b>bort</b>' }] }],
    });

    const response = await fetch(cr.confirmUrl);
    const html = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(html).toContain(`Demo-megler ønsker å endre systembrukeren for ${user.reporteeOrgNo}`);
    expect(html).toContain('<code>demo-lonn</code>');
    expect(html).toContain('&lt;b&gt;bort&lt;/b&gt;');
    expect(html).not.toContain('<b>bort');
    const action = new URL(cr.confirmUrl);
    expect(html).toContain(
      `<form method="post" action="${action.pathname}${action.search.replace('&', '&amp;')}">`,
    );
    expect(html).toContain('name="decision" value="accept"');
    expect(html).toContain('name="decision" value="reject"');
    expect(t.sandbox.altinnApi.stats.calls).toMatchObject({ 'GET change approval': 1 });
  });

  it('answers 404 to an unknown, malformed or deleted id', async () => {
    const cr = await changeRequest(systemUser().id, { requiredRights: [payrollRight] });
    await altinn(t, 'DELETE', `systemuser/changerequest/vendor/${cr.id}`, { token });
    const base = cr.confirmUrl.split('?')[0] as string;

    for (const url of [`${base}?id=${randomUUID()}`, `${base}?id=%3Cx%3E`, cr.confirmUrl]) {
      const response = await fetch(url);
      expect(response.status).toBe(404);
      expect(await response.text()).toContain('Fant ikke forespørselen');
    }
  });
});

describe('POST the change request confirmUrl', () => {
  it('approve: 303 to the redirectUrl, Accepted, and the newly required right works in a token', async () => {
    const user = systemUser();
    const before = await tokenFor(user.reporteeOrgNo, payroll);
    const cr = await changeRequest(user.id, { requiredRights: [payrollRight], redirectUrl });

    const answer = await submitDecision(cr.confirmUrl, { decision: 'accept' });
    const after = await tokenFor(user.reporteeOrgNo, payroll);

    expect(before.status).toBe(403);
    expect(before.json['error_description']).toMatch(/^MP-301 /);
    expect(answer.status).toBe(303);
    expect(answer.location).toBe(redirectUrl);
    expect(await statusOf(cr.id)).toBe('Accepted');
    expect(after.status).toBe(200);
    expect(t.sandbox.altinn.getSystemUser(user.id)?.rights).toEqual([right, payrollRight]);
    expect(t.sandbox.altinnApi.stats.changeDecisions).toEqual({ accepted: 1, rejected: 0 });
  });

  it('approve: an unwanted right is taken away, and its scope is refused afterwards', async () => {
    const user = systemUser();
    const before = await tokenFor(user.reporteeOrgNo, accounting);
    const cr = await changeRequest(user.id, {
      unwantedRights: [right],
      requiredAccessPackages: [{ urn: standardPackage }],
      unwantedAccessPackages: [{ urn: standardPackage }],
    });

    const answer = await submitDecision(cr.confirmUrl, { decision: 'accept' });
    const after = await tokenFor(user.reporteeOrgNo, accounting);

    expect(before.status).toBe(200);
    expect(answer.status).toBe(200);
    expect(answer.html).toContain('Endringen er godkjent');
    // required and unwanted at once: delegated first, revoked after
    expect(t.sandbox.altinn.getSystemUser(user.id)).toMatchObject({
      rights: [],
      accessPackages: [],
    });
    expect(after.status).toBe(403);
    expect(after.json['error_description']).toMatch(/^MP-301 /);
  });

  it('reject: Rejected, and the system user keeps what it had', async () => {
    const user = systemUser();
    const cr = await changeRequest(user.id, { requiredRights: [payrollRight] });

    const answer = await submitDecision(cr.confirmUrl, { decision: 'reject' });

    expect(answer.status).toBe(200);
    expect(answer.html).toContain('Endringen er avvist');
    expect(await statusOf(cr.id)).toBe('Rejected');
    expect(t.sandbox.altinn.getSystemUser(user.id)?.rights).toEqual([right]);
    expect((await tokenFor(user.reporteeOrgNo, payroll)).status).toBe(403);
  });

  it('answers 409 to a second decision and keeps the first', async () => {
    const cr = await changeRequest(systemUser().id, { requiredRights: [payrollRight] });
    await submitDecision(cr.confirmUrl, { decision: 'reject' });

    const again = await submitDecision(cr.confirmUrl, { decision: 'accept' });

    expect(again.status).toBe(409);
    expect(again.html).toContain('allerede behandlet');
    expect(again.html).not.toContain('name="decision"');
    expect(await statusOf(cr.id)).toBe('Rejected');
  });

  it('answers 409 when the system user was deleted before the approval', async () => {
    const user = systemUser();
    const cr = await changeRequest(user.id, { requiredRights: [payrollRight] });
    t.sandbox.altinn.deleteSystemUser(user.id);

    const answer = await submitDecision(cr.confirmUrl, { decision: 'accept' });

    expect(answer.status).toBe(409);
    expect(await statusOf(cr.id)).toBe('New');
  });

  it('answers 400 to a missing decision and 415 to a JSON body, changing nothing', async () => {
    const cr = await changeRequest(systemUser().id, { requiredRights: [payrollRight] });

    const missing = await submitDecision(cr.confirmUrl, { decision: 'maybe' });
    const json = await fetch(cr.confirmUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"decision":"accept"}',
    });

    expect(missing.status).toBe(400);
    expect(json.status).toBe(415);
    expect(await statusOf(cr.id)).toBe('New');
  });
});
