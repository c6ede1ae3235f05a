import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO } from '../../../../shared/sandbox/demo.js';
import {
  agentRequest,
  altinn,
  OTHER_VENDOR,
  otherVendor,
  standardRequest,
  vendorToken,
} from '../../../support/altinn-vendor.js';
import { startTestSandbox, type TestSandbox } from '../../../support/sandbox-fixture.js';
import { del, get, orgSupply, PATHS, post, registerSecondSystem } from './support.js';

// Reads by id and by externalRef (reference §3.4) and DELETE (§3.5), written from
// ../shared/reference/altinn-vendor-api.md. Ownership is the token vendor's, never the system's.

let t: TestSandbox;
let token: string;
let otherToken: string;
const freshOrg = orgSupply(31_400_000, 60);
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  t = await startTestSandbox();
  token = await vendorToken(t);
  otherToken = await (await otherVendor(t))();
  t.sandbox.altinn.registerSystem({
    id: `${OTHER_VENDOR}_their_system`,
    vendorOrgNo: OTHER_VENDOR,
    rights: [DEMO.onboarding.right as never],
    accessPackages: [{ urn: DEMO.onboarding.agentPackage }],
  });
});
afterAll(() => t.sandbox.close());
beforeEach(() => t.sandbox.altinnApi.stats.reset());

const standard = async (body = standardRequest(freshOrg()), bearer = token) =>
  (await post(t, PATHS.standard, body, bearer)).json as Record<string, string>;
const agent = async (body = agentRequest(freshOrg()), bearer = token) =>
  (await post(t, PATHS.agent, body, bearer)).json as Record<string, string>;
const theirStandard = () =>
  standard(
    standardRequest(freshOrg(), {
      systemId: `${OTHER_VENDOR}_their_system`,
      redirectUrl: undefined,
    }),
    otherToken,
  );
const theirAgent = () =>
  agent(
    agentRequest(freshOrg(), {
      systemId: `${OTHER_VENDOR}_their_system`,
    }),
    otherToken,
  );

describe('GET vendor/{requestId} and vendor/agent/{requestId} (§3.4; Repo/RequestRepository.cs:262-339)', () => {
  it('answers the request on its own route, confirmUrl included and escalated false', async () => {
    const created = await standard();
    const createdAgent = await agent();

    const own = await get(t, PATHS.byId(created.id as string), token);
    const ownAgent = await get(t, PATHS.agentById(createdAgent.id as string), token);

    expect(own.status).toBe(200);
    expect(own.json).toEqual(created);
    expect(ownAgent.json).toEqual(createdAgent);
  });

  it('answers 404 AUTH-00010, not AUTH-00025, for an id of the other type, like an unknown id', async () => {
    const created = await standard();
    const createdAgent = await agent();

    const agentOnStandard = await get(t, PATHS.byId(createdAgent.id as string), token);
    const standardOnAgent = await get(t, PATHS.agentById(created.id as string), token);
    const unknown = await get(t, PATHS.byId(UNKNOWN_ID), token);

    for (const answer of [agentOnStandard, standardOnAgent, unknown]) {
      expect(answer.status).toBe(404);
      expect(answer.json).toMatchObject({
        code: 'AUTH-00010',
        title: 'The Id does not refer to a Request in our system.',
      });
    }
  });

  it('reads a request of any system of the same vendor, not only the one the caller works with', async () => {
    const second = registerSecondSystem(t, 'reads_second');
    const created = await standard(standardRequest(freshOrg(), { systemId: second.id }));

    const read = await get(t, PATHS.byId(created.id as string), token);

    expect(read.status).toBe(200);
    expect(read.json.systemId).toBe(second.id);
  });

  it('still reads a request of a soft-deleted system (the lookup does not skip deleted systems)', async () => {
    const doomed = registerSecondSystem(t, 'reads_deleted');
    const created = await standard(standardRequest(freshOrg(), { systemId: doomed.id }));
    t.sandbox.altinn.deleteSystem(doomed.id);

    const read = await get(t, PATHS.byId(created.id as string), token);

    expect(read.status).toBe(200);
  });

  it("answers 404 AUTH-00011 for another vendor's request (Svc/RequestSystemUserService.cs:433-448)", async () => {
    const theirs = await theirStandard();
    const theirAgentRequest = await theirAgent();

    const read = await get(t, PATHS.byId(theirs.id as string), token);
    const readAgent = await get(t, PATHS.agentById(theirAgentRequest.id as string), token);
    const agentOnStandardRoute = await get(t, PATHS.byId(theirAgentRequest.id as string), token);

    expect(read.status).toBe(404);
    expect(read.json.code).toBe('AUTH-00011');
    expect(readAgent.json.code).toBe('AUTH-00011');
    // a foreign agent request asked for on the standard route: the type filter comes first
    expect(agentOnStandardRoute.json.code).toBe('AUTH-00010');
  });

  it('answers 400 STD-00000 to a malformed GUID (model binding)', async () => {
    const answer = await get(t, PATHS.byId('not-a-guid'), token);

    expect(answer.status).toBe(400);
    expect(answer.json.code).toBe('STD-00000');
  });
});

