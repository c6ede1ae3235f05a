import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../../../shared/sandbox/demo.js';
import { altinn, otherVendor, vendorToken } from '../../../support/altinn-vendor.js';
import { startTestSandbox, type TestSandbox } from '../../../support/sandbox-fixture.js';

let t: TestSandbox;
let token: string;

beforeAll(async () => {
  t = await startTestSandbox();
  token = await vendorToken(t);
});
afterAll(() => t.sandbox.close());

const byQuery = (query: Record<string, string>, bearer = token) =>
  altinn(t, 'GET', `systemuser/vendor/byquery?${new URLSearchParams(query)}`, { token: bearer });

const { standard, withExternalRef, agent, withoutSystemUser } = DEMO.customers;

describe('GET systemuser/vendor/byquery', () => {
  it('returns the SystemUserExternalDTO of an active standard system user', async () => {
    const answer = await byQuery({ 'system-id': DEMO.systemId, orgno: standard.orgNo });

    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      id: standard.systemUserId,
      integrationTitle: 'Demo-megler',
      systemId: DEMO.systemId,
      productName: '',
      reporteeOrgNo: standard.orgNo,
      created: new Date(t.clock()).toISOString(),
      isDeleted: false,
      supplierName: '',
      supplierOrgno: DEMO.vendor.orgNo,
      externalRef: standard.orgNo,
      userType: 'standard',
    });
  });

  it('defaults external-ref to orgno when missing or empty', async () => {
    const empty = await byQuery({
      'system-id': DEMO.systemId,
      orgno: standard.orgNo,
      'external-ref': '',
    });

    expect(empty.json.id).toBe(standard.systemUserId);
  });

  it('needs the request-write scope although it is a GET (Ctl/SystemUserController.cs:245-275)', async () => {
    const readOnly = await vendorToken(t, 'altinn:authentication/systemuser.request.read');

    const answer = await byQuery({ 'system-id': DEMO.systemId, orgno: standard.orgNo }, readOnly);

    expect(answer.status).toBe(403);
  });

  it('needs the externalRef a system user was created with', async () => {
    const without = await byQuery({ 'system-id': DEMO.systemId, orgno: withExternalRef.orgNo });
    const withRef = await byQuery({
      'system-id': DEMO.systemId,
      orgno: withExternalRef.orgNo,
      'external-ref': withExternalRef.externalRef,
    });

    expect(without.status).toBe(404);
    expect(withRef.json.id).toBe(withExternalRef.systemUserId);
  });

  it('reports the agent user type', async () => {
    const answer = await byQuery({ 'system-id': DEMO.systemId, orgno: agent.orgNo });

    expect(answer.json.userType).toBe('agent');
  });

  it("answers a plain 404 (no AUTH code) when there is none, and for another vendor's system user (§4)", async () => {
    const other = await otherVendor(t);
    const none = await byQuery({ 'system-id': DEMO.systemId, orgno: withoutSystemUser.orgNo });
    const foreign = await byQuery(
      { 'system-id': DEMO.systemId, orgno: standard.orgNo },
      await other(),
    );

    expect([none.status, foreign.status]).toEqual([404, 404]);
    for (const answer of [none, foreign]) {
      expect(answer.json).toMatchObject({
        type: 'https://tools.ietf.org/html/rfc9110#section-15.5.5',
        title: 'Not Found',
        status: 404,
      });
      expect(answer.json).not.toHaveProperty('code');
    }
  });

  it('answers 404 once the customer deletes the system user', async () => {
    const user = t.sandbox.altinn.createSystemUser({
      systemId: DEMO.systemId,
      reporteeOrgNo: DEMO.onboarding.prospects[2],
    });
    t.sandbox.altinn.deleteSystemUser(user.id);

    const answer = await byQuery({
      'system-id': DEMO.systemId,
      orgno: DEMO.onboarding.prospects[2],
    });

    expect(answer.status).toBe(404);
  });

  it('answers 400 without system-id or orgno', async () => {
    const answer = await byQuery({ orgno: standard.orgNo });

    expect(answer.status).toBe(400);
    expect(answer.json.validationErrors[0]).toMatchObject({
      code: 'STD.VLD-00000',
      paths: ['/system-id'],
    });
  });
});
