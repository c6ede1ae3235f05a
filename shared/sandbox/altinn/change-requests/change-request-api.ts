import type { VendorPrincipal } from '../altinn-auth.js';
import type { AltinnDeps, AltinnRequestContext, AltinnRoute } from '../altinn-context.js';
import { SCOPES } from '../altinn-context.js';
import { readJsonBody, stringResult } from '../altinn-http.js';
import type { SystemUser } from '../altinn-model.js';
import { createPage, decodeOpaque, isGuid } from '../altinn-pagination.js';
import { AUTH, httpProblem, serverError } from '../altinn-problem.js';
import {
  checkColumnLengths,
  checkPackages,
  checkRedirectUrl,
  checkRights,
} from '../requests/content-rules.js';
import { ownsSystem } from '../requests/request-create.js';
import { requireGuid } from '../requests/request-input.js';
import {
  type ChangeRequestDraft,
  EMPTY_GUID,
  parseChangeRequestBody,
  queryGuid,
} from './change-request-input.js';
import {
  type ChangeRequestRecord,
  changeRequestResponse,
  changeRequestTimedOut,
  DEFAULT_DATETIME,
} from './change-request-model.js';

const WRITE = [SCOPES.requestWrite];
const READ = [SCOPES.requestRead];
const BASE = 'systemuser/changerequest/vendor';

export const MISSING_CORRELATION_ID =
  'Missing or invalid QueryParameter: correlation-id. Generate a unique UUID (RFC 4122) for this Change Request, and add as a Query Parameter.';
export const CORRELATION_IS_SYSTEM_USER =
  'The correlation-id should not be the same as the system-user-id. Generate a unique id.';

/**
 * Change requests: the vendor asks the customer to change a standard system user's rights and
 * access packages (reference §5; `Ctl/ChangeRequestSystemUserController.cs`,
 * `Svc/ChangeRequestSystemUserService.cs`). The change request's id is the vendor's
 * `correlation-id`; the customer approves or rejects it at its `confirmUrl`.
 *
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/changerequest/
 */
export const changeRequestRoutes: AltinnRoute[] = [
  { method: 'POST', path: BASE, scopes: WRITE, handle: create },
  {
    method: 'GET',
    path: `${BASE}/byexternalref/{systemId}/{orgNo}/{externalRef}`,
    scopes: READ,
    handle: byExternalRef,
  },
  { method: 'GET', path: `${BASE}/bysystem/{systemId}`, scopes: READ, handle: bySystem },
  { method: 'GET', path: `${BASE}/{requestId}`, scopes: READ, handle: byId },
  { method: 'DELETE', path: `${BASE}/{requestId}`, scopes: WRITE, handle: remove },
];

/**
 * `POST vendor?correlation-id=&system-user-id=`, step by step as reference §5 lists them:
 * 1. `correlation-id` absent or all zeros: 400 with a plain string (a malformed one: model error);
 * 2. (no vendor in the token: 401, in the router);
 * 3. no active system user with `system-user-id`: 404 AUTH-00015;
 * 4. `correlation-id` equal to the system user's id: 400, plain string;
 * 5. the system user's system is another vendor's: 401 (a bare `Unauthorized()`);
 * 6. all four lists empty: 200 `NoChangeNeeded`, not stored (a `null` list: 500);
 * 7. a live change request with this id of the vendor's system: 200 with it, whatever its status;
 * 8. an agent system user: 404 AUTH-00015; an existing id (another vendor's): New 00007, else 409
 *    AUTH-00061; then the system (00011), the customer in ER (00000), redirect 00026/00021,
 *    `requiredRights` (00001), `requiredAccessPackages` (00063/00064); `unwanted*` unchecked;
 * 9. the id of a soft-deleted change request violates the primary key: 500;
 * 10. 201 with `Location: {platform}/authentication/api/v1/systemuser/changerequest/{id}`.
 */
