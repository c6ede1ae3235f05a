import { describe, expect, it } from 'vitest';
import { InMemoryMetrics } from '../../../shared/adapters/metrics/in-memory-metrics.js';
import { SystemUserService } from '../../../shared/app/system-user-service.js';
import { OPEN_POLICY } from '../../../shared/domain/caller-policy.js';
import { parsePolicy } from '../../../shared/domain/policy-document.js';
import type { SystemUserType } from '../../../shared/domain/system-user-request.js';
import { createApiHandler } from '../../../shared/http/api-handler.js';
import type { ApiRequest } from '../../../shared/http/api-types.js';
import { createSystemUserRoutes } from '../../../shared/http/system-user-routes.js';
import {
  AltinnError,
  type AltinnSystemUserRequest,
  type AltinnVendorApi,
} from '../../../shared/ports/altinn.js';
import { altinnProblem, fakeAltinn } from '../../support/fake-altinn.js';
import { RecordingLogger } from '../../support/recording-logger.js';

const SYSTEM = '310547891_demo_broker';
const ORG = '910753614';
const OTHER_ORG = '313725138';
const ID = '0c5c58ad-4fc1-4ef9-9c72-4a3376a0c3d0';
const PACKAGE = 'urn:altinn:accesspackage:skattegrunnlag';
const ROLE = 'arn:aws:iam::111111111111:role/onboarding';

const altinnRequest = (change: Partial<AltinnSystemUserRequest> = {}): AltinnSystemUserRequest => ({
  id: ID,
  systemId: SYSTEM,
  partyOrgNo: ORG,
  externalRef: ORG,
  status: 'New',
  rights: [],
  accessPackages: [{ urn: PACKAGE }],
  confirmUrl: `https://am.ui.tt02.altinn.no/accessmanagement/ui/systemuser/request?id=${ID}`,
  ...change,
});

const problem = altinnProblem;

function api(methods: Partial<AltinnVendorApi>, policy?: unknown) {
  const altinn = fakeAltinn(methods);
  const logger = new RecordingLogger();
  const metrics = new InMemoryMetrics();
  const api = createApiHandler(
    createSystemUserRoutes({
      systemUsers: new SystemUserService({ altinn: altinn.api, systemId: SYSTEM }),
      policy: policy === undefined ? OPEN_POLICY : parsePolicy(policy, 'test'),
    }),
    { clock: Date.now, logger, metrics, deadlineMs: 10_000 },
  );
  const call = async (method: string, path: string, body?: unknown) => {
    const [pathOnly, query] = path.split('?');
    const request: ApiRequest = {
      method,
      path: pathOnly ?? path,
      query: new URLSearchParams(query ?? ''),
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: new TextEncoder().encode(JSON.stringify(body)) }),
      caller: { id: ROLE, source: 'iam' },
    };
    const response = await api(request);
    return { status: response.status, json: response.body ? JSON.parse(response.body) : undefined };
  };
  return { call, calls: altinn.calls, logger, metrics };
}

const onboardingPolicy = (orgs: string[] | '*', systemUserRequests = true) => ({
  rules: [{ callers: [ROLE], scopes: ['krr:*'], orgs, systemUserRequests }],
});

