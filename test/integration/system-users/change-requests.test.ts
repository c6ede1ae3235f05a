import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLocalServer } from '../../../functions/local/server.js';
import { run, type SystemUserCliDeps } from '../../../functions/ops/systemuser-commands.js';
import { resolveTarget } from '../../../functions/ops/systemuser-connect.js';
import { InMemoryMetrics } from '../../../shared/adapters/metrics/in-memory-metrics.js';
import { DEMO } from '../../../shared/sandbox/demo.js';
import { validOrgNos } from '../../support/altinn-vendor.js';
import { type BrokerTransport, TRANSPORTS } from '../../support/broker-transports.js';
import { changeOfSecondSystem } from '../../support/foreign-requests.js';
import { RecordingLogger } from '../../support/recording-logger.js';

// Change requests through the broker, against the rules of the real Altinn server as
// `shared/reference/altinn-vendor-api.md` §5 states them (Ctl/ChangeRequestSystemUserController.cs,
// Svc/ChangeRequestSystemUserService.cs at altinn-authentication@ad4f6f3). Over the local server
// and the Lambda handler; the customer's approval is the sandbox's page at the confirmUrl.

const CREATE_ROUTE = 'POST systemuser/changerequest/vendor';
const DELETE_ROUTE = 'DELETE systemuser/changerequest/vendor/{requestId}';
const { onboarding, governedScopes, customers } = DEMO;
const PAYROLL = onboarding.payrollRight.resource[0].value;

describe.each(TRANSPORTS)('change requests over %s', (_name, start) => {
  let broker: BrokerTransport;
  const orgs = validOrgNos(12, 31_890_000);
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

  const calls = (route: string) => broker.sandbox.altinnApi.stats.calls[route] ?? 0;
  const change = (body: Record<string, unknown>) =>
    broker.call({ path: '/v1/systemuser-changes', body });
  const read = (id: string) => broker.call({ method: 'GET', path: `/v1/systemuser-changes/${id}` });
  const remove = (id: string) =>
    broker.call({ method: 'DELETE', path: `/v1/systemuser-changes/${id}` });
  const token = (org: string, scope: string) =>
    broker.call({ path: '/v1/token', body: { scope, org, skipCache: true } });

  /** A customer onboarded through the broker with the accounting right only. */
  async function onboardedCustomer(): Promise<{ org: string; systemUserId: string }> {
    const org = freshOrg();
    const created = await broker.call({
      path: '/v1/systemuser-requests',
      body: { org, type: 'standard', rights: [onboarding.right.resource[0].value] },
    });
    expect(created.status).toBe(201);
    expect(broker.sandbox.altinnApi.decide(created.json.id, { decision: 'accept' }).ok).toBe(true);
    const user = await broker.call({ method: 'GET', path: `/v1/systemusers?org=${org}` });
    return { org, systemUserId: user.json.systemUser.id };
  }

  /** What the customer does in the browser at the confirmUrl. */
  async function decide(confirmUrl: string, decision: 'accept' | 'reject') {
    const page = await fetch(confirmUrl);
    expect(page.status).toBe(200);
    await page.text();
    const answer = await fetch(confirmUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ decision }).toString(),
      redirect: 'manual',
    });
    await answer.text();
    return answer.status;
  }

  // §5: POST with the system user's id and a vendor correlation id → 201 (step 10); the same
  // correlation id → 200 with it (step 7); approval applies the change (sandbox page).
  it('a change request for an org with an accepted system user gets 201 and a confirmUrl; its status can be read; approved, the new right works in a token', async () => {
    const { org, systemUserId } = await onboardedCustomer();
    const before = await token(org, governedScopes.payroll);
    expect(before.status).toBe(403);
    expect(before.json.maskinporten_error.error_description).toMatch(/MP-30[01]/);

    const created = await change({ org, requiredRights: [PAYROLL] });

    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      status: 'New',
      systemId: DEMO.systemId,
      systemUserId,
      partyOrgNo: org,
      externalRef: org,
      requiredRights: [PAYROLL],
      unwantedRights: [],
      requiredAccessPackages: [],
      unwantedAccessPackages: [],
    });
    const { id, confirmUrl } = created.json;
    expect(confirmUrl).toMatch(/\/systemuser\/changerequest\?id=/);
    expect(confirmUrl).toContain(id);
    expect((await read(id)).json).toMatchObject({ id, status: 'New', requiredRights: [PAYROLL] });

    // The same change again, from any caller or instance: the same change request (200).
    const again = await change({ org, requiredRights: [PAYROLL, PAYROLL] });
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ id, status: 'New' });

    expect(await decide(confirmUrl, 'accept')).toBe(200);

    expect((await read(id)).json).toMatchObject({ id, status: 'Accepted' });
    const after = await token(org, governedScopes.payroll);
    expect(after.status, after.text).toBe(200);
    // §5 bysystem: list items carry no confirmUrl.
    const listed = await broker.call({ method: 'GET', path: `/v1/systemuser-changes?org=${org}` });
    const { confirmUrl: _, ...withoutConfirmUrl } = (await read(id)).json;
    expect(listed.json).toEqual({ changeRequests: [withoutConfirmUrl], complete: true });
  });

  // §5 step 6: four empty lists are answered 200 NoChangeNeeded, not stored.
  it('asks nothing of Altinn it need not store: four empty lists are 200 NoChangeNeeded', async () => {
    const { org } = await onboardedCustomer();
    const answer = await change({ org });
    expect(answer.status).toBe(200);
    expect(answer.json.status).toBe('NoChangeNeeded');
    expect(answer.json.confirmUrl).toBeUndefined();
    expect(answer.json.created).toBeUndefined();
    expect((await read(answer.json.id)).status).toBe(404);
  });

  // §4: byquery answers 404 for no system user; §5 step 8.1: an agent system user is AUTH-00015.
  it('answers 404 when the org has no system user, and 400 for an agent system user, without a POST to Altinn', async () => {
    const none = await change({ org: freshOrg(), requiredRights: [PAYROLL] });
    expect(none.status).toBe(404);
    expect(none.json.error_description).toMatch(/^no system user of this broker's system for org/);

    const agent = await change({
      org: customers.agent.orgNo,
      requiredAccessPackages: [onboarding.agentPackage],
    });
    expect(agent.status).toBe(400);
    expect(agent.json.error_description).toContain('agent system user');
    expect(calls(CREATE_ROUTE)).toBe(0);
  });

  // §5 step 7: a rejected change request comes back as it is; §5 DELETE (202); step 9: its id
  // cannot be used again (500), so the same change asked again gets the next id.
  it('a rejected change comes back Rejected; once deleted, the same change gets a new change request', async () => {
    const { org } = await onboardedCustomer();
    const first = await change({ org, requiredRights: [PAYROLL] });
    expect(await decide(first.json.confirmUrl, 'reject')).toBe(200);

    const rejected = await change({ org, requiredRights: [PAYROLL] });
    expect(rejected.status).toBe(200);
    expect(rejected.json).toMatchObject({ id: first.json.id, status: 'Rejected' });

    expect((await remove(first.json.id)).status).toBe(204);
    expect((await read(first.json.id)).status).toBe(404);
    expect((await remove(first.json.id)).status).toBe(404);

    const renewed = await change({ org, requiredRights: [PAYROLL] });
    expect(renewed.status).toBe(201);
    expect(renewed.json.id).not.toBe(first.json.id);
    expect(renewed.json.status).toBe('New');
    const again = await change({ org, requiredRights: [PAYROLL] });
    expect(again.status).toBe(200);
    expect(again.json.id).toBe(renewed.json.id);
    expect(calls(DELETE_ROUTE)).toBe(1);
  });

  // §5: reads check the vendor, not the system; DELETE checks nothing (`:413-424`).
  it("another system's change request is 404 on read and delete, and no DELETE is sent", async () => {
    const id = await changeOfSecondSystem(broker, freshOrg());
    broker.sandbox.altinnApi.stats.reset();

    for (const answer of [await read(id), await remove(id)]) {
      expect(answer.status).toBe(404);
      expect(answer.json).toEqual({
        error: 'not_found',
        error_description: `no change request ${id} for this broker's system`,
      });
    }
    expect(calls(DELETE_ROUTE)).toBe(0);
    const listed = broker.sandbox.altinnApi.changeRequests.get(id);
    expect(listed?.status).toBe('New');
  });

  it('refuses a change that both adds and removes a right, before Altinn is called', async () => {
    const answer = await change({
      org: customers.standard.orgNo,
      requiredRights: [PAYROLL],
      unwantedRights: [PAYROLL],
    });
    expect(answer.status).toBe(400);
    expect(answer.json.error_description).toBe(
      `unwantedRights: "${PAYROLL}" is also in requiredRights; a change either adds or removes it`,
    );
    expect(broker.sandbox.altinnApi.stats.calls).toEqual({});
  });
});

