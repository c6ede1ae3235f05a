import { afterEach, describe, expect, it, vi } from 'vitest';
import { AltinnHttpClient } from '../../../../shared/adapters/altinn/altinn-client.js';
import { ALTINN_SCOPES } from '../../../../shared/adapters/altinn/altinn-scopes.js';
import { AltinnError } from '../../../../shared/ports/altinn.js';
import { Deadline } from '../../../../shared/ports/deadline.js';
import {
  connectionRefused,
  connectionReset,
  type FakeReply,
  fakeFetch,
  type RecordedRequest,
} from '../../../support/fake-fetch.js';
import { readFixture } from '../../../support/fixtures.js';

const PLATFORM = 'https://platform.tt02.altinn.no';
const API = `${PLATFORM}/authentication/api/v1/`;
const SYSTEM = '310547891_demo_broker';
const REQUEST_ID = 'b5e6ac27-a24e-4eaa-b93c-32e4091f2384';
/** A deadline far enough away never to matter (these tests are not about time). */
const inTime = () => Deadline.after(10_000);
const STANDARD = readFixture<Record<string, unknown>>(
  'altinn/systemuser-request-standard-response.json',
);

function client(reply: ((r: RecordedRequest) => FakeReply | Promise<FakeReply>) | FakeReply[]) {
  const fake = fakeFetch(reply);
  const scopes: string[][] = [];
  const altinn = new AltinnHttpClient({
    platformUrl: PLATFORM,
    fetch: fake.fetch,
    tokenProvider: async (s) => {
      scopes.push(s);
      return `vendor-token-for-${s.join('+')}`;
    },
  });
  return { altinn, requests: fake.requests, scopes };
}

async function failure(promise: Promise<unknown>): Promise<AltinnError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AltinnError);
  return error as AltinnError;
}

