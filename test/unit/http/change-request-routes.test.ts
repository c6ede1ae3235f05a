import { describe, expect, it } from 'vitest';
import { InMemoryMetrics } from '../../../shared/adapters/metrics/in-memory-metrics.js';
import { ChangeRequestService } from '../../../shared/app/change-request-service.js';
import { SystemUserService } from '../../../shared/app/system-user-service.js';
import { OPEN_POLICY } from '../../../shared/domain/caller-policy.js';
import { changeRequestId, parseChangeRequestInput } from '../../../shared/domain/change-request.js';
import { parsePolicy } from '../../../shared/domain/policy-document.js';
import { createApiHandler } from '../../../shared/http/api-handler.js';
import type { ApiRequest } from '../../../shared/http/api-types.js';
import { createChangeRequestRoutes } from '../../../shared/http/change-request-routes.js';
import type {
  AltinnChangeRequest,
  AltinnSystemUser,
  AltinnVendorApi,
  ChangeRequestIds,
} from '../../../shared/ports/altinn.js';
import { altinnProblem, fakeAltinn } from '../../support/fake-altinn.js';
import { RecordingLogger } from '../../support/recording-logger.js';

const SYSTEM = '310547891_demo_broker';
const ORG = '910753614';
const OTHER_ORG = '313725138';
const USER: AltinnSystemUser = {
  id: '0d7b6c8e-5a3f-4e21-9c4d-1f2e3a4b5c61',
  systemId: SYSTEM,
  reporteeOrgNo: ORG,
  externalRef: ORG,
  userType: 'standard',
};
const ROLE = 'arn:aws:iam::111111111111:role/onboarding';
const RIGHT = 'demo-lonn';
const OWNER = { systemId: SYSTEM, systemUserId: USER.id };
const INPUT = parseChangeRequestInput({ org: ORG, requiredRights: [RIGHT] });
const idOf = (generation: number) => changeRequestId(OWNER, INPUT, generation);
const ID = idOf(0);

const altinnChange = (change: Partial<AltinnChangeRequest> = {}): AltinnChangeRequest => ({
  id: ID,
  systemId: SYSTEM,
  systemUserId: USER.id,
  partyOrgNo: ORG,
  externalRef: ORG,
  requiredRights: [{ resource: [{ id: 'urn:altinn:resource', value: RIGHT }] }],
  unwantedRights: [],
  requiredAccessPackages: [],
  unwantedAccessPackages: [],
  status: 'New',
  confirmUrl: `https://am.ui.tt02.altinn.no/accessmanagement/ui/systemuser/changerequest?id=${ID}`,
  created: '2026-07-17T10:00:00Z',
  timedOut: false,
  ...change,
});

function api(methods: Partial<AltinnVendorApi>, policy?: unknown) {
  const altinn = fakeAltinn({ findSystemUser: async () => USER, ...methods });
  const logger = new RecordingLogger();
  const systemUsers = new SystemUserService({ altinn: altinn.api, systemId: SYSTEM });
  const handler = createApiHandler(
    createChangeRequestRoutes({
      changeRequests: new ChangeRequestService({
        altinn: altinn.api,
        systemUsers,
        maxGenerations: 3,
      }),
      policy: policy === undefined ? OPEN_POLICY : parsePolicy(policy, 'test'),
    }),
    { clock: Date.now, logger, metrics: new InMemoryMetrics(), deadlineMs: 10_000 },
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
    const response = await handler(request);
    return {
      status: response.status,
      json: response.body ? JSON.parse(response.body) : undefined,
    };
  };
  return { call, calls: altinn.calls, logger };
}

const policyFor = (orgs: string[]) => ({
  rules: [{ callers: [ROLE], scopes: ['none'], orgs, systemUserRequests: true }],
});