describe('GET vendor/byexternalref/{systemId}/{orgNo}/{externalRef} (§3.4)', () => {
  it('finds the request by its key, the orgno standing in for an absent externalRef', async () => {
    const org = freshOrg();
    const plain = await standard(standardRequest(org));
    const withRef = await standard(standardRequest(org, { externalRef: 'avd 1 nord' }));

    const byOrg = await get(t, PATHS.byRef(org, org), token);
    const byRef = await get(t, PATHS.byRef(org, 'avd 1 nord'), token);

    expect(byOrg.json).toEqual(plain);
    expect(byRef.json.id).toBe(withRef.id);
  });

  it('looks up before it checks the vendor: 404 AUTH-00010 for no request, 404 AUTH-00011 for a foreign one', async () => {
    const org = freshOrg();
    await standard(standardRequest(org));
    const theirs = await theirStandard();
    const theirSystem = `${OTHER_VENDOR}_their_system`;

    const missingOwn = await get(t, PATHS.byRef(org, 'nope'), token);
    const missingForeign = await get(t, PATHS.byRef(org, org, theirSystem), token);
    const foreign = await get(
      t,
      PATHS.byRef(theirs.partyOrgNo as string, theirs.externalRef as string, theirSystem),
      token,
    );

    expect(missingOwn.json.code).toBe('AUTH-00010');
    expect(missingForeign.json.code).toBe('AUTH-00010');
    expect(foreign.status).toBe(404);
    expect(foreign.json.code).toBe('AUTH-00011');
  });

  it('is per type: the agent route finds agent requests only', async () => {
    const org = freshOrg();
    const created = await agent(agentRequest(org, { externalRef: 'klienter' }));

    const agentRoute = await get(t, PATHS.agentByRef(org, 'klienter'), token);
    const standardRoute = await get(t, PATHS.byRef(org, 'klienter'), token);

    expect(agentRoute.json).toMatchObject({ id: created.id, escalated: false });
    expect(standardRoute.json.code).toBe('AUTH-00010');
  });

  it("a path that dot segments shorten matches no route: 404 without a body (§1 'Route values')", async () => {
    const org = freshOrg();
    const url = `${t.sandbox.altinnPlatformUrl}/authentication/api/v1/systemuser/request/vendor/byexternalref/${DEMO.systemId}/${org}/..`;

    const answer = await altinn(t, 'GET', url, { token });

    expect(answer.status).toBe(404);
  });
});

describe('DELETE vendor/{requestId} (§3.5; Ctl/RequestSystemUserController.cs:748-759)', () => {
  it('soft-deletes any live request: 202 without a body, then every read is 404 AUTH-00010', async () => {
    const created = await agent();

    const deleted = await del(t, PATHS.byId(created.id as string), token);
    const read = await get(t, PATHS.agentById(created.id as string), token);
    const byRef = await get(
      t,
      PATHS.agentByRef(created.partyOrgNo as string, created.externalRef as string),
      token,
    );

    expect(deleted.status).toBe(202);
    expect(deleted.text).toBe('');
    expect(read.json.code).toBe('AUTH-00010');
    expect(byRef.json.code).toBe('AUTH-00010');
  });

  it("checks no ownership: another vendor's token deletes the demo vendor's request", async () => {
    const mine = await standard();

    const deleted = await del(t, PATHS.byId(mine.id as string), otherToken);
    const read = await get(t, PATHS.byId(mine.id as string), token);

    expect(deleted.status).toBe(202);
    expect(read.json.code).toBe('AUTH-00010');
  });

  it("and the demo vendor deletes another vendor's request, of either type, on the one route", async () => {
    const theirs = await theirStandard();
    const theirAgentRequest = await theirAgent();

    const first = await del(t, PATHS.byId(theirs.id as string), token);
    const second = await del(t, PATHS.byId(theirAgentRequest.id as string), token);

    expect([first.status, second.status]).toEqual([202, 202]);
    expect(t.sandbox.altinnApi.requests.get(theirs.id as string)).toBeUndefined();
  });

  it('answers 404 AUTH-00010 for an unknown id and for a retried DELETE; 400 for a malformed one', async () => {
    const created = await standard();
    await del(t, PATHS.byId(created.id as string), token);

    const retried = await del(t, PATHS.byId(created.id as string), token);
    const unknown = await del(t, PATHS.byId(UNKNOWN_ID), token);
    const malformed = await del(t, PATHS.byId('x'), token);

    expect([retried.status, unknown.status, malformed.status]).toEqual([404, 404, 400]);
    expect(retried.json.code).toBe('AUTH-00010');
    expect(t.sandbox.altinnApi.stats.calls).toMatchObject({
      'DELETE systemuser/request/vendor/{requestId}': 4,
    });
  });

  it("leaves an accepted request's system user alone", async () => {
    const created = await standard();
    t.sandbox.altinnApi.decide(created.id as string, { decision: 'accept' });

    await del(t, PATHS.byId(created.id as string), token);

    expect(t.sandbox.altinn.getSystemUser(created.id as string)?.isDeleted).toBe(false);
  });

  it('needs the request-write scope, and only that', async () => {
    const created = await standard();
    const readOnly = await vendorToken(t, 'altinn:authentication/systemuser.request.read');

    const refused = await del(t, PATHS.byId(created.id as string), readOnly);

    expect(refused.status).toBe(403);
  });
});

describe('the customer deletes the system user in the portal (§3.5, Ctl/SystemUserController.cs:671-695)', () => {
  it('soft-deletes its request too, so the next POST creates a new one', async () => {
    const org = freshOrg();
    const created = await standard(standardRequest(org));
    t.sandbox.altinnApi.decide(created.id as string, { decision: 'accept' });
    const blocked = await post(t, PATHS.standard, standardRequest(org), token);

    t.sandbox.altinn.deleteSystemUser(created.id as string);
    const read = await get(t, PATHS.byId(created.id as string), token);
    const renewed = await post(t, PATHS.standard, standardRequest(org), token);

    expect(blocked.json.code).toBe('AUTH-00004');
    expect(read.json.code).toBe('AUTH-00010');
    expect(renewed.status).toBe(201);
  });
});
