import type { AltinnRequestContext, AltinnRoute } from '../altinn-context.js';
import { SCOPES } from '../altinn-context.js';
import type { SystemUserType } from '../altinn-model.js';
import { paginate } from '../altinn-pagination.js';
import { AUTH } from '../altinn-problem.js';
import { createRequestHandler, liveRequests, respond } from './request-create.js';
import { requireGuid } from './request-input.js';
import type { SystemUserRequestRecord } from './request-model.js';

const WRITE = [SCOPES.requestWrite];
const READ = [SCOPES.requestRead];
const BASE = 'systemuser/request/vendor';

/**
 * The vendor's system-user request endpoints under `{platform}/authentication/api/v1/`
 * (reference §6.3). Reads answer 404 AUTH-00010 for an unknown (or deleted) id, 404 AUTH-00011
 * when the request's system is not the caller's, 400 AUTH-00025 for an id of the other type, and
 * 400 (STD-00000) for a malformed GUID.
 *
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/systemuserrequest/external/
 * @see https://docs.altinn.studio/nb/authorization/guides/system-vendor/system-user/systemuserrequest
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

function byId(type: SystemUserType) {
  return (ctx: AltinnRequestContext) => {
    const record = ownRequest(ctx);
    if (record.type !== type) throw AUTH.wrongRequestType();
    return { status: 200, json: respond(ctx.deps, record) };
  };
}

/**
 * The request for the key: the live one if there is one, else the newest (e.g. timed out). Pass
 * the orgno as `externalRef` when the request was made without one.
 */
function byExternalRef(type: SystemUserType) {
  return (ctx: AltinnRequestContext) => {
    const { systemId = '', orgNo = '', externalRef = '' } = ctx.params;
    const live = liveRequests(ctx.deps, systemId, orgNo, externalRef).filter(
      (r) => r.type === type,
    );
    const record = live[0] ?? ctx.deps.requests.findByKey(systemId, orgNo, externalRef, type)[0];
    if (!record) throw AUTH.requestNotFound();
    assertOwnSystem(ctx, record.systemId);
    return { status: 200, json: respond(ctx.deps, record) };
  };
}

/** Paginated `{links: {next?}, data}`; items have no `confirmUrl`, like Altinn's lists. */
function bySystem(type: SystemUserType) {
  return (ctx: AltinnRequestContext) => {
    const systemId = ctx.params['systemId'] ?? '';
    assertOwnSystem(ctx, systemId);
    const records = ctx.deps.requests.listForSystem(systemId, type);
    const prefix = type === 'agent' ? `${BASE}/agent` : BASE;
    const page = paginate(
      records,
      ctx.query.get('token'),
      ctx.deps.pageSize(),
      (token) =>
        `${ctx.deps.apiBase}${prefix}/bysystem/${encodeURIComponent(systemId)}?token=${token}`,
    );
    return {
      status: 200,
      json: { links: page.links, data: page.data.map((r) => respond(ctx.deps, r, false)) },
    };
  };
}

/** 202 without a body, for either type; an accepted request's system user stays. */
function remove(ctx: AltinnRequestContext) {
  const record = ownRequest(ctx);
  ctx.deps.requests.delete(record.id);
  return { status: 202 };
}

function ownRequest(ctx: AltinnRequestContext): SystemUserRequestRecord {
  const id = requireGuid(ctx.params['requestId'], '/requestId');
  const record = ctx.deps.requests.get(id);
  if (!record) throw AUTH.requestNotFound();
  assertOwnSystem(ctx, record.systemId);
  return record;
}

function assertOwnSystem(ctx: AltinnRequestContext, systemId: string): void {
  const system = ctx.deps.registry.getSystem(systemId);
  if (!system || system.isDeleted || system.vendorOrgNo !== ctx.principal.orgNo) {
    throw AUTH.systemNotFound();
  }
}