describe('POST /v1/systemuser-changes', () => {
  it('looks the system user up, derives the correlation id from the change, and answers 201', async () => {
    const { call, calls, logger } = api({
      createChangeRequest: async () => ({ created: true, changeRequest: altinnChange() }),
    });

    const response = await call('POST', '/v1/systemuser-changes', {
      org: ORG,
      requiredRights: [RIGHT],
      redirectUrl: 'https://vendor.example/done',
    });

    expect(response.status).toBe(201);
    expect(response.json).toEqual({
      id: ID,
      status: 'New',
      confirmUrl: altinnChange().confirmUrl,
      systemId: SYSTEM,
      systemUserId: USER.id,
      partyOrgNo: ORG,
      externalRef: ORG,
      requiredRights: [RIGHT],
      unwantedRights: [],
      requiredAccessPackages: [],
      unwantedAccessPackages: [],
      created: '2026-07-17T10:00:00Z',
    });
    expect(calls).toEqual([
      ['findSystemUser', { systemId: SYSTEM, orgNo: ORG, externalRef: ORG }],
      [
        'createChangeRequest',
        { correlationId: ID, systemUserId: USER.id },
        {
          requiredRights: [{ resource: [{ id: 'urn:altinn:resource', value: RIGHT }] }],
          unwantedRights: [],
          requiredAccessPackages: [],
          unwantedAccessPackages: [],
          redirectUrl: 'https://vendor.example/done',
        },
      ],
    ]);
    expect(logger.entries.at(-1)?.fields).toMatchObject({
      action: 'create change request',
      org: ORG,
      changeRequestId: ID,
      status: 'New',
      outcome: 201,
    });
  });

  it('answers 200 with Altinn’s change request for the id, whatever its status', async () => {
    const { call } = api({
      createChangeRequest: async () => ({
        created: false,
        changeRequest: altinnChange({ status: 'Rejected' }),
      }),
    });
    const response = await call('POST', '/v1/systemuser-changes', {
      org: ORG,
      requiredRights: [RIGHT],
    });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ id: ID, status: 'Rejected' });
  });

  // Reference §5 step 6: NoChangeNeeded has `confirmUrl: ""` and .NET's default `created`.
  it('passes NoChangeNeeded on as 200, without the empty confirmUrl and default created', async () => {
    const { call } = api({
      createChangeRequest: async () => ({
        created: false,
        changeRequest: altinnChange({
          status: 'NoChangeNeeded',
          requiredRights: [],
          confirmUrl: undefined,
          created: '0001-01-01T00:00:00',
        }),
      }),
    });
    const response = await call('POST', '/v1/systemuser-changes', { org: ORG });
    expect(response.status).toBe(200);
    expect(response.json.status).toBe('NoChangeNeeded');
    expect(response.json).not.toHaveProperty('confirmUrl');
    expect(response.json).not.toHaveProperty('created');
  });

  // Reference §5 step 9: the id of a soft-deleted change request is the table's primary key, so
  // reusing it answers 500 (inferred); the broker reads the id, finds it gone, and takes the next.
  it('moves to the next generation’s id when Altinn answers 500 for an id that is gone', async () => {
    const tried: string[] = [];
    const { call, calls, logger } = api({
      createChangeRequest: async (ids: ChangeRequestIds) => {
        tried.push(ids.correlationId);
        if (ids.correlationId !== idOf(2)) throw altinnProblem(500);
        return { created: true, changeRequest: altinnChange({ id: idOf(2) }) };
      },
      getChangeRequest: async () => {
        throw altinnProblem(404, 'AUTH-00010');
      },
    });
    const response = await call('POST', '/v1/systemuser-changes', {
      org: ORG,
      requiredRights: [RIGHT],
    });
    expect(response.status).toBe(201);
    expect(response.json.id).toBe(idOf(2));
    expect(tried).toEqual([idOf(0), idOf(1), idOf(2)]);
    expect(calls.filter((c) => c[0] === 'getChangeRequest')).toEqual([
      ['getChangeRequest', idOf(0)],
      ['getChangeRequest', idOf(1)],
    ]);
    expect(logger.entries.at(-1)?.fields).toMatchObject({ generation: 2, outcome: 201 });
  });

  it.each([
    ['the id still reads (not a deleted one)', async () => altinnChange()],
    [
      'the read fails too',
      async () => {
        throw altinnProblem(503);
      },
    ],
  ])('passes a 500 on as 502 when %s, without trying another id', async (_name, read) => {
    const { call, calls } = api({
      createChangeRequest: async () => {
        throw altinnProblem(500);
      },
      getChangeRequest: read,
    });
    const response = await call('POST', '/v1/systemuser-changes', {
      org: ORG,
      requiredRights: [RIGHT],
    });
    expect(response.status).toBe(502);
    expect(response.json.error).toBe('temporarily_unavailable');
    expect(calls.filter((c) => c[0] === 'createChangeRequest')).toHaveLength(1);
  });

  it('answers 409 once every generation’s id is used up', async () => {
    const { call, calls } = api({
      createChangeRequest: async () => {
        throw altinnProblem(500);
      },
      getChangeRequest: async () => {
        throw altinnProblem(404, 'AUTH-00010');
      },
    });
    const response = await call('POST', '/v1/systemuser-changes', {
      org: ORG,
      requiredRights: [RIGHT],
    });
    expect(response.status).toBe(409);
    expect(response.json.error_description).toContain('asked for and deleted 3 times');
    expect(calls.filter((c) => c[0] === 'createChangeRequest')).toHaveLength(3);
  });

  it.each([
    ['no system user', undefined, 404, `no system user of this broker's system for org ${ORG}`],
    ['a deleted one', { ...USER, isDeleted: true }, 404, 'no system user'],
    ['another system’s', { ...USER, systemId: '310547891_other' }, 404, 'no system user'],
    ['an agent system user', { ...USER, userType: 'agent' }, 400, 'is an agent system user'],
  ])('answers %s without a POST to Altinn', async (_name, user, status, message) => {
    const { call, calls } = api({ findSystemUser: async () => user });
    const response = await call('POST', '/v1/systemuser-changes', {
      org: ORG,
      requiredRights: [RIGHT],
    });
    expect(response.status).toBe(status);
    expect(response.json.error_description).toContain(message);
    expect(calls.map((c) => c[0])).toEqual(['findSystemUser']);
  });

  it.each([
    ['AUTH-00001 (a right not on the system)', altinnProblem(400, 'AUTH-00001'), 400],
    ['AUTH-00064 (a package not assignable)', altinnProblem(400, 'AUTH-00064'), 400],
    ['AUTH-00015 (the system user went away)', altinnProblem(404, 'AUTH-00015'), 404],
    ['AUTH-00061 (an id that is not New)', altinnProblem(409, 'AUTH-00061'), 409],
  ])('passes Altinn’s %s on with altinn_error', async (_name, failure, status) => {
    const { call } = api({
      createChangeRequest: async () => {
        throw failure;
      },
    });
    const response = await call('POST', '/v1/systemuser-changes', {
      org: ORG,
      requiredRights: [RIGHT],
    });
    expect(response.status).toBe(status);
    expect(response.json.altinn_error).toMatchObject({ error: failure.code });
  });

  it('applies the caller policy before calling Altinn', async () => {
    const { call, calls } = api({}, policyFor([OTHER_ORG]));
    const response = await call('POST', '/v1/systemuser-changes', {
      org: ORG,
      requiredRights: [RIGHT],
    });
    expect(response.status).toBe(403);
    expect(calls).toEqual([]);
  });
});