async function create(ctx: AltinnRequestContext) {
  const { deps, principal } = ctx;
  const correlationId = queryGuid(ctx.query, 'correlation-id');
  const systemUserId = queryGuid(ctx.query, 'system-user-id');
  const draft = parseChangeRequestBody(await readJsonBody(ctx.req));
  if (correlationId === EMPTY_GUID) return stringResult(ctx.req, 400, MISSING_CORRELATION_ID);
  const systemUser = activeSystemUser(deps, systemUserId);
  if (!systemUser) throw AUTH.systemUserNotFound();
  if (correlationId === systemUser.id)
    return stringResult(ctx.req, 400, CORRELATION_IS_SYSTEM_USER);
  if (!ownsSystem(deps, principal, systemUser.systemId)) throw httpProblem(401);
  const lists = requireLists(draft);
  if (Object.values(lists).every((list) => list.length === 0)) {
    return { status: 200, json: noChangeNeeded(correlationId, systemUser, draft) };
  }
  const existing = deps.changeRequests.get(correlationId);
  if (existing && ownsSystem(deps, principal, existing.systemId)) {
    return { status: 200, json: single(deps, existing) };
  }
  if (systemUser.userType === 'agent') throw AUTH.systemUserNotFound();
  if (existing)
    throw existing.status === 'New' ? AUTH.externalIdPending() : AUTH.changeRequestNotNew();
  const record = validated(deps, principal, correlationId, systemUser, lists, draft.redirectUrl);
  if (deps.changeRequests.has(record.id)) {
    throw serverError('duplicate key value violates unique constraint "change_request_pkey"');
  }
  deps.changeRequests.add(record);
  return {
    status: 201,
    json: single(deps, record),
    headers: { location: `${deps.apiBase}systemuser/changerequest/${record.id}` },
  };
}

type Lists = Pick<
  ChangeRequestRecord,
  'requiredRights' | 'unwantedRights' | 'requiredAccessPackages' | 'unwantedAccessPackages'
>;

/** Altinn reads `.Count` of each list: a list sent as `null` throws there, a 500 [inferred]. */
function requireLists(draft: ChangeRequestDraft): Lists {
  const { requiredRights, unwantedRights, requiredAccessPackages, unwantedAccessPackages } = draft;
  if (!requiredRights || !unwantedRights || !requiredAccessPackages || !unwantedAccessPackages) {
    throw serverError('Object reference not set to an instance of an object.');
  }
  return { requiredRights, unwantedRights, requiredAccessPackages, unwantedAccessPackages };
}

/** `ValidateChangeRequest` (`Svc/ChangeRequestSystemUserService.cs:515-569`), then the new row. */
function validated(
  deps: AltinnDeps,
  principal: VendorPrincipal,
  id: string,
  systemUser: SystemUser,
  lists: Lists,
  redirectUrl: string | undefined,
): ChangeRequestRecord {
  const system = deps.registry.getSystem(systemUser.systemId);
  if (!system || system.vendorOrgNo !== principal.orgNo) throw AUTH.systemNotFound();
  if (!deps.registry.entityRegister.has(systemUser.reporteeOrgNo)) throw AUTH.partyNotFound();
  checkRedirectUrl(redirectUrl, system);
  checkRights(lists.requiredRights, system);
  checkPackages(lists.requiredAccessPackages, system, 'standard');
  checkColumnLengths({ redirectUrl });
  const now = deps.clock();
  return {
    id,
    systemUserId: systemUser.id,
    systemId: systemUser.systemId,
    partyOrgNo: systemUser.reporteeOrgNo,
    externalRef: systemUser.externalRef,
    ...structuredClone(lists),
    status: 'New',
    ...(redirectUrl === undefined ? {} : { redirectUrl }),
    created: new Date(now).toISOString(),
    createdMs: now,
    isDeleted: false,
  };
}

