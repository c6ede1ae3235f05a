import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../../../shared/sandbox/demo.js';
import {
  agentRequest,
  altinn,
  standardRequest,
  submitDecision,
  validOrgNos,
  vendorToken,
} from '../../../support/altinn-vendor.js';
import { startTestSandbox, type TestSandbox } from '../../../support/sandbox-fixture.js';

let t: TestSandbox;
const orgs = validOrgNos(20, 31300000);
let next = 0;
const freshOrg = () => orgs[next++] as string;
const DAY = 86_400_000;

beforeAll(async () => {
  t = await startTestSandbox();
});
afterAll(() => t.sandbox.close());
afterEach(() => t.sandbox.altinnApi.setRequestTimeout(10, 'flag'));

/** Creates a request, then moves the injected clock on; returns a fresh token for "later". */
async function createThenWait(ms: number, type: 'standard' | 'agent' = 'standard') {
  const org = freshOrg();
  const path = type === 'agent' ? 'systemuser/request/vendor/agent' : 'systemuser/request/vendor';
  const body = type === 'agent' ? agentRequest(org) : standardRequest(org);
  const created = await altinn(t, 'POST', path, { token: await vendorToken(t), body });
  t.clock.advance(ms);
  return { org, body, path, created: created.json, token: await vendorToken(t) };
}

describe('request timeout (default: 10 days, flag only)', () => {
  it('is not timed out one millisecond before 10 days', async () => {
    const { created, token } = await createThenWait(10 * DAY - 1000);

    const read = await altinn(t, 'GET', `systemuser/request/vendor/${created.id}`, { token });

    expect(read.json).toMatchObject({ status: 'New', timedOut: false });
  });

  it('sets timedOut and keeps status New after 10 days (Altinn since Nov 2025)', async () => {
    const { created, token } = await createThenWait(10 * DAY);

    const read = await altinn(t, 'GET', `systemuser/request/vendor/${created.id}`, { token });

    expect(read.json).toMatchObject({ id: created.id, status: 'New', timedOut: true });
  });

  it('lets the vendor create a new request for the key: 201 with a new id', async () => {
    const { created, body, path, token } = await createThenWait(11 * DAY);

    const again = await altinn(t, 'POST', path, { token, body });
    const byRef = await altinn(
      t,
      'GET',
      `systemuser/request/vendor/byexternalref/${DEMO.systemId}/${body.partyOrgNo}/${body.partyOrgNo}`,
      { token },
    );

    expect(again.status).toBe(201);
    expect(again.json.id).not.toBe(created.id);
    expect(byRef.json).toMatchObject({ id: again.json.id, timedOut: false });
  });

  it('still finds a timed-out request by externalRef when it is the only one', async () => {
    const { created, body, token } = await createThenWait(12 * DAY, 'agent');

    const byRef = await altinn(
      t,
      'GET',
      `systemuser/request/vendor/agent/byexternalref/${DEMO.systemId}/${body.partyOrgNo}/${body.partyOrgNo}`,
      { token },
    );

    expect(byRef.json).toMatchObject({ id: created.id, timedOut: true });
  });

  it('cannot be approved any more: the page shows no buttons and POST is 409', async () => {
    const { created } = await createThenWait(10 * DAY);

    const page = await (await fetch(created.confirmUrl)).text();
    const answer = await submitDecision(created.confirmUrl, { decision: 'accept' });

    expect(page).toContain('utløpt');
    expect(page).not.toContain('name="decision"');
    expect(answer.status).toBe(409);
    expect(t.sandbox.altinn.getSystemUser(created.id)).toBeUndefined();
  });

  it('never times out a decided request', async () => {
    const org = freshOrg();
    const created = await altinn(t, 'POST', 'systemuser/request/vendor', {
      token: await vendorToken(t),
      body: standardRequest(org),
    });
    t.sandbox.altinnApi.decide(created.json.id, { decision: 'reject' });
    t.clock.advance(30 * DAY);

    const read = await altinn(t, 'GET', `systemuser/request/vendor/${created.json.id}`, {
      token: await vendorToken(t),
    });

    expect(read.json).toMatchObject({ status: 'Rejected', timedOut: false });
  });
});

describe('configurable timeout', () => {
  it("marks status Timedout too with marks: 'status' (older Altinn)", async () => {
    t.sandbox.altinnApi.setRequestTimeout(10, 'status');
    const { created, token } = await createThenWait(10 * DAY);

    const read = await altinn(t, 'GET', `systemuser/request/vendor/${created.id}`, { token });

    expect(read.json).toMatchObject({ status: 'Timedout', timedOut: true });
  });

  it("uses the configured number of days (e.g. the code's 180)", async () => {
    t.sandbox.altinnApi.setRequestTimeout(180);
    const { created, token } = await createThenWait(100 * DAY);

    const early = await altinn(t, 'GET', `systemuser/request/vendor/${created.id}`, { token });
    t.clock.advance(80 * DAY);
    const late = await altinn(t, 'GET', `systemuser/request/vendor/${created.id}`, {
      token: await vendorToken(t),
    });

    expect(early.json.timedOut).toBe(false);
    expect(late.json.timedOut).toBe(true);
  });

  it('refuses a timeout outside 0 < days <= 3650', () => {
    expect(() => t.sandbox.altinnApi.setRequestTimeout(0)).toThrow();
    expect(() => t.sandbox.altinnApi.setRequestTimeout(4000)).toThrow();
  });
});