describe('GET and DELETE /v1/systemuser-changes/{id}', () => {
  it('reads the broker’s change request', async () => {
    const { call, calls } = api({
      getChangeRequest: async () => altinnChange({ status: 'Accepted' }),
    });
    const response = await call('GET', `/v1/systemuser-changes/${ID}`);
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ id: ID, status: 'Accepted' });
    expect(calls).toEqual([['getChangeRequest', ID]]);
  });

  it.each([
    [
      'unknown (AUTH-00010)',
      async () => Promise.reject(altinnProblem(404, 'AUTH-00010')),
      'unknown',
    ],
    [
      'another vendor’s (AUTH-00011)',
      async () => Promise.reject(altinnProblem(404, 'AUTH-00011')),
      'other vendor',
    ],
    ['another system’s', async () => altinnChange({ systemId: '310547891_other' }), 'other system'],
  ])(
    'answers 404 without detail for an id that is %s, and sends no DELETE',
    async (_name, read, reason) => {
      for (const method of ['GET', 'DELETE']) {
        const { call, calls, logger } = api({ getChangeRequest: read });
        const response = await call(method, `/v1/systemuser-changes/${ID}`);
        expect(response.status).toBe(404);
        expect(response.json).toEqual({
          error: 'not_found',
          error_description: `no change request ${ID} for this broker's system`,
        });
        expect(calls.map((c) => c[0])).toEqual(['getChangeRequest']);
        expect(logger.entries.at(-1)?.fields).toMatchObject({ notFound: reason });
      }
    },
  );

  it('deletes the broker’s change request: 204; one deleted meanwhile is 404', async () => {
    const ok = api({
      getChangeRequest: async () => altinnChange(),
      deleteChangeRequest: async () => undefined,
    });
    expect((await ok.call('DELETE', `/v1/systemuser-changes/${ID}`)).status).toBe(204);
    expect(ok.calls).toEqual([
      ['getChangeRequest', ID],
      ['deleteChangeRequest', ID],
    ]);
    const gone = api({
      getChangeRequest: async () => altinnChange(),
      deleteChangeRequest: async () => Promise.reject(altinnProblem(404, 'AUTH-00010')),
    });
    expect((await gone.call('DELETE', `/v1/systemuser-changes/${ID}`)).status).toBe(404);
  });

  it('hides a change request of an org the caller may not see, and does not delete it', async () => {
    const { call, calls } = api(
      { getChangeRequest: async () => altinnChange() },
      policyFor([OTHER_ORG]),
    );
    const response = await call('DELETE', `/v1/systemuser-changes/${ID}`);
    expect(response.status).toBe(403);
    expect(response.json.error_description).not.toContain(ORG);
    expect(calls.map((c) => c[0])).toEqual(['getChangeRequest']);
  });
});

