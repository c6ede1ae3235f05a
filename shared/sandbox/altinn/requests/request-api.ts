import type { AltinnRequestContext, AltinnRoute } from '../altinn-context.js';
import { SCOPES } from '../altinn-context.js';
import type { SystemUserType } from '../altinn-model.js';
import { createPage, decodeOpaque, isGuid } from '../altinn-pagination.js';
import { AUTH } from '../altinn-problem.js';
import { createRequestHandler, ownsSystem, respond } from './request-create.js';
import { requireGuid } from './request-input.js';
import type { SystemUserRequestRecord } from './request-model.js';

const WRITE = [SCOPES.requestWrite];
const READ = [SCOPES.requestRead];
const BASE = 'systemuser/request/vendor';

/**
 * The vendor's system-user request endpoints under `{platform}/authentication/api/v1/`
 * (reference §3; `Ctl/RequestSystemUserController.cs`). Ownership is the token vendor's, never
 * the system's: a vendor reads any request of any of its systems.
 *
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/systemuserrequest/external/
 */
export const requestRoutes: AltinnRoute[] = [
  { method: 'POST', path: BASE, scopes: WRITE, handle: createRequestHandler('standard') },
  { method: 'POST', path: `${BASE}/agent`, scopes: WRITE, handle: createRequestHandler('agent') },
  {
    method: 'GET',
    path: `${BASE}/byexternalref/{systemId}/{orgNo}/{externalRef}`,
    scopes: READ,
    handle: byExternalRef('standard'),
  },
  {
    method: 'GET',
    path: `${BASE}/agent/byexternalref/{systemId}/{orgNo}/{externalRef}`,
    scopes: READ,
    handle: byExternalRef('agent'),
  },
  {
    method: 'GET',
    path: `${BASE}/bysystem/{systemId}`,
    scopes: READ,
    handle: bySystem('standard'),
  },
  {
    method: 'GET',
    path: `${BASE}/agent/bysystem/{systemId}`,
    scopes: READ,
    handle: bySystem('agent'),
  },
  { method: 'GET', path: `${BASE}/agent/{requestId}`, scopes: READ, handle: byId('agent') },
  { method: 'GET', path: `${BASE}/{requestId}`, scopes: READ, handle: byId('standard') },
  { method: 'DELETE', path: `${BASE}/{requestId}`, scopes: WRITE, handle: remove },
];

/**
 * GET by id (reference §3.4): the repository filters on the type, so an id of the other type is
 * 404 AUTH-00010 like an unknown one; then the request's system must be the token vendor's, else
 * 404 AUTH-00011. `escalated` is always false here.
 */
function byId(type: SystemUserType) {
  return (ctx: AltinnRequestContext) => {
    const id = requireGuid(ctx.params['requestId'], '/requestId');
    const record = ctx.deps.requests.get(id);
    if (!record || record.type !== type) throw AUTH.requestNotFound();
    if (!ownsSystem(ctx.deps, ctx.principal, record.systemId)) throw AUTH.systemNotFound();
    return { status: 200, json: respond(ctx.deps, record, { copyEscalated: false }) };
  };
}

/**
 * By (system, org, externalRef): the lookup runs first (404 AUTH-00010), then the vendor check on
 * the path's system (404 AUTH-00011). Pass the orgno as `externalRef` when none was given. The
 * agent variant returns the stored row, `escalated` included.
 */
function byExternalRef(type: SystemUserType) {
  return (ctx: AltinnRequestContext) => {
    const { systemId = '', orgNo = '', externalRef = '' } = ctx.params;
    const record = ctx.deps.requests.firstByKey(systemId, orgNo, externalRef, type);
    if (!record) throw AUTH.requestNotFound();
    if (!ownsSystem(ctx.deps, ctx.principal, systemId)) throw AUTH.systemNotFound();
    return {
      status: 200,
      json: respond(ctx.deps, record, { copyEscalated: type === 'agent' }),
    };
  };
}

/**
 * The paginated list, with Altinn's off-by-one reproduced on purpose (reference §3.4): the
 * continuation token is the id of the first request *not* returned, and the next page asks for
 * `id > token`, so **one request is skipped at every page boundary**. Standard lists are ordered
 * by id (`ORDER BY r.id`); agent lists have no `ORDER BY` in Altinn, so the sandbox keeps creation
 * order and still filters `id > token`, which can skip more. Items carry no `confirmUrl`.
 */
function bySystem(type: SystemUserType) {
  return (ctx: AltinnRequestContext) => {
    const systemId = ctx.params['systemId'] ?? '';
    if (!ownsSystem(ctx.deps, ctx.principal, systemId)) throw AUTH.systemNotFound();
    const after = decodeOpaque(ctx.query.get('token'), isGuid)?.toLowerCase();
    let records = ctx.deps.requests.listForSystem(systemId, type);
    if (type === 'standard') records = records.sort(compareIds);
    if (after !== undefined) records = records.filter((r) => r.id > after);
    const prefix = type === 'agent' ? `${BASE}/agent` : BASE;
    const page = createPage(
      records,
      ctx.deps.pageSize(),
      (record) => record.id,
      (token) =>
        `${ctx.deps.apiBase}${prefix}/bysystem/${encodeURIComponent(systemId)}?token=${token}`,
    );
    return {
      status: 200,
      json: {
        links: page.links,
        data: page.data.map((r) => respond(ctx.deps, r, { copyEscalated: true, list: true })),
      },
    };
  };
}

/**
 * DELETE (reference §3.5): the request-write scope and nothing else. No vendor, system or type
 * check: any live request id of any vendor is soft-deleted, 202 without a body. An unknown or
 * already deleted id is 404 AUTH-00010, so a retried DELETE whose first answer was lost reads 404.
 */
function remove(ctx: AltinnRequestContext) {
  const id = requireGuid(ctx.params['requestId'], '/requestId');
  if (!ctx.deps.requests.delete(id)) throw AUTH.requestNotFound();
  return { status: 202 };
}

/** PostgreSQL compares uuids byte by byte: the same order as their lower-case hex text. */
const compareIds = (a: SystemUserRequestRecord, b: SystemUserRequestRecord) =>
  a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
