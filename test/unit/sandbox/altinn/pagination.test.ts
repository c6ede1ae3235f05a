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

let t: TestSandbox;
let token: string;
const ORG = DEMO.onboarding.prospects[0];
const ids: string[] = [];

beforeAll(async () => {
  t = await startTestSandbox();
  token = await vendorToken(t);
  // 25 standard requests for one org, told apart by externalRef, plus one agent request.
  for (let i = 1; i <= 25; i++) {
    const answer = await altinn(t, 'POST', 'systemuser/request/vendor', {
      token,
      body: standardRequest(ORG, { externalRef: `ref-${i}` }),
    });
    ids.push(answer.json.id);
  }
  await altinn(t, 'POST', 'systemuser/request/vendor/agent', { token, body: agentRequest(ORG) });
});
afterAll(() => t.sandbox.close());

const listUrl = `systemuser/request/vendor/bysystem/${DEMO.systemId}`;

describe('GET systemuser/request/vendor/bysystem/{systemId}', () => {
  it('pages 20 at a time with an absolute next link, then links {} on the last page', async () => {
    const first = await altinn(t, 'GET', listUrl, { token });
    const next = first.json.links.next as string;
    const second = await altinn(t, 'GET', next, { token });

    expect(first.status).toBe(200);
    expect(first.json.data.map((r: { id: string }) => r.id)).toEqual(ids.slice(0, 20));
    expect(next).toMatch(
      new RegExp(
        `^${t.sandbox.altinnPlatformUrl}/authentication/api/v1/${listUrl}\\?token=[A-Za-z0-9_-]+$`,
      ),
    );
    expect(Buffer.from(new URL(next).searchParams.get('token') ?? '', 'base64url').toString()).toBe(
      JSON.stringify(ids[19]),
    );
    expect(second.json.data.map((r: { id: string }) => r.id)).toEqual(ids.slice(20));
    expect(second.json.links).toEqual({});
    expect(second.text).toContain('"links":{}');
  });

  it('lists items without confirmUrl, and only the requested type', async () => {
    const first = await altinn(t, 'GET', listUrl, { token });
    const agents = await altinn(
      t,
      'GET',
      `systemuser/request/vendor/agent/bysystem/${DEMO.systemId}`,
      {
        token,
      },
    );

    expect(first.json.data[0]).not.toHaveProperty('confirmUrl');
    expect(first.json.data[0]).toMatchObject({
      status: 'New',
      externalRef: 'ref-1',
      timedOut: false,
    });
    expect(agents.json.data).toHaveLength(1);
    expect(agents.json.links).toEqual({});
  });

  it('honours a configured page size', async () => {
    t.sandbox.altinnApi.setPageSize(10);
    try {
      const pages: number[] = [];
      let url: string | undefined = listUrl;
      while (url) {
        const answer = await altinn(t, 'GET', url, { token });
        pages.push(answer.json.data.length);
        url = answer.json.links.next;
      }

      expect(pages).toEqual([10, 10, 5]);
    } finally {
      t.sandbox.altinnApi.setPageSize(20);
    }
  });

  it('answers 400 to a token it did not issue', async () => {
    const answer = await altinn(t, 'GET', `${listUrl}?token=garbage`, { token });

    expect(answer.status).toBe(400);
    expect(answer.json.validationErrors[0].paths).toEqual(['/token']);
  });

  it("answers 404 AUTH-00011 for an unknown system or another vendor's", async () => {
    const other = await otherVendor(t);
    const unknown = await altinn(t, 'GET', 'systemuser/request/vendor/bysystem/nope', { token });
    const foreign = await altinn(t, 'GET', listUrl, { token: await other() });

    expect([unknown.status, foreign.status]).toEqual([404, 404]);
    expect(foreign.json.code).toBe('AUTH-00011');
  });
});

describe('GET systemuser/vendor/bysystem/{systemId}', () => {
  it('pages the active system users as SystemUserExternalDTO', async () => {
    t.sandbox.altinnApi.setPageSize(2);
    try {
      const first = await altinn(t, 'GET', `systemuser/vendor/bysystem/${DEMO.systemId}`, {
        token,
      });
      const second = await altinn(t, 'GET', first.json.links.next, { token });

      expect(first.json.data).toHaveLength(2);
      expect(second.json.data).toHaveLength(1);
      expect(second.json.links).toEqual({});
      expect([...first.json.data, ...second.json.data].map((u: { id: string }) => u.id)).toEqual([
        DEMO.customers.standard.systemUserId,
        DEMO.customers.withExternalRef.systemUserId,
        DEMO.customers.agent.systemUserId,
      ]);
    } finally {
      t.sandbox.altinnApi.setPageSize(20);
    }
  });
});
