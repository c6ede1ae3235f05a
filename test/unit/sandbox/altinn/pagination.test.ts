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

// The vendor lists, from ../shared/reference/altinn-vendor-api.md §3.4 ("Lists") and §4. The
// request lists skip one request at every page boundary on purpose: Page.Create
// (src/Core/Models/Page.cs:35-48) makes the token from the first item *not* returned, and the
// next query asks for `id > token` (Repo/RequestRepository.cs:541-545).

let t: TestSandbox;
let token: string;
const ORG = DEMO.onboarding.prospects[0];
let standardIds: string[] = [];
let agentIds: string[] = [];

beforeAll(async () => {
  t = await startTestSandbox();
  token = await vendorToken(t);
  for (let i = 1; i <= 25; i++) {
    const answer = await altinn(t, 'POST', 'systemuser/request/vendor', {
      token,
      body: standardRequest(ORG, { externalRef: `ref-${i}` }),
    });
    standardIds.push(answer.json.id);
  }
  for (let i = 1; i <= 6; i++) {
    const answer = await altinn(t, 'POST', 'systemuser/request/vendor/agent', {
      token,
      body: agentRequest(ORG, { externalRef: `agent-${i}` }),
    });
    agentIds.push(answer.json.id);
  }
  standardIds = [...standardIds].sort();
  agentIds = [...agentIds];
});
afterAll(() => t.sandbox.close());

const listUrl = `systemuser/request/vendor/bysystem/${DEMO.systemId}`;
const agentListUrl = `systemuser/request/vendor/agent/bysystem/${DEMO.systemId}`;

async function allPages(url: string, pageSize: number) {
  t.sandbox.altinnApi.setPageSize(pageSize);
  try {
    const pages: { ids: string[]; links: Record<string, string> }[] = [];
    let next: string | undefined = url;
    while (next && pages.length < 20) {
      const answer = await altinn(t, 'GET', next, { token });
      expect(answer.status).toBe(200);
      pages.push({
        ids: answer.json.data.map((r: { id: string }) => r.id),
        links: answer.json.links,
      });
      next = answer.json.links.next;
    }
    return pages;
  } finally {
    t.sandbox.altinnApi.setPageSize(20);
  }
}

const tokenOf = (next: string) =>
  JSON.parse(Buffer.from(new URL(next).searchParams.get('token') ?? '', 'base64url').toString());

describe('GET systemuser/request/vendor/bysystem/{systemId} (§3.4)', () => {
  it('orders by id and skips the request at the page boundary: 20 + 4 of 25', async () => {
    const pages = await allPages(listUrl, 20);

    expect(pages.map((p) => p.ids.length)).toEqual([20, 4]);
    expect(pages[0]?.ids).toEqual(standardIds.slice(0, 20));
    // the token names the 21st request, and the next page starts after it
    expect(tokenOf(pages[0]?.links['next'] as string)).toBe(standardIds[20]);
    expect(pages[1]?.ids).toEqual(standardIds.slice(21));
    expect(pages.flatMap((p) => p.ids)).not.toContain(standardIds[20]);
    expect(pages[1]?.links).toEqual({});
  });

  it('skips one request per boundary with smaller pages too: 10 + 10 + 3 of 25', async () => {
    const pages = await allPages(listUrl, 10);

    expect(pages.map((p) => p.ids.length)).toEqual([10, 10, 3]);
    const seen = pages.flatMap((p) => p.ids);
    expect(standardIds.filter((id) => !seen.includes(id))).toEqual([
      standardIds[10],
      standardIds[21],
    ]);
  });

  it('has an absolute next link with an opaque token, and "links": {} on the last page', async () => {
    const first = await altinn(t, 'GET', listUrl, { token });
    const next = first.json.links.next as string;
    const last = await altinn(t, 'GET', next, { token });

    expect(next).toMatch(
      new RegExp(
        `^${t.sandbox.altinnPlatformUrl}/authentication/api/v1/${listUrl}\\?token=[A-Za-z0-9_-]+$`,
      ),
    );
    expect(last.text).toContain('"links":{}');
  });

  it('lists items without confirmUrl, with escalated, created and timedOut', async () => {
    const first = await altinn(t, 'GET', listUrl, { token });

    expect(first.json.data[0]).not.toHaveProperty('confirmUrl');
    expect(first.json.data[0]).toMatchObject({ status: 'New', escalated: false, timedOut: false });
    expect(first.json.data[0]).toHaveProperty('created');
  });

  it('agent lists keep creation order (no ORDER BY) and filter id > token over all of them', async () => {
    const pages = await allPages(agentListUrl, 3);
    const boundary = agentIds[3] as string;
    const afterBoundary = agentIds.filter((id) => id > boundary);

    expect(pages[0]?.ids).toEqual(agentIds.slice(0, 3));
    expect(tokenOf(pages[0]?.links['next'] as string)).toBe(boundary);
    // page 2 may repeat items of page 1 and skip others: whatever has a greater id, in creation order
    expect(pages[1]?.ids).toEqual(afterBoundary.slice(0, 3));
  });

  it('answers 400 to a token it did not issue', async () => {
    const garbage = await altinn(t, 'GET', `${listUrl}?token=garbage`, { token });
    const notAGuid = await altinn(
      t,
      'GET',
      `${listUrl}?token=${Buffer.from('"x"').toString('base64url')}`,
      {
        token,
      },
    );

    expect([garbage.status, notAGuid.status]).toEqual([400, 400]);
    expect(garbage.json.validationErrors[0].paths).toEqual(['/token']);
  });

  it("answers 404 AUTH-00011 for an unknown system or another vendor's (Svc/RequestSystemUserService.cs:756-815)", async () => {
    const other = await otherVendor(t);
    const unknown = await altinn(t, 'GET', 'systemuser/request/vendor/bysystem/nope', { token });
    const foreign = await altinn(t, 'GET', listUrl, { token: await other() });

    expect([unknown.status, foreign.status]).toEqual([404, 404]);
    expect(foreign.json.code).toBe('AUTH-00011');
  });
});

describe('GET systemuser/vendor/bysystem/{systemId} (§4; Repo/SystemUserRepository.cs:419-463)', () => {
  it('pages by sequence_no >= token, so nothing is skipped', async () => {
    const extra = ['314250052', '701730496'].map((org) =>
      t.sandbox.altinn.createSystemUser({ systemId: DEMO.systemId, reporteeOrgNo: org }),
    );
    const pages = await allPages(`systemuser/vendor/bysystem/${DEMO.systemId}`, 2);

    expect(pages.map((p) => p.ids.length)).toEqual([2, 2, 1]);
    expect(pages.flatMap((p) => p.ids)).toEqual([
      DEMO.customers.standard.systemUserId,
      DEMO.customers.withExternalRef.systemUserId,
      DEMO.customers.agent.systemUserId,
      ...extra.map((u) => u.id),
    ]);
    expect(tokenOf(pages[0]?.links['next'] as string)).toBe(3);
    expect(pages[2]?.links).toEqual({});
  });

  it('leaves deleted system users out', async () => {
    const user = t.sandbox.altinn.createSystemUser({
      systemId: DEMO.systemId,
      reporteeOrgNo: DEMO.onboarding.prospects[2],
    });
    t.sandbox.altinn.deleteSystemUser(user.id);

    const pages = await allPages(`systemuser/vendor/bysystem/${DEMO.systemId}`, 50);

    expect(pages[0]?.ids).not.toContain(user.id);
  });
});
