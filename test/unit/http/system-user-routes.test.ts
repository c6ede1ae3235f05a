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

const problem = (status: number, code?: string) =>
  new AltinnError('http', `HTTP ${status}`, {
    status,
    problem: { validationErrors: [], ...(code ? { code } : {}) },
  });

const notImplemented = async (): Promise<never> => {
  throw new Error('not expected');
};

/** A fake Altinn: every method unexpected unless given; calls recorded. */
function fakeAltinn(methods: Partial<AltinnVendorApi>) {
  const calls: Array<[string, ...unknown[]]> = [];
  const record =
    <A extends unknown[], R>(name: string, fn: ((...args: A) => Promise<R>) | undefined) =>
    async (...args: A): Promise<R> => {
      // The last argument is the request's deadline: recorded calls show what was asked.
      calls.push([name, ...args.slice(0, -1)]);
      return (fn ?? notImplemented)(...args) as Promise<R>;
    };
  const api: AltinnVendorApi = {
    createSystem: record('createSystem', methods.createSystem),
    updateSystem: record('updateSystem', methods.updateSystem),
    getSystem: record('getSystem', methods.getSystem),
    listSystems: record('listSystems', methods.listSystems),
    createRequest: record('createRequest', methods.createRequest),
    getRequest: record('getRequest', methods.getRequest),
    getRequestByExternalRef: record('getRequestByExternalRef', methods.getRequestByExternalRef),
    listRequests: record('listRequests', methods.listRequests),
    deleteRequest: record('deleteRequest', methods.deleteRequest),
    findSystemUser: record('findSystemUser', methods.findSystemUser),
    listSystemUsers: record('listSystemUsers', methods.listSystemUsers),
  };
  return { api, calls };
}

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
    return { status: response.status, json: JSON.parse(response.body) };
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
    expect(response.json.altinn_error).toMatchObject({ status: 404, error: 'AUTH-00010' });
    expect(calls).toEqual([['getRequest', 'agent', ID]]);
  });

  it('reads a timed-out request as Timedout whatever its status', async () => {
    const { call } = api({
      getRequest: async () => altinnRequest({ status: 'New', timedOut: true }),
    });
    expect((await call('GET', `/v1/systemuser-requests/${ID}`)).json).toMatchObject({
      status: 'Timedout',
      timedOut: true,
    });
  });

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
