import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO } from '../../../shared/sandbox/demo.js';
import { validOrgNos } from '../../support/altinn-vendor.js';
import { type BrokerTransport, TRANSPORTS } from '../../support/broker-transports.js';
import {
  agentRequestOfOtherVendor,
  requestOfSecondSystem,
} from '../../support/foreign-requests.js';

// The broker's system-user routes against the rules of the real Altinn server, as
// `shared/reference/altinn-vendor-api.md` states them from Altinn/altinn-authentication@ad4f6f3.
// Each case names the rule it depends on; the expectations are the reference's, not the sandbox's
// (the sandbox follows the reference, and is tested against it in test/unit/sandbox/altinn).
// Over the local server and the Lambda handler.

const DELETE_ROUTE = 'DELETE systemuser/request/vendor/{requestId}';

describe.each(TRANSPORTS)("Altinn's request rules through the broker over %s", (_name, start) => {
  let broker: BrokerTransport;
  // Fresh customers in the demo's synthetic Entity Register block (31...): one per case.
  const orgs = validOrgNos(12, 31_880_000);
  let next = 0;
  const freshOrg = () => orgs[next++] as string;

  beforeAll(async () => {
    broker = await start();
  });
  beforeEach(() => {
    broker.sandbox.altinnApi.stats.reset();
  });
  afterAll(async () => {
    await broker.close();
  });

  const create = (org: string) =>
    broker.call({
      path: '/v1/systemuser-requests',
      body: { org, type: 'standard', accessPackages: [DEMO.onboarding.standardPackage] },
    });
  const read = (id: string) =>
    broker.call({ method: 'GET', path: `/v1/systemuser-requests/${id}` });
  const remove = (id: string) =>
    broker.call({ method: 'DELETE', path: `/v1/systemuser-requests/${id}` });
  const deletesSent = () => broker.sandbox.altinnApi.stats.calls[DELETE_ROUTE] ?? 0;

  // §3.3: `timedOut = created < now − 180 days` on every read, whatever the status; `status` is
  // never rewritten (Repo/RequestRepository.cs:23, 473-476). §3.2 step 2: AUTH-00004 once the
  // system user exists (RequestSystemUserController.cs:116-120).
  it('an accepted request aged past 180 days reads Accepted with timedOut: true, and its customer is not re-onboarded', async () => {
    const org = freshOrg();
    const created = await create(org);
    expect(created.status).toBe(201);
    const { id } = created.json;
    expect(broker.sandbox.altinnApi.decide(id, { decision: 'accept' }).ok).toBe(true);
    broker.sandbox.altinnApi.ageRequest(id, 181);

    const byId = await read(id);
    expect(byId.status).toBe(200);
    expect(byId.json).toMatchObject({ id, status: 'Accepted', timedOut: true });
    const byOrg = await broker.call({ method: 'GET', path: `/v1/systemuser-requests?org=${org}` });
    expect(byOrg.json).toMatchObject({ id, status: 'Accepted', timedOut: true });
    const user = await broker.call({ method: 'GET', path: `/v1/systemusers?org=${org}` });
    expect(user.json).toMatchObject({ exists: true });

    const again = await create(org);
    expect(again.status).toBe(409);
    expect(again.json.altinn_error).toMatchObject({ error: 'AUTH-00004' });
    expect(deletesSent()).toBe(0);
  });

  // §3.2 step 3: a repeated POST answers 200 with the old request, whatever its status and age
  // (RequestSystemUserController.cs:122-128; Svc/RequestSystemUserService.cs:336-365); §8.1: to
  // ask again, DELETE it and POST again.
  it.each(['New', 'Rejected'] as const)(
    'a POST after a timed-out %s request gets 201 and a new id, and the old one is gone',
    async (status) => {
      const org = freshOrg();
      const first = await create(org);
      const old = first.json.id as string;
      if (status === 'Rejected') broker.sandbox.altinnApi.decide(old, { decision: 'reject' });
      broker.sandbox.altinnApi.ageRequest(old, 181);

      const again = await create(org);

      expect(again.status).toBe(201);
      expect(again.json).toMatchObject({ status: 'New', timedOut: false, partyOrgNo: org });
      expect(again.json.id).not.toBe(old);
      expect((await read(old)).status).toBe(404);
      expect(broker.sandbox.altinnApi.getRequest(old)).toBeUndefined();
      expect((await read(again.json.id)).json).toMatchObject({ id: again.json.id, status: 'New' });
      expect(deletesSent()).toBe(1);
      const audit = broker.logger.entries.find((e) => e.fields?.['replacedTimedOut'] === old);
      expect(audit?.message).toBe('system-user call');
      expect(audit?.fields).toMatchObject({
        requestId: again.json.id,
        action: 'create request',
        outcome: 201,
        replacedTimedOut: old,
      });
    },
  );

  // §3.2 step 3 again: a rejected request that has not timed out comes back as it is.
  it('a rejected request that has not timed out still comes back 200 Rejected, and is not deleted', async () => {
    const org = freshOrg();
    const { id } = (await create(org)).json;
    broker.sandbox.altinnApi.decide(id, { decision: 'reject' });
    broker.sandbox.altinnApi.ageRequest(id, 179);

    const again = await create(org);

    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ id, status: 'Rejected', timedOut: false });
    expect(deletesSent()).toBe(0);
  });

  // §3.4: a vendor reads any request of all its systems (the check is the vendor's,
  // Svc/RequestSystemUserService.cs:433-448); §3.5: DELETE checks no ownership at all
  // (RequestSystemUserController.cs:748-759; Repo/RequestRepository.cs:689-712).
  it("another system's request is 404 on read and delete, and no DELETE is sent", async () => {
    const id = await requestOfSecondSystem(broker, freshOrg());

    const byId = await read(id);
    const deleted = await remove(id);

    for (const answer of [byId, deleted]) {
      expect(answer.status).toBe(404);
      expect(answer.json).toEqual({
        error: 'not_found',
        error_description: `no system-user request ${id} for this broker's system`,
      });
    }
    expect(deletesSent()).toBe(0);
    expect(broker.sandbox.altinnApi.getRequest(id)).toMatchObject({ id, status: 'New' });
  });

  // §3.4: another vendor's request is 404 AUTH-00011; its agent id on the standard route is
  // AUTH-00010 (Repo/RequestRepository.cs:262-339). §8.4: both mean "not yours".
  it('a foreign agent request id is 404 on read and delete (AUTH-00011), not a 502', async () => {
    const id = await agentRequestOfOtherVendor(broker.sandbox, freshOrg());

    for (const path of [
      `/v1/systemuser-requests/${id}`,
      `/v1/systemuser-requests/${id}?type=agent`,
    ]) {
      const answer = await broker.call({ method: 'GET', path });
      expect(answer.status).toBe(404);
      expect(answer.json.error).toBe('not_found');
      expect(answer.json.altinn_error).toBeUndefined();
    }
    expect((await remove(id)).status).toBe(404);
    expect(deletesSent()).toBe(0);
    expect(broker.sandbox.altinnApi.getRequest(id)).toMatchObject({ id });
    expect(broker.sandbox.altinnApi.stats.problems['AUTH-00011']).toBeGreaterThanOrEqual(2);
  });

  // §1 "Route values", §8.6: dot segments are resolved before routing and `/` splits a segment,
  // so `.../byexternalref/{sys}/{org}/..` asks for another path (404 without a body).
  it.each([
    [
      'POST /v1/systemuser-requests',
      {
        path: '/v1/systemuser-requests',
        body: {
          org: DEMO.onboarding.prospects[0],
          type: 'standard',
          accessPackages: [DEMO.onboarding.standardPackage],
          externalRef: '..',
        },
      },
    ],
    [
      'GET /v1/systemuser-requests?externalRef=..',
      {
        method: 'GET',
        path: `/v1/systemuser-requests?org=${DEMO.customers.standard.orgNo}&externalRef=..`,
      },
    ],
    [
      'GET /v1/systemusers?externalRef=a%2Fb',
      {
        method: 'GET',
        path: `/v1/systemusers?org=${DEMO.customers.standard.orgNo}&externalRef=a%2Fb`,
      },
    ],
    [
      'POST /v1/token with externalRef ".."',
      {
        path: '/v1/token',
        body: {
          scope: 'krr:global/kontaktinformasjon.read',
          org: DEMO.customers.standard.orgNo,
          externalRef: '..',
        },
      },
    ],
  ] as [string, Parameters<BrokerTransport['call']>[0]][])(
    '%s: an externalRef that is not one path segment is 400, and nothing upstream is called',
    async (_what, call) => {
      const tokensBefore = broker.sandbox.maskinporten.stats.tokenRequests;

      const answer = await broker.call(call);

      expect(answer.status).toBe(400);
      expect(answer.json).toMatchObject({ error: 'invalid_request' });
      expect(answer.json.error_description).toMatch(/^externalRef: must not be "\." or "\.\."/);
      expect(broker.sandbox.altinnApi.stats.calls).toEqual({});
      expect(broker.sandbox.maskinporten.stats.tokenRequests).toBe(tokensBefore);
    },
  );

  // §3.5: an unknown or already deleted id is 404 AUTH-00010, so a DELETE retried after a lost
  // answer reads 404 (Svc/RequestSystemUserService.cs:818-827).
  it('a DELETE retried after it succeeded answers 404', async () => {
    const { id } = (await create(freshOrg())).json;
    expect((await remove(id)).status).toBe(204);
    const retried = await remove(id);
    expect(retried.status).toBe(404);
    expect(retried.json.error).toBe('not_found');
    expect(deletesSent()).toBe(1);
  });
});