describe('POST /v1/systemuser-requests', () => {
  it('creates a standard request: 201 with the normalised request', async () => {
    const { call, calls } = api({
      createRequest: async () => ({ created: true, request: altinnRequest() }),
    });

    const response = await call('POST', '/v1/systemuser-requests', {
      org: ORG,
      type: 'standard',
      accessPackages: [PACKAGE],
    });

    expect(response.status).toBe(201);
    expect(response.json).toEqual({
      id: ID,
      type: 'standard',
      status: 'New',
      timedOut: false,
      confirmUrl: `https://am.ui.tt02.altinn.no/accessmanagement/ui/systemuser/request?id=${ID}`,
      externalRef: ORG,
      systemId: SYSTEM,
      partyOrgNo: ORG,
      rights: [],
      accessPackages: [PACKAGE],
    });
    expect(calls).toEqual([
      [
        'createRequest',
        'standard',
        { systemId: SYSTEM, partyOrgNo: ORG, accessPackages: [{ urn: PACKAGE }] },
      ],
    ]);
  });

  it('answers 200 with Altinn’s existing request for the same (system, org, externalRef)', async () => {
    const { call } = api({
      createRequest: async () => ({
        created: false,
        request: altinnRequest({ status: 'Rejected' }),
      }),
    });
    const response = await call('POST', '/v1/systemuser-requests', {
      org: ORG,
      type: 'agent',
      accessPackages: [PACKAGE],
    });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ id: ID, type: 'agent', status: 'Rejected' });
  });

  // Reference §3.2 step 3: a repeated POST answers 200 with the old request whatever its status
  // and age (RequestSystemUserController.cs:122-128); §3.3: `timedOut` past 180 days.
  it.each(['New', 'Rejected', 'Denied'])(
    'replaces a timed-out %s request: deletes it, creates a new one once, answers 201',
    async (status) => {
      const NEW_ID = '7d1c2a9e-8d4b-4c1e-9a57-3b7e0d2f6a10';
      let posts = 0;
      const { call, calls, logger } = api({
        createRequest: async () =>
          ++posts === 1
            ? { created: false, request: altinnRequest({ status, timedOut: true }) }
            : { created: true, request: altinnRequest({ id: NEW_ID }) },
        deleteRequest: async () => undefined,
      });
      const response = await call('POST', '/v1/systemuser-requests', {
        org: ORG,
        type: 'standard',
        accessPackages: [PACKAGE],
      });
      expect(response.status).toBe(201);
      expect(response.json).toMatchObject({ id: NEW_ID, status: 'New', timedOut: false });
      expect(calls.map((c) => c[0])).toEqual(['createRequest', 'deleteRequest', 'createRequest']);
      expect(calls[1]).toEqual(['deleteRequest', ID]);
      expect(logger.entries.at(-1)?.fields).toMatchObject({
        outcome: 201,
        requestId: NEW_ID,
        replacedTimedOut: ID,
      });
    },
  );

  it('replaces a timed-out request that is already gone at Altinn (the DELETE answers 404)', async () => {
    let posts = 0;
    const { call, calls } = api({
      createRequest: async () => ({
        created: ++posts > 1,
        request: altinnRequest({ timedOut: posts === 1 }),
      }),
      deleteRequest: async () => {
        throw problem(404, 'AUTH-00010');
      },
    });
    const response = await call('POST', '/v1/systemuser-requests', {
      org: ORG,
      type: 'standard',
      rights: ['r'],
    });
    expect(response.status).toBe(201);
    expect(calls.map((c) => c[0])).toEqual(['createRequest', 'deleteRequest', 'createRequest']);
  });

  it('replaces once: a second old answer is returned as it is (200)', async () => {
    const { call, calls } = api({
      createRequest: async () => ({
        created: false,
        request: altinnRequest({ timedOut: true }),
      }),
      deleteRequest: async () => undefined,
    });
    const response = await call('POST', '/v1/systemuser-requests', {
      org: ORG,
      type: 'standard',
      rights: ['r'],
    });
    expect(response.status).toBe(200);
    expect(calls.map((c) => c[0])).toEqual(['createRequest', 'deleteRequest', 'createRequest']);
  });

  it.each([
    ['an accepted request past 180 days', { status: 'Accepted', timedOut: true }],
    ['a rejected request that has not timed out', { status: 'Rejected', timedOut: false }],
    ['a new request that has not timed out', { status: 'New', timedOut: false }],
  ])('keeps %s: 200 with it, no DELETE', async (_name, change) => {
    const { call, calls } = api({
      createRequest: async () => ({ created: false, request: altinnRequest(change) }),
    });
    const response = await call('POST', '/v1/systemuser-requests', {
      org: ORG,
      type: 'standard',
      rights: ['r'],
    });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ id: ID, ...change });
    expect(calls.map((c) => c[0])).toEqual(['createRequest']);
  });

  it('answers a failed DELETE of the timed-out request as that failure, without a second POST', async () => {
    const { call, calls } = api({
      createRequest: async () => ({ created: false, request: altinnRequest({ timedOut: true }) }),
      deleteRequest: async () => {
        throw problem(503);
      },
    });
    const response = await call('POST', '/v1/systemuser-requests', {
      org: ORG,
      type: 'standard',
      rights: ['r'],
    });
    expect(response.status).toBe(502);
    expect(response.json.error).toBe('temporarily_unavailable');
    expect(calls.map((c) => c[0])).toEqual(['createRequest', 'deleteRequest']);
  });

  it('answers 409 conflict when a system user already exists (AUTH-00004)', async () => {
    const { call } = api({
      createRequest: async () => {
        throw problem(400, 'AUTH-00004');
      },
    });
    const response = await call('POST', '/v1/systemuser-requests', {
      org: ORG,
      type: 'standard',
      rights: ['r'],
      externalRef: 'nord',
    });
    expect(response.status).toBe(409);
    expect(response.json.error).toBe('conflict');
    expect(response.json.error_description).toContain(
      `a system user already exists for org ${ORG} and externalRef nord`,
    );
    expect(response.json.altinn_error).toMatchObject({ status: 400, error: 'AUTH-00004' });
  });

  it.each([
    ['AUTH-00000 unknown org', problem(400, 'AUTH-00000'), 400, 'invalid_request'],
    ['AUTH-00021 redirect not allowed', problem(400, 'AUTH-00021'), 400, 'invalid_request'],
    [
      'AUTH-00011 system not found (broker configuration)',
      problem(404, 'AUTH-00011'),
      502,
      'server_error',
    ],
    ['503', problem(503), 502, 'temporarily_unavailable'],
    ['a timeout', new AltinnError('timeout', 'slow'), 504, 'temporarily_unavailable'],
  ])('maps Altinn’s %s', async (_name, failure, status, error) => {
    const { call } = api({
      createRequest: async () => {
        throw failure;
      },
    });
    const response = await call('POST', '/v1/systemuser-requests', {
      org: ORG,
      type: 'standard',
      rights: ['r'],
    });
    expect(response.status).toBe(status);
    expect(response.json.error).toBe(error);
  });

  it('refuses bad input before calling Altinn, and counts it', async () => {
    const { call, calls, metrics } = api({});
    const response = await call('POST', '/v1/systemuser-requests', { org: ORG, type: 'agent' });
    expect(response.status).toBe(400);
    expect(response.json.error_description).toBe(
      'accessPackages: an agent request needs at least one access package',
    );
    expect(calls).toEqual([]);
    expect(metrics.get('InvalidRequests')).toBe(1);
  });

  it('applies the caller policy before calling Altinn', async () => {
    const { call, calls, metrics } = api({}, onboardingPolicy([OTHER_ORG]));
    const response = await call('POST', '/v1/systemuser-requests', {
      org: ORG,
      type: 'standard',
      rights: ['r'],
    });
    expect(response.status).toBe(403);
    expect(response.json.error_description).toBe(
      `caller ${ROLE} may not manage system-user requests for org ${ORG}`,
    );
    expect(calls).toEqual([]);
    expect(metrics.get('AccessDenied')).toBe(1);
  });

  it('needs systemUserRequests in the rule, not only the org', async () => {
    const { call } = api({}, onboardingPolicy('*', false));
    expect(
      (await call('POST', '/v1/systemuser-requests', { org: ORG, type: 'standard', rights: ['r'] }))
        .status,
    ).toBe(403);
  });
});