describe('GET /v1/systemuser-changes?org=', () => {
  const other = altinnChange({
    id: 'e1c2a9e8-8d4b-4c1e-9a57-3b7e0d2f6a10',
    partyOrgNo: OTHER_ORG,
    externalRef: OTHER_ORG,
  });

  it('reads the first page once, filtered to the key: complete when Altinn has no more', async () => {
    const { call, calls } = api({
      firstChangeRequestPage: async () => ({ items: [altinnChange(), other], more: false }),
    });
    const response = await call('GET', `/v1/systemuser-changes?org=${ORG}`);
    expect(response.status).toBe(200);
    expect(response.json.complete).toBe(true);
    expect(response.json.changeRequests.map((c: { id: string }) => c.id)).toEqual([ID]);
    expect(calls).toEqual([['firstChangeRequestPage', SYSTEM]]);
  });

  // Reference §5: bysystem's next link answers the first page again; byexternalref gives the
  // first row without packages.
  it('when Altinn has more, adds the byexternalref row the page missed, read by id for its packages', async () => {
    const missed = altinnChange({
      id: 'f2c2a9e8-8d4b-4c1e-9a57-3b7e0d2f6a10',
      requiredAccessPackages: [{ urn: 'urn:altinn:accesspackage:skattegrunnlag' }],
    });
    const { call, calls } = api({
      firstChangeRequestPage: async () => ({ items: [altinnChange(), other], more: true }),
      getChangeRequestByExternalRef: async () => ({ ...missed, requiredAccessPackages: [] }),
      getChangeRequest: async () => missed,
    });
    const response = await call('GET', `/v1/systemuser-changes?org=${ORG}`);
    expect(response.json.complete).toBe(false);
    expect(response.json.changeRequests.map((c: { id: string }) => c.id)).toEqual([ID, missed.id]);
    expect(response.json.changeRequests[1].requiredAccessPackages).toEqual([
      'urn:altinn:accesspackage:skattegrunnlag',
    ]);
    expect(calls.map((c) => c[0])).toEqual([
      'firstChangeRequestPage',
      'getChangeRequestByExternalRef',
      'getChangeRequest',
    ]);
  });

  it('when Altinn has more but no byexternalref row, answers the page, incomplete', async () => {
    const { call } = api({
      firstChangeRequestPage: async () => ({ items: [other], more: true }),
      getChangeRequestByExternalRef: async () => Promise.reject(altinnProblem(404, 'AUTH-00010')),
    });
    expect((await call('GET', `/v1/systemuser-changes?org=${ORG}&externalRef=nord`)).json).toEqual({
      changeRequests: [],
      complete: false,
    });
  });

  it('checks the policy for the org first', async () => {
    const { call, calls } = api({}, policyFor([OTHER_ORG]));
    expect((await call('GET', `/v1/systemuser-changes?org=${ORG}`)).status).toBe(403);
    expect(calls).toEqual([]);
  });
});
