import type { AltinnRequestContext, AltinnRoute } from '../altinn-context.js';
import { SCOPES } from '../altinn-context.js';
import type { RegisteredSystem, SystemUser } from '../altinn-model.js';
import { createPage, decodeOpaque, isSequenceNo } from '../altinn-pagination.js';
import { AUTH, httpProblem, VLD, validationProblem } from '../altinn-problem.js';

/**
 * Reading system users (reference §4; `Ctl/SystemUserController.cs:245-326`):
 * - `GET systemuser/vendor/byquery?system-id=&orgno=&external-ref=` (scope request.write, a GET
 *   that needs the write scope): 200 `SystemUserExternalDTO` for an active system user of a system
 *   of the token's vendor; otherwise (none, deleted, another vendor's) a plain framework 404, no
 *   AUTH code. `external-ref` defaults to `orgno` when missing or empty;
 * - `GET systemuser/vendor/bysystem/{systemId}[?token=]` (scope systemregister.write): the
 *   system's active system users by `sequence_no`, paginated correctly (`sequence_no >= token`,
 *   token = the first one left out): nothing is skipped, unlike the request lists.
 *
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/systemuser/external/
 */
export const systemUserRoutes: AltinnRoute[] = [
  {
    method: 'GET',
    path: 'systemuser/vendor/byquery',
    scopes: [SCOPES.requestWrite],
    handle: byQuery,
  },
  {
    method: 'GET',
    path: 'systemuser/vendor/bysystem/{systemId}',
    scopes: [SCOPES.registerWrite, SCOPES.registerAdmin],
    handle: bySystem,
  },
];

function byQuery(ctx: AltinnRequestContext) {
  const systemId = ctx.query.get('system-id')?.trim();
  const orgNo = ctx.query.get('orgno')?.trim();
  const missing = [!systemId && '/system-id', !orgNo && '/orgno'].filter((p) => p !== false);
  if (!systemId || !orgNo) throw validationProblem([VLD.required(missing)]);
  const externalRef = ctx.query.get('external-ref')?.trim() || orgNo;
  const system = ctx.deps.registry.getSystem(systemId);
  const user = ctx.deps.registry.findActiveSystemUser(systemId, orgNo, externalRef);
  if (!system || !user || system.vendorOrgNo !== ctx.principal.orgNo) throw httpProblem(404);
  return { status: 200, json: systemUserDto(user, system) };
}

function bySystem(ctx: AltinnRequestContext) {
  const systemId = ctx.params['systemId'] ?? '';
  const system = ctx.deps.registry.getSystem(systemId);
  if (!system || system.vendorOrgNo !== ctx.principal.orgNo) throw AUTH.systemNotFound();
  const from = decodeOpaque(ctx.query.get('token'), isSequenceNo) ?? 0;
  const users = ctx.deps.registry
    .listSystemUsers(systemId)
    .filter((u) => !u.isDeleted && u.sequenceNo >= from)
    .sort((a, b) => a.sequenceNo - b.sequenceNo);
  const page = createPage(
    users,
    ctx.deps.pageSize(),
    (user) => user.sequenceNo,
    (token) =>
      `${ctx.deps.apiBase}systemuser/vendor/bysystem/${encodeURIComponent(systemId)}?token=${token}`,
  );
  return {
    status: 200,
    json: { links: page.links, data: page.data.map((u) => systemUserDto(u, system)) },
  };
}

/**
 * `SystemUserExternalDTO`. `productName` and `supplierName` are `""` as in a real TT02 capture;
 * `id` is the permanent `systemuser_id` (for an approved request, the request's id).
 */
export function systemUserDto(user: SystemUser, system: RegisteredSystem) {
  return {
    id: user.id,
    integrationTitle: user.integrationTitle,
    systemId: user.systemId,
    productName: '',
    reporteeOrgNo: user.reporteeOrgNo,
    created: user.created,
    isDeleted: user.isDeleted,
    supplierName: '',
    supplierOrgno: system.vendorOrgNo,
    externalRef: user.externalRef,
    userType: user.userType,
  };
}