describe('AltinnHttpClient: endpoints and scopes (Altinn §6.1)', () => {
  it.each([
    [
      'createSystem',
      (c: AltinnHttpClient) => c.createSystem({ id: SYSTEM }, inTime()),
      'POST',
      'systemregister/vendor',
      ALTINN_SCOPES.systemRegisterWrite,
      '"7f9c"',
    ],
    [
      'updateSystem',
      (c: AltinnHttpClient) => c.updateSystem(SYSTEM, { id: SYSTEM }, inTime()),
      'PUT',
      `systemregister/vendor/${SYSTEM}`,
      ALTINN_SCOPES.systemRegisterWrite,
      'true',
    ],
    [
      'getSystem',
      (c: AltinnHttpClient) => c.getSystem(SYSTEM, inTime()),
      'GET',
      `systemregister/vendor/${SYSTEM}`,
      ALTINN_SCOPES.systemRegisterWrite,
      '{"id":"x"}',
    ],
    [
      'listSystems',
      (c: AltinnHttpClient) => c.listSystems(inTime()),
      'GET',
      'systemregister/vendor',
      ALTINN_SCOPES.systemRegisterWrite,
      '[]',
    ],
    [
      'createRequest standard',
      (c: AltinnHttpClient) =>
        c.createRequest('standard', { systemId: SYSTEM, partyOrgNo: '910753614' }, inTime()),
      'POST',
      'systemuser/request/vendor',
      ALTINN_SCOPES.requestWrite,
      JSON.stringify(STANDARD),
    ],
    [
      'createRequest agent',
      (c: AltinnHttpClient) =>
        c.createRequest('agent', { systemId: SYSTEM, partyOrgNo: '910753614' }, inTime()),
      'POST',
      'systemuser/request/vendor/agent',
      ALTINN_SCOPES.requestWrite,
      JSON.stringify(STANDARD),
    ],
    [
      'getRequest standard',
      (c: AltinnHttpClient) => c.getRequest('standard', REQUEST_ID, inTime()),
      'GET',
      `systemuser/request/vendor/${REQUEST_ID}`,
      ALTINN_SCOPES.requestRead,
      JSON.stringify(STANDARD),
    ],
    [
      'getRequest agent',
      (c: AltinnHttpClient) => c.getRequest('agent', REQUEST_ID, inTime()),
      'GET',
      `systemuser/request/vendor/agent/${REQUEST_ID}`,
      ALTINN_SCOPES.requestRead,
      JSON.stringify(STANDARD),
    ],
    [
      'byexternalref',
      (c: AltinnHttpClient) =>
        c.getRequestByExternalRef('standard', { systemId: SYSTEM, orgNo: '910753614' }, inTime()),
      'GET',
      `systemuser/request/vendor/byexternalref/${SYSTEM}/910753614/910753614`,
      ALTINN_SCOPES.requestRead,
      JSON.stringify(STANDARD),
    ],
    [
      'byexternalref agent',
      (c: AltinnHttpClient) =>
        c.getRequestByExternalRef(
          'agent',
          {
            systemId: SYSTEM,
            orgNo: '910753614',
            externalRef: 'a/b c',
          },
          inTime(),
        ),
      'GET',
      `systemuser/request/vendor/agent/byexternalref/${SYSTEM}/910753614/a%2Fb%20c`,
      ALTINN_SCOPES.requestRead,
      JSON.stringify(STANDARD),
    ],
    [
      'listRequests agent',
      (c: AltinnHttpClient) => c.listRequests('agent', SYSTEM, inTime()),
      'GET',
      `systemuser/request/vendor/agent/bysystem/${SYSTEM}`,
      ALTINN_SCOPES.requestRead,
      '{"links":{},"data":[]}',
    ],
    [
      'deleteRequest',
      (c: AltinnHttpClient) => c.deleteRequest(REQUEST_ID, inTime()),
      'DELETE',
      `systemuser/request/vendor/${REQUEST_ID}`,
      ALTINN_SCOPES.requestWrite,
      '',
    ],
    [
      'findSystemUser',
      (c: AltinnHttpClient) =>
        c.findSystemUser({ systemId: SYSTEM, orgNo: '910753614', externalRef: 'x' }, inTime()),
      'GET',
      `systemuser/vendor/byquery?system-id=${SYSTEM}&orgno=910753614&external-ref=x`,
      ALTINN_SCOPES.requestWrite,
      '{"id":"u","systemId":"s","reporteeOrgNo":"910753614"}',
    ],
    [
      'listSystemUsers',
      (c: AltinnHttpClient) => c.listSystemUsers(SYSTEM, inTime()),
      'GET',
      `systemuser/vendor/bysystem/${SYSTEM}`,
      ALTINN_SCOPES.systemRegisterWrite,
      '{"links":{},"data":[]}',
    ],
  ])('%s', async (_name, call, method, path, scope, text) => {
    const { altinn, requests, scopes } = client([
      { status: method === 'POST' && path.startsWith('systemuser') ? 201 : 200, text },
    ]);

    await call(altinn);

    expect(requests).toHaveLength(1);
    expect(requests[0]?.method).toBe(method);
    expect(requests[0]?.url).toBe(`${API}${path}`);
    expect(scopes).toEqual([[scope]]);
    expect(requests[0]?.headers['authorization']).toBe(`Bearer vendor-token-for-${scope}`);
    expect(requests[0]?.headers['accept']).toBe('application/json');
  });

  it('sends the body as JSON and tells created (201) from existing (200)', async () => {
    const { altinn, requests } = client([
      { status: 201, body: STANDARD },
      { status: 200, body: STANDARD },
    ]);
    const body = {
      systemId: SYSTEM,
      partyOrgNo: '311780735',
      accessPackages: [{ urn: 'urn:altinn:accesspackage:x' }],
    };

    const first = await altinn.createRequest('standard', body, inTime());
    const second = await altinn.createRequest('standard', body, inTime());

    expect(requests[0]?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(requests[0]?.body ?? '')).toEqual(body);
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(first.request.id).toBe(REQUEST_ID);
  });

  it('resolves the internal id of a created system from a JSON string', async () => {
    const { altinn } = client([{ text: '"772e52bc-0000-4000-8000-000000000000"' }]);
    expect(await altinn.createSystem({}, inTime())).toBe('772e52bc-0000-4000-8000-000000000000');
  });

  it('answers undefined for a 404 on getSystem and findSystemUser', async () => {
    const { altinn } = client([
      { status: 404, body: {} },
      { status: 404, body: { code: 'AUTH-00010' } },
    ]);
    expect(await altinn.getSystem(SYSTEM, inTime())).toBeUndefined();
    expect(
      await altinn.findSystemUser({ systemId: SYSTEM, orgNo: '910753614' }, inTime()),
    ).toBeUndefined();
  });

  it('strips the platform trailing slash and keeps a path prefix (the sandbox)', async () => {
    const fake = fakeFetch([{ text: '[]' }]);
    const altinn = new AltinnHttpClient({
      platformUrl: 'http://127.0.0.1:8080/sandbox/altinn/',
      fetch: fake.fetch,
      tokenProvider: async () => 't',
    });
    await altinn.listSystems(inTime());
    expect(fake.requests[0]?.url).toBe(
      'http://127.0.0.1:8080/sandbox/altinn/authentication/api/v1/systemregister/vendor',
    );
  });

  it('refuses plain http off loopback', () => {
    expect(
      () =>
        new AltinnHttpClient({
          platformUrl: 'http://platform.altinn.no',
          tokenProvider: async () => 't',
        }),
    ).toThrow(/https/);
  });
});

