import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standardRequest, vendorToken } from '../../../support/altinn-vendor.js';
import { startTestSandbox, type TestSandbox } from '../../../support/sandbox-fixture.js';
import { del, get, orgSupply, orgsOutsideRegister, PATHS, post } from './support.js';

// The Altinn side's control API (`{base}/_control/altinn/...`): what broker tests need to set up
// and observe Altinn without waiting or reaching into the sandbox's objects.

let t: TestSandbox;
let token: string;
const freshOrg = orgSupply(31_700_000, 20);
const control = (path: string) => `${t.sandbox.url}/sandbox/_control/altinn/${path}`;
const send = (path: string, method: string, body?: unknown) =>
  fetch(control(path), {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });

beforeAll(async () => {
  t = await startTestSandbox();
  token = await vendorToken(t);
});
afterAll(() => t.sandbox.close());

describe('POST _control/altinn/requests/{id}', () => {
  it('ages one request past 180 days without moving the clock (reference §3.3)', async () => {
    const created = (await post(t, PATHS.standard, standardRequest(freshOrg()), token)).json;

    const aged = await send(`requests/${created.id}`, 'POST', { ageDays: 181 });
    const read = await get(t, PATHS.byId(created.id), token);

    expect(aged.status).toBe(200);
    expect(await aged.json()).toMatchObject({ id: created.id, status: 'New', timedOut: true });
    expect(read.json).toMatchObject({ status: 'New', timedOut: true });
  });

  it('writes a legacy Timedout status, which lets a new request be created (§3.3)', async () => {
    const org = freshOrg();
    const created = (await post(t, PATHS.standard, standardRequest(org), token)).json;

    const changed = await send(`requests/${created.id}`, 'POST', { status: 'Timedout' });
    const renewed = await post(t, PATHS.standard, standardRequest(org), token);

    expect(changed.status).toBe(200);
    expect(renewed.status).toBe(201);
  });

  it.each([
    ['an empty change', {}],
    ['an unknown status', { status: 'Gone' }],
    ['negative days', { ageDays: -1 }],
    ['an unknown member', { ageDays: 1, created: 'x' }],
  ])('answers 400 to %s', async (_label, body) => {
    const created = (await post(t, PATHS.standard, standardRequest(freshOrg()), token)).json;

    const answer = await send(`requests/${created.id}`, 'POST', body);

    expect(answer.status).toBe(400);
  });

  it('answers 404 for an unknown or deleted request', async () => {
    const created = (await post(t, PATHS.standard, standardRequest(freshOrg()), token)).json;
    await del(t, PATHS.byId(created.id), token);

    const deleted = await send(`requests/${created.id}`, 'POST', { ageDays: 1 });
    const unknown = await send('requests/00000000-0000-4000-8000-000000000000', 'POST', {
      ageDays: 1,
    });

    expect([deleted.status, unknown.status]).toEqual([404, 404]);
  });
});

describe('GET _control/altinn/requests', () => {
  it('lists every stored request, deleted ones included, with timedOut as of now', async () => {
    const kept = (await post(t, PATHS.standard, standardRequest(freshOrg()), token)).json;
    const gone = (await post(t, PATHS.standard, standardRequest(freshOrg()), token)).json;
    await del(t, PATHS.byId(gone.id), token);

    const answer = (await (await send('requests', 'GET')).json()) as {
      requests: { id: string; isDeleted: boolean; timedOut: boolean }[];
    };

    expect(answer.requests.find((r) => r.id === kept.id)).toMatchObject({
      isDeleted: false,
      timedOut: false,
    });
    expect(answer.requests.find((r) => r.id === gone.id)).toMatchObject({ isDeleted: true });
  });
});

describe('_control/altinn/organisations', () => {
  it('adds an organisation to the Entity Register, so AUTH-00000 turns into 201', async () => {
    const [org] = orgsOutsideRegister(4).slice(3) as [string];
    const before = await post(t, PATHS.standard, standardRequest(org), token);

    const added = await send('organisations', 'POST', { orgNo: org, name: 'Ny Kunde AS' });
    const after = await post(t, PATHS.standard, standardRequest(org), token);
    const listed = (await (await send('organisations', 'GET')).json()) as {
      organisations: { orgNo: string; name: string }[];
      blocks: string[];
    };

    expect(before.json.code).toBe('AUTH-00000');
    expect(added.status).toBe(201);
    expect(after.status).toBe(201);
    expect(listed.organisations).toContainEqual({ orgNo: org, name: 'Ny Kunde AS' });
    expect(listed.blocks).toEqual(['31']);
  });

  it.each([
    ['an invalid check digit', { orgNo: '123456789' }],
    ['not 9 digits', { orgNo: '12345' }],
    ['no orgNo', { name: 'x' }],
  ])('refuses %s with 400', async (_label, body) => {
    expect((await send('organisations', 'POST', body)).status).toBe(400);
  });
});

describe('_control/stats', () => {
  it('counts DELETE calls by route, so a test can prove none was sent', async () => {
    await fetch(`${t.sandbox.url}/sandbox/_control/stats`, { method: 'DELETE' });
    const created = (await post(t, PATHS.standard, standardRequest(freshOrg()), token)).json;
    await del(t, PATHS.byId(created.id), token);

    const stats = (await (await fetch(`${t.sandbox.url}/sandbox/_control/stats`)).json()) as {
      altinn: { calls: Record<string, number> };
    };

    expect(stats.altinn.calls).toEqual({
      'POST systemuser/request/vendor': 1,
      'DELETE systemuser/request/vendor/{requestId}': 1,
    });
  });
});
