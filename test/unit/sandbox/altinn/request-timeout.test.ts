import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../../../shared/sandbox/demo.js';
import {
  agentRequest,
  standardRequest,
  submitDecision,
  vendorToken,
} from '../../../support/altinn-vendor.js';
import { startTestSandbox, type TestSandbox } from '../../../support/sandbox-fixture.js';
import { get, orgSupply, PATHS, post } from './support.js';

// The 180-day flag, from ../shared/reference/altinn-vendor-api.md §3.3:
// `timedOut = created < now − 180 days`, computed on every read, whatever the status; `status`
// is never rewritten (Repo/RequestRepository.cs:23, 473-476 standard, 516-519 agent).

let t: TestSandbox;
const freshOrg = orgSupply(31_300_000, 40);
const DAY = 86_400_000;

beforeAll(async () => {
  t = await startTestSandbox();
});
afterAll(() => t.sandbox.close());

async function create(type: 'standard' | 'agent' = 'standard') {
  const org = freshOrg();
  const body = type === 'agent' ? agentRequest(org) : standardRequest(org);
  const answer = await post(
    t,
    type === 'agent' ? PATHS.agent : PATHS.standard,
    body,
    await vendorToken(t),
  );
  expect(answer.status).toBe(201);
  return { org, body, request: answer.json as { id: string; confirmUrl: string } };
}

/** Every read that carries the flag: by id, by externalRef, the list, and the 200 of a repeated POST. */
async function everyRead(id: string, org: string, body: unknown) {
  const token = await vendorToken(t);
  const list = await get(t, `systemuser/request/vendor/bysystem/${DEMO.systemId}`, token);
  return {
    byId: (await get(t, PATHS.byId(id), token)).json,
    byRef: (await get(t, PATHS.byRef(org, org), token)).json,
    listed: list.json.data.find((r: { id: string }) => r.id === id),
    repeated: (await post(t, PATHS.standard, body, token)).json,
  };
}

describe('timedOut: created < now − 180 days (§3.3)', () => {
  it('is false at exactly 180 days and true one millisecond later, the status staying New', async () => {
    const { request } = await create();
    t.clock.advance(180 * DAY);
    const at = (await get(t, PATHS.byId(request.id), await vendorToken(t))).json;
    t.clock.advance(1);
    const after = (await get(t, PATHS.byId(request.id), await vendorToken(t))).json;

    expect(at).toMatchObject({ status: 'New', timedOut: false });
    expect(after).toMatchObject({ status: 'New', timedOut: true });
  });

  it.each(['accept', 'reject'] as const)(
    'is set on a decided request too (%s), and its status is left alone',
    async (decision) => {
      const { org, body, request } = await create();
      await submitDecision(request.confirmUrl, { decision });
      const status = decision === 'accept' ? 'Accepted' : 'Rejected';

      t.sandbox.altinnApi.ageRequest(request.id, 181);
      const reads = await everyRead(request.id, org, body);

      expect(reads.byId).toMatchObject({ id: request.id, status, timedOut: true });
      expect(reads.byRef).toMatchObject({ id: request.id, status, timedOut: true });
      expect(reads.listed).toMatchObject({ status, timedOut: true });
      if (decision === 'reject') {
        // the repeated POST still answers 200 with the old request (§3.2 step 3)
        expect(reads.repeated).toMatchObject({ id: request.id, status, timedOut: true });
      } else {
        expect(reads.repeated).toMatchObject({ code: 'AUTH-00004' });
      }
    },
  );

  it('is computed on the agent routes the same way', async () => {
    const { org, request } = await create('agent');
    t.sandbox.altinnApi.ageRequest(request.id, 200);
    const token = await vendorToken(t);

    const byId = await get(t, PATHS.agentById(request.id), token);
    const byRef = await get(t, PATHS.agentByRef(org, org), token);

    expect(byId.json).toMatchObject({ status: 'New', timedOut: true });
    expect(byRef.json).toMatchObject({ status: 'New', timedOut: true });
  });

  it('is false on every create answer (Svc/RequestSystemUserService.cs:153, 239)', async () => {
    const standard = await create();
    const agent = await create('agent');

    expect(t.sandbox.altinnApi.getRequest(standard.request.id)?.['timedOut']).toBe(false);
    expect(t.sandbox.altinnApi.getRequest(agent.request.id)?.['timedOut']).toBe(false);
  });

  it('does not stop the approval: the backend checks status == New only (Svc/RequestSystemUserService.cs:538-541)', async () => {
    const { org, request } = await create();
    t.sandbox.altinnApi.ageRequest(request.id, 365);

    const page = await (await fetch(request.confirmUrl)).text();
    const answer = await submitDecision(request.confirmUrl, { decision: 'accept' });

    expect(page).toContain('eldre enn 180 dager');
    expect(page).toContain('name="decision" value="accept"');
    expect(answer.status).toBe(303);
    expect(t.sandbox.altinn.getSystemUser(request.id)).toMatchObject({ reporteeOrgNo: org });
  });
});

describe('time travel without moving the clock', () => {
  it('ageRequest moves one request past 180 days and leaves the others', async () => {
    const aged = await create();
    const fresh = await create();

    const answer = t.sandbox.altinnApi.ageRequest(aged.request.id, 181);

    expect(answer).toMatchObject({ id: aged.request.id, timedOut: true });
    expect(t.sandbox.altinnApi.getRequest(fresh.request.id)?.['timedOut']).toBe(false);
    expect(() =>
      t.sandbox.altinnApi.ageRequest('00000000-0000-4000-8000-000000000000', 1),
    ).toThrow();
    expect(() => t.sandbox.altinnApi.ageRequest(aged.request.id, -1)).toThrow();
  });
});