describe('npm run systemuser -- change, against a running local broker (sandbox)', () => {
  it('creates the change request, reads it, finds it in the list, deletes it, and takes a second delete as done', async () => {
    const logger = new RecordingLogger();
    const server = await startLocalServer({
      env: { PORT: '0' },
      logger,
      metrics: new InMemoryMetrics(),
    });
    try {
      let out = '';
      let err = '';
      const deps: SystemUserCliDeps = {
        stdout: { write: (chunk: string) => (out += chunk) },
        stderr: { write: (chunk: string) => (err += chunk) },
        readFile: async () => '',
        target: (env, options) => resolveTarget(env, options),
      };
      const cli = async (...argv: string[]) => {
        out = '';
        err = '';
        return run([...argv, '--broker', server.url], deps);
      };
      const org = customers.withExternalRef.orgNo;
      const ref = customers.withExternalRef.externalRef;

      expect(
        await cli(
          'change',
          'create',
          '--org',
          org,
          '--external-ref',
          ref,
          '--require-right',
          PAYROLL,
        ),
        err,
      ).toBe(0);
      const created = JSON.parse(out);
      expect(created).toMatchObject({ status: 'New', externalRef: ref, requiredRights: [PAYROLL] });
      expect(
        await cli(
          'change',
          'create',
          '--org',
          org,
          '--external-ref',
          ref,
          '--require-right',
          PAYROLL,
        ),
      ).toBe(0);
      expect(JSON.parse(out).id).toBe(created.id);
      expect(err).toContain('Altinn already has this change request (New)');

      expect(await cli('change', 'get', '--id', created.id)).toBe(0);
      expect(JSON.parse(out)).toMatchObject({ id: created.id, status: 'New' });
      expect(await cli('change', 'list', '--org', org, '--external-ref', ref)).toBe(0);
      expect(JSON.parse(out).changeRequests.map((c: { id: string }) => c.id)).toEqual([created.id]);

      expect(await cli('change', 'delete', '--id', created.id)).toBe(0);
      expect(out).toContain(`Deleted change request ${created.id}.`);
      expect(await cli('change', 'delete', '--id', created.id)).toBe(0);
      expect(out).toContain('nothing to delete');
    } finally {
      await server.close();
    }
  });
});