describe('GET /v1/systemuser-requests/{id}', () => {
  it('reads a standard request', async () => {
    const { call, calls } = api({ getRequest: async () => altinnRequest({ status: 'Accepted' }) });
    const response = await call('GET', `/v1/systemuser-requests/${ID}`);
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ id: ID, type: 'standard', status: 'Accepted' });
    expect(calls).toEqual([['getRequest', 'standard', ID]]);
  });

  it.each([
    ['404', problem(404, 'AUTH-00010')],
    ['AUTH-00025', problem(400, 'AUTH-00025')],
  ])('falls back to the agent route on %s', async (_name, failure) => {
    const { call, calls } = api({
      getRequest: async (type: SystemUserType) => {
        if (type === 'standard') throw failure;
        return altinnRequest();
      },
    });
    const response = await call('GET', `/v1/systemuser-requests/${ID}`);
    expect(response.json).toMatchObject({ type: 'agent' });
    expect(calls.map((c) => c[1])).toEqual(['standard', 'agent']);
  });

  it('takes ?type= and then asks only that route', async () => {
    const { call, calls } = api({
      getRequest: async () => {
        throw problem(404, 'AUTH-00010');
      },
    });
    const response = await call('GET', `/v1/systemuser-requests/${ID}?type=agent`);
    expect(response.status).toBe(404);
    expect(response.json).toEqual({
      error: 'not_found',
      error_description: `no system-user request ${ID} for this broker's system`,
    });
    expect(calls).toEqual([['getRequest', 'agent', ID]]);
  });

  // Reference §3.3: `timedOut = created < now − 180 days` on every read, whatever the status, and
  // `status` is left unchanged (Repo/RequestRepository.cs:23, 473-476).
  it.each(['Accepted', 'New', 'Rejected', 'Timedout'])(
    'passes status %s through unchanged, with timedOut as its own flag',
    async (status) => {
      const { call } = api({ getRequest: async () => altinnRequest({ status, timedOut: true }) });
      expect((await call('GET', `/v1/systemuser-requests/${ID}`)).json).toMatchObject({
        status,
        timedOut: true,
      });
    },
  );

  it('reads timedOut: false when Altinn leaves the flag out', async () => {
    const { call } = api({ getRequest: async () => altinnRequest({ status: 'Accepted' }) });
    expect((await call('GET', `/v1/systemuser-requests/${ID}`)).json).toMatchObject({
      status: 'Accepted',
      timedOut: false,
    });
  });

  // Reference §3.4: a vendor reads every request of all its systems (the service checks only the
  // vendor, Svc/RequestSystemUserService.cs:433-448); another vendor's is 404 AUTH-00011.
  it.each([
    [
      'a request of another system of the same vendor',
      { getRequest: async () => altinnRequest({ systemId: '310547891_other' }) },
      'other system',
      [['getRequest', 'standard', ID]],
    ],
    [
      "another vendor's standard request (AUTH-00011)",
      {
        getRequest: async () => {
          throw problem(404, 'AUTH-00011');
        },
      },
      'other vendor',
      [['getRequest', 'standard', ID]],
    ],
    [
      "another vendor's agent request (AUTH-00010 on the standard route, AUTH-00011 on agent)",
      {
        getRequest: async (type: SystemUserType) => {
          throw problem(404, type === 'standard' ? 'AUTH-00010' : 'AUTH-00011');
        },
      },
      'other vendor',
      [
        ['getRequest', 'standard', ID],
        ['getRequest', 'agent', ID],
      ],
    ],
    [
      'an unknown id (AUTH-00010 on both routes)',
      {
        getRequest: async () => {
          throw problem(404, 'AUTH-00010');
        },
      },
      'unknown',
      [
        ['getRequest', 'standard', ID],
        ['getRequest', 'agent', ID],
      ],
    ],
  ] as [string, Partial<AltinnVendorApi>, string, unknown[]][])(
    'answers 404 without detail for %s, on GET and DELETE, and never sends the DELETE',
    async (_name, methods, reason, reads) => {
      for (const method of ['GET', 'DELETE']) {
        const { call, calls, logger } = api(methods);
        const response = await call(method, `/v1/systemuser-requests/${ID}`);
        expect(response.status).toBe(404);
        expect(response.json).toEqual({
          error: 'not_found',
          error_description: `no system-user request ${ID} for this broker's system`,
        });
        expect(calls).toEqual(reads);
        expect(logger.entries.at(-1)?.fields).toMatchObject({
          outcome: 'not_found',
          notFound: reason,
        });
      }
    },
  );

  it('refuses an id that is not a UUID without calling Altinn', async () => {
    const { call, calls } = api({});
    expect((await call('GET', '/v1/systemuser-requests/not-a-uuid')).status).toBe(400);
    expect(calls).toEqual([]);
  });

  it('hides a request for an org the caller may not see, without naming the org', async () => {
    const { call } = api(
      { getRequest: async () => altinnRequest({ partyOrgNo: ORG }) },
      onboardingPolicy([OTHER_ORG]),
    );
    const response = await call('GET', `/v1/systemuser-requests/${ID}`);
    expect(response.status).toBe(403);
    expect(response.json.error_description).not.toContain(ORG);
  });
});