describe('AltinnHttpClient: pagination', () => {
  it('follows an absolute internal http next link on the configured platform, never off it', async () => {
    const page = readFixture<{ links: { next: string }; data: unknown[] }>(
      'altinn/systemuser-requests-by-system-paginated-at22.json',
    );
    const { altinn, requests, scopes } = client([
      { body: page },
      { body: { links: {}, data: [STANDARD] } },
    ]);

    const all = await altinn.listRequests(
      'standard',
      '312605031_9cfc4cac-1776-4052-882a-d0874fc6b548',
      inTime(),
    );

    expect(all).toHaveLength(21);
    const next = new URL(page.links.next);
    expect(requests[1]?.url).toBe(
      `${API}${next.pathname.replace('/authentication/api/v1/', '')}${next.search}`,
    );
    expect(requests[1]?.url.startsWith(PLATFORM)).toBe(true);
    expect(scopes).toHaveLength(1);
  });

  it('follows a next link on the platform as it is', async () => {
    const next = `${API}systemuser/vendor/bysystem/${SYSTEM}?token=abc`;
    const { altinn, requests } = client([
      {
        body: {
          links: { next },
          data: [{ id: 'a', systemId: SYSTEM, reporteeOrgNo: '910753614' }],
        },
      },
      {
        body: {
          links: { next: null },
          data: [{ id: 'b', systemId: SYSTEM, reporteeOrgNo: '313725138' }],
        },
      },
    ]);

    const users = await altinn.listSystemUsers(SYSTEM, inTime());

    expect(users.map((u) => u.id)).toEqual(['a', 'b']);
    expect(requests[1]?.url).toBe(next);
  });

  it('stops on a next link that repeats', async () => {
    const next = `${API}systemuser/vendor/bysystem/${SYSTEM}?token=same`;
    const pageWith = { body: { links: { next }, data: [] } };
    const { altinn } = client([pageWith, pageWith, pageWith]);
    expect((await failure(altinn.listSystemUsers(SYSTEM, inTime()))).kind).toBe('malformed');
  });

  it('refuses a next link outside the authentication API', async () => {
    const { altinn } = client([
      { body: { links: { next: 'https://evil.example/steal' }, data: [] } },
    ]);
    expect((await failure(altinn.listSystemUsers(SYSTEM, inTime()))).message).toMatch(/outside/);
  });
});