/** The unstored answer to four empty lists: `confirmUrl: ""` and .NET's default `created`. */
function noChangeNeeded(id: string, systemUser: SystemUser, draft: ChangeRequestDraft) {
  return changeRequestResponse(
    {
      id,
      systemUserId: systemUser.id,
      systemId: systemUser.systemId,
      partyOrgNo: systemUser.reporteeOrgNo,
      externalRef: systemUser.externalRef,
      requiredRights: [],
      unwantedRights: [],
      requiredAccessPackages: [],
      unwantedAccessPackages: [],
      status: 'NoChangeNeeded',
      ...(draft.redirectUrl === undefined ? {} : { redirectUrl: draft.redirectUrl }),
      created: DEFAULT_DATETIME,
    },
    { confirmUrl: '', timedOut: false },
  );
}

/** GET by id: 404 AUTH-00010, then 404 AUTH-00011 for another vendor's; `timedOut` always false. */
function byId(ctx: AltinnRequestContext) {
  const id = requireGuid(ctx.params['requestId'], '/requestId');
  const record = ctx.deps.changeRequests.get(id);
  if (!record) throw AUTH.requestNotFound();
  if (!ownsSystem(ctx.deps, ctx.principal, record.systemId)) throw AUTH.systemNotFound();
  return { status: 200, json: single(ctx.deps, record) };
}

/**
 * By the system user's key: the first matching row (there may be one per correlation id), looked
 * up before the vendor check; the mapping leaves both package lists out, so they read `[]`.
 */
function byExternalRef(ctx: AltinnRequestContext) {
  const { systemId = '', orgNo = '', externalRef = '' } = ctx.params;
  const record = ctx.deps.changeRequests.firstByKey(systemId, orgNo, externalRef);
  if (!record) throw AUTH.requestNotFound();
  if (!ownsSystem(ctx.deps, ctx.principal, systemId)) throw AUTH.systemNotFound();
  return {
    status: 200,
    json: changeRequestResponse(record, {
      confirmUrl: ctx.deps.changeConfirmUrl(record.id),
      timedOut: false,
      withoutPackages: true,
    }),
  };
}

/**
 * The paginated list. Reproduced on purpose: the repository ignores the continuation token
 * (`Repo/ChangeRequestRepository.cs:189-207`), so `links.next` answers the first page again.
 * Items come straight from the repository: no `confirmUrl`, the 180-day flag computed.
 */
function bySystem(ctx: AltinnRequestContext) {
  const systemId = ctx.params['systemId'] ?? '';
  if (!ownsSystem(ctx.deps, ctx.principal, systemId)) throw AUTH.systemNotFound();
  decodeOpaque(ctx.query.get('token'), isGuid);
  const now = ctx.deps.clock();
  const page = createPage(
    ctx.deps.changeRequests.listForSystem(systemId),
    ctx.deps.pageSize(),
    (record) => record.id,
    (token) => `${ctx.deps.apiBase}${BASE}/bysystem/${encodeURIComponent(systemId)}?token=${token}`,
  );
  return {
    status: 200,
    json: {
      links: page.links,
      data: page.data.map((r) =>
        changeRequestResponse(r, { timedOut: changeRequestTimedOut(r, now) }),
      ),
    },
  };
}

/** DELETE: 202 without a body and without any ownership check; 404 AUTH-00010 if none. */
function remove(ctx: AltinnRequestContext) {
  const id = requireGuid(ctx.params['requestId'], '/requestId');
  if (!ctx.deps.changeRequests.delete(id)) throw AUTH.requestNotFound();
  return { status: 202 };
}

function single(deps: AltinnDeps, record: ChangeRequestRecord) {
  return changeRequestResponse(record, {
    confirmUrl: deps.changeConfirmUrl(record.id),
    timedOut: false,
  });
}

function activeSystemUser(deps: AltinnDeps, id: string): SystemUser | undefined {
  const user = deps.registry.getSystemUser(id);
  return user && !user.isDeleted ? user : undefined;
}