describe('DELETE /v1/systemuser-requests/{id}', () => {
  it('reads the request, checks it is the broker’s, then deletes it: 204', async () => {
    const { call, calls } = api({
      getRequest: async () => altinnRequest(),
      deleteRequest: async () => undefined,
    });
    const response = await call('DELETE', `/v1/systemuser-requests/${ID}`);
    expect(response.status).toBe(204);
    expect(calls).toEqual([
      ['getRequest', 'standard', ID],
      ['deleteRequest', ID],
    ]);
  });

  // Reference §3.5: an unknown or already deleted id is 404 AUTH-00010, so a DELETE retried after
  // a lost answer reads 404 (Svc/RequestSystemUserService.cs:818-827).
  it.each([
    ['AUTH-00010', problem(404, 'AUTH-00010')],
    ['AUTH-00011', problem(404, 'AUTH-00011')],
  ])('answers 404 when Altinn’s DELETE says %s (deleted meanwhile)', async (_name, failure) => {
    const { call, logger } = api({
      getRequest: async () => altinnRequest(),
      deleteRequest: async () => {
        throw failure;
      },
    });
    const response = await call('DELETE', `/v1/systemuser-requests/${ID}`);
    expect(response.status).toBe(404);
    expect(response.json.altinn_error).toBeUndefined();
    expect(logger.entries.at(-1)?.fields).toMatchObject({ notFound: 'deleted meanwhile' });
  });

  it('refuses a request of an org the caller may not manage, before any DELETE', async () => {
    const { call, calls } = api(
      { getRequest: async () => altinnRequest() },
      onboardingPolicy([OTHER_ORG]),
    );
    const response = await call('DELETE', `/v1/systemuser-requests/${ID}`);
    expect(response.status).toBe(403);
    expect(calls.map((c) => c[0])).toEqual(['getRequest']);
  });
});