describe('AltinnHttpClient: errors and retries', () => {
  it('turns a ProblemDetails answer into AltinnError with code and validation errors', async () => {
    const problem = readFixture('altinn/problemdetails-validation-pre-v5.json');
    const { altinn } = client([{ status: 400, body: problem }]);

    const error = await failure(altinn.createSystem({}, inTime()));

    expect(error).toMatchObject({ kind: 'http', status: 400, code: 'STD-00000' });
    expect(error.validationErrors[0]).toMatchObject({
      code: 'AUTH.VLD-00004',
      paths: ['/registersystemrequest/clientid'],
    });
  });

  it('retries a GET once on 5xx', async () => {
    const { altinn, requests } = client([{ status: 503, text: 'busy' }, { body: STANDARD }]);
    expect((await altinn.getRequest('standard', REQUEST_ID, inTime())).id).toBe(REQUEST_ID);
    expect(requests).toHaveLength(2);
  });

  it('gives up a GET after the second 5xx', async () => {
    const { altinn, requests } = client([{ status: 500 }, { status: 502 }, { body: STANDARD }]);
    expect((await failure(altinn.getRequest('standard', REQUEST_ID, inTime()))).status).toBe(502);
    expect(requests).toHaveLength(2);
  });

  it('never retries a GET on 4xx', async () => {
    const { altinn, requests } = client([
      { status: 404, body: { code: 'AUTH-00010' } },
      { body: STANDARD },
    ]);
    expect((await failure(altinn.getRequest('standard', REQUEST_ID, inTime()))).code).toBe(
      'AUTH-00010',
    );
    expect(requests).toHaveLength(1);
  });

  it('never retries a POST on 5xx or a connection lost after sending', async () => {
    const first = client([{ status: 503 }, { status: 201, body: STANDARD }]);
    expect(
      (
        await failure(
          first.altinn.createRequest(
            'standard',
            { systemId: SYSTEM, partyOrgNo: '910753614' },
            inTime(),
          ),
        )
      ).status,
    ).toBe(503);
    expect(first.requests).toHaveLength(1);

    const second = client([connectionReset(), { status: 201, body: STANDARD }]);
    expect(
      (
        await failure(
          second.altinn.createRequest(
            'standard',
            { systemId: SYSTEM, partyOrgNo: '910753614' },
            inTime(),
          ),
        )
      ).kind,
    ).toBe('network');
    expect(second.requests).toHaveLength(1);
  });

  it('retries a POST once when the connection failed before anything was sent', async () => {
    const { altinn, requests } = client([connectionRefused(), { status: 201, body: STANDARD }]);
    expect(
      (
        await altinn.createRequest(
          'standard',
          { systemId: SYSTEM, partyOrgNo: '910753614' },
          inTime(),
        )
      ).created,
    ).toBe(true);
    expect(requests).toHaveLength(2);
  });

  describe('on a virtual clock', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('answers timeout at the request’s deadline when Altinn hangs (no budget of its own)', async () => {
      vi.useFakeTimers();
      const hanging = ((_input: string | URL | Request, init: RequestInit = {}) =>
        new Promise<Response>((_, reject) =>
          init.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
        )) as typeof fetch;
      const altinn = new AltinnHttpClient({
        platformUrl: PLATFORM,
        fetch: hanging,
        tokenProvider: async () => 't',
      });
      const deadline = Deadline.after(6_000);
      let settled = false;
      const answer = failure(altinn.getRequest('standard', REQUEST_ID, deadline)).finally(() => {
        settled = true;
      });

      await vi.advanceTimersByTimeAsync(5_999);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect((await answer).kind).toBe('timeout');
    });
  });

  it('calls an answer without the required fields malformed', async () => {
    const { altinn } = client([{ status: 201, body: { id: REQUEST_ID } }]);
    expect(
      (
        await failure(
          altinn.createRequest('standard', { systemId: SYSTEM, partyOrgNo: '910753614' }, inTime()),
        )
      ).kind,
    ).toBe('malformed');
  });

  it('lets the token provider’s error through untouched, without calling Altinn', async () => {
    const fake = fakeFetch([]);
    const boom = new Error('no vendor token');
    const altinn = new AltinnHttpClient({
      platformUrl: PLATFORM,
      fetch: fake.fetch,
      tokenProvider: async () => {
        throw boom;
      },
    });
    await expect(altinn.listSystems(inTime())).rejects.toBe(boom);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('AltinnHttpClient: change requests (reference §5)', () => {
  const CHANGE_ID = '7d1c2a9e-8d4b-4c1e-9a57-3b7e0d2f6a10';
  const USER_ID = '0d7b6c8e-5a3f-4e21-9c4d-1f2e3a4b5c61';
  /** `ChangeRequestResponse`, members in Altinn's order (Models/SystemUsers/ChangeRequestResponse.cs). */
  const answer = (change: Record<string, unknown> = {}) => ({
    id: CHANGE_ID,
    externalRef: '910753614',
    systemId: SYSTEM,
    systemUserId: USER_ID,
    partyOrgNo: '910753614',
    requiredRights: [{ resource: [{ id: 'urn:altinn:resource', value: 'demo-lonn' }] }],
    unwantedRights: [],
    requiredAccessPackages: [],
    unwantedAccessPackages: [],
    status: 'New',
    confirmUrl: `https://am.ui.tt02.altinn.no/accessmanagement/ui/systemuser/changerequest?id=${CHANGE_ID}&DONTCHOOSEREPORTEE=true`,
    created: '2026-07-17T10:00:00.123456Z',
    timedOut: false,
    ...change,
  });
  const body = {
    requiredRights: [{ resource: [{ id: 'urn:altinn:resource', value: 'demo-lonn' }] }],
    unwantedRights: [],
    requiredAccessPackages: [],
    unwantedAccessPackages: [],
  };

  it.each([
    [
      'createChangeRequest',
      (c: AltinnHttpClient) =>
        c.createChangeRequest({ correlationId: CHANGE_ID, systemUserId: USER_ID }, body, inTime()),
      'POST',
      `systemuser/changerequest/vendor?correlation-id=${CHANGE_ID}&system-user-id=${USER_ID}`,
      ALTINN_SCOPES.requestWrite,
      201,
    ],
    [
      'getChangeRequest',
      (c: AltinnHttpClient) => c.getChangeRequest(CHANGE_ID, inTime()),
      'GET',
      `systemuser/changerequest/vendor/${CHANGE_ID}`,
      ALTINN_SCOPES.requestRead,
      200,
    ],
    [
      'getChangeRequestByExternalRef',
      (c: AltinnHttpClient) =>
        c.getChangeRequestByExternalRef({ systemId: SYSTEM, orgNo: '910753614' }, inTime()),
      'GET',
      `systemuser/changerequest/vendor/byexternalref/${SYSTEM}/910753614/910753614`,
      ALTINN_SCOPES.requestRead,
      200,
    ],
  ])('%s: path, query and scope', async (_name, call, method, path, scope, status) => {
    const { altinn, requests, scopes } = client([{ status, body: answer() }]);
    await call(altinn);
    expect(requests.map((r) => [r.method, r.url])).toEqual([[method, `${API}${path}`]]);
    expect(scopes).toEqual([[scope]]);
  });

  it('sends all four lists and reads 201 as created, 200 as existing or NoChangeNeeded', async () => {
    const { altinn, requests } = client([
      { status: 201, body: answer() },
      { status: 200, body: answer({ status: 'Rejected' }) },
      {
        status: 200,
        body: answer({ status: 'NoChangeNeeded', confirmUrl: '', created: '0001-01-01T00:00:00' }),
      },
    ]);
    const ids = { correlationId: CHANGE_ID, systemUserId: USER_ID };
    const created = await altinn.createChangeRequest(ids, body, inTime());
    const existing = await altinn.createChangeRequest(ids, body, inTime());
    const none = await altinn.createChangeRequest(ids, body, inTime());

    expect(JSON.parse(requests[0]?.body ?? '')).toEqual(body);
    expect(created).toMatchObject({
      created: true,
      changeRequest: { id: CHANGE_ID, status: 'New' },
    });
    expect(existing).toMatchObject({ created: false, changeRequest: { status: 'Rejected' } });
    expect(none.changeRequest.status).toBe('NoChangeNeeded');
    expect(none.changeRequest.confirmUrl).toBeUndefined();
  });

  it('reads the first page of bysystem only, and says whether Altinn had more', async () => {
    const { altinn, requests } = client([
      {
        body: {
          links: { next: `${API}systemuser/changerequest/vendor/bysystem/${SYSTEM}?token=abc` },
          data: [answer(), answer({ id: 'e1c2a9e8-8d4b-4c1e-9a57-3b7e0d2f6a10' })],
        },
      },
      { body: { links: {}, data: [] } },
    ]);
    const more = await altinn.firstChangeRequestPage(SYSTEM, inTime());
    const last = await altinn.firstChangeRequestPage(SYSTEM, inTime());

    expect(more.items.map((item) => item.id)).toHaveLength(2);
    expect(more.more).toBe(true);
    expect(last).toEqual({ items: [], more: false });
    expect(requests.map((r) => r.url)).toEqual([
      `${API}systemuser/changerequest/vendor/bysystem/${SYSTEM}`,
      `${API}systemuser/changerequest/vendor/bysystem/${SYSTEM}`,
    ]);
  });

  it('deletes with the write scope, and calls an item without its required fields malformed', async () => {
    const { altinn, requests, scopes } = client([
      { status: 202, text: '' },
      { body: { links: {}, data: [{ id: CHANGE_ID }] } },
    ]);
    await altinn.deleteChangeRequest(CHANGE_ID, inTime());
    expect(requests[0]).toMatchObject({
      method: 'DELETE',
      url: `${API}systemuser/changerequest/vendor/${CHANGE_ID}`,
    });
    expect(scopes[0]).toEqual([ALTINN_SCOPES.requestWrite]);
    expect((await failure(altinn.firstChangeRequestPage(SYSTEM, inTime()))).kind).toBe('malformed');
  });
});

describe('AltinnHttpClient: the token exchange (§7)', () => {
  const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjF9.c2ln';

  it.each([
    ['text/plain', { text: JWT }],
    ['a JSON string', { body: JWT }],
    ['text with quotes and a newline', { text: `"${JWT}"\n` }],
  ])('reads the JWT from %s, sent with the Maskinporten token as bearer', async (_name, reply) => {
    const { altinn, requests, scopes } = client([reply]);

    expect(await altinn.exchangeMaskinportenToken('mp-token', inTime())).toBe(JWT);
    expect(requests[0]?.url).toBe(`${API}exchange/maskinporten`);
    expect(requests[0]?.method).toBe('GET');
    expect(requests[0]?.headers['authorization']).toBe('Bearer mp-token');
    expect(requests[0]?.headers['accept']).toContain('application/json');
    expect(scopes).toEqual([]);
  });

  it('refuses an answer that is not a JWT', async () => {
    const { altinn } = client([{ text: '<html>ok</html>' }]);
    expect((await failure(altinn.exchangeMaskinportenToken('mp', inTime()))).kind).toBe(
      'malformed',
    );
  });

  it('passes a 401 on as an http AltinnError', async () => {
    const { altinn, requests } = client([{ status: 401, text: '' }, { text: JWT }]);
    expect((await failure(altinn.exchangeMaskinportenToken('mp', inTime()))).status).toBe(401);
    expect(requests).toHaveLength(1);
  });
});