describe('GET /v1/systemuser-requests?org=', () => {
  it('looks up by externalRef, defaulting it to the org', async () => {
    const { call, calls } = api({ getRequestByExternalRef: async () => altinnRequest() });
    const response = await call('GET', `/v1/systemuser-requests?org=${ORG}`);
    expect(response.status).toBe(200);
    expect(calls).toEqual([
      ['getRequestByExternalRef', 'standard', { systemId: SYSTEM, orgNo: ORG, externalRef: ORG }],
    ]);
  });

  it('passes externalRef and type', async () => {
    const { call, calls } = api({ getRequestByExternalRef: async () => altinnRequest() });
    await call('GET', `/v1/systemuser-requests?org=${ORG}&externalRef=nord&type=agent`);
    expect(calls).toEqual([
      ['getRequestByExternalRef', 'agent', { systemId: SYSTEM, orgNo: ORG, externalRef: 'nord' }],
    ]);
  });

  it('checks the policy for the org', async () => {
    const { call, calls } = api({}, onboardingPolicy([OTHER_ORG]));
    expect((await call('GET', `/v1/systemuser-requests?org=${ORG}`)).status).toBe(403);
    expect(calls).toEqual([]);
  });
});

describe('GET /v1/systemusers', () => {
  it('says exists: true with the system user', async () => {
    const { call, calls } = api({
      findSystemUser: async () => ({
        id: 'u1',
        systemId: SYSTEM,
        reporteeOrgNo: ORG,
        externalRef: ORG,
        userType: 'agent',
      }),
    });
    const response = await call('GET', `/v1/systemusers?org=${ORG}`);
    expect(response.json).toEqual({
      exists: true,
      systemUser: { id: 'u1', type: 'agent', systemId: SYSTEM, partyOrgNo: ORG, externalRef: ORG },
    });
    expect(calls).toEqual([['findSystemUser', { systemId: SYSTEM, orgNo: ORG, externalRef: ORG }]]);
  });

  it('says exists: false when Altinn has none, or only a deleted one', async () => {
    expect(
      (
        await api({ findSystemUser: async () => undefined }).call(
          'GET',
          `/v1/systemusers?org=${ORG}`,
        )
      ).json,
    ).toEqual({ exists: false });
    const deleted = api({
      findSystemUser: async () => ({
        id: 'u',
        systemId: SYSTEM,
        reporteeOrgNo: ORG,
        isDeleted: true,
      }),
    });
    expect((await deleted.call('GET', `/v1/systemusers?org=${ORG}`)).json).toEqual({
      exists: false,
    });
  });

  it('takes no type', async () => {
    expect((await api({}).call('GET', `/v1/systemusers?org=${ORG}&type=agent`)).status).toBe(400);
  });
});

describe('audit', () => {
  it('writes one line per call with caller, action, org and outcome', async () => {
    const { call, logger } = api({
      createRequest: async () => ({ created: true, request: altinnRequest() }),
    });
    await call('POST', '/v1/systemuser-requests', { org: ORG, type: 'standard', rights: ['r'] });
    expect(logger.entries).toEqual([
      {
        level: 'info',
        message: 'system-user call',
        fields: expect.objectContaining({
          caller: ROLE,
          action: 'create request',
          org: ORG,
          type: 'standard',
          outcome: 201,
        }),
      },
    ]);
  });
});
