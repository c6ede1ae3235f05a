import type { VendorPrincipal } from '../altinn-auth.js';
import { type AltinnRequestContext, type AltinnRoute, SCOPES } from '../altinn-context.js';
import { type AltinnReply, readJsonBody, stringResult } from '../altinn-http.js';
import { AltinnRegistryError, type RegisteredSystem } from '../altinn-model.js';
import {
  forbidden,
  httpProblem,
  modelStateProblem,
  serverError,
  VLD,
  validationProblem,
} from '../altinn-problem.js';
import {
  parsePackage,
  parseRight,
  parseSystemBody,
  SYSTEM_PATHS,
  type SystemDraft,
  systemResponse,
  validateSystem,
} from './system-input.js';

const SCOPE = [SCOPES.registerWrite, SCOPES.registerAdmin];
const UPDATED = { succeeded: true };

/**
 * `{platform}/authentication/api/v1/systemregister/vendor[/{systemId}[/rights|/accesspackages]]`
 * (reference §6; `Ctl/SystemRegisterController.cs`). "Owner" is the token's consumer org being the
 * system's vendor, or the `systemregister.admin` scope; a non-owner gets 403 with an empty body
 * (`Forbid()`). Lookups by id include soft-deleted systems, as Altinn's do. Reproduced as Altinn
 * answers them:
 * - GET by id: plain 404 when unknown; a deleted system is returned with `isDeleted: true`;
 * - PUT: 404 with a text body when unknown or when the body's `vendor.ID` differs, 403 before that
 *   comparison, AUTH.VLD-00012 for another body id, 400 text for a deleted system;
 * - PUT rights/accesspackages: an unknown system makes Altinn throw, 500;
 * - DELETE: 400 `{"errors":{"return":["System not found"]}}` when unknown, 400 when the system has
 *   no client ids (left) to free;
 * - the list is the vendor's live systems in the short `RegisteredSystemDTO` shape.
 *
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/systemregister/
 * @see https://docs.altinn.studio/en/authorization/guides/system-vendor/system-user/systemregistration
 */
export const systemRegisterRoutes: AltinnRoute[] = [
  { method: 'POST', path: 'systemregister/vendor', scopes: SCOPE, handle: create },
  { method: 'GET', path: 'systemregister/vendor', scopes: SCOPE, handle: list },
  { method: 'GET', path: 'systemregister/vendor/{systemId}', scopes: SCOPE, handle: get },
  { method: 'PUT', path: 'systemregister/vendor/{systemId}', scopes: SCOPE, handle: replace },
  { method: 'DELETE', path: 'systemregister/vendor/{systemId}', scopes: SCOPE, handle: remove },
  { method: 'PUT', path: 'systemregister/vendor/{systemId}/rights', scopes: SCOPE, handle: rights },
  {
    method: 'PUT',
    path: 'systemregister/vendor/{systemId}/accesspackages',
    scopes: SCOPE,
    handle: packages,
  },
];

/** 200 with the internal GUID as a JSON string. Order as Altinn: vendor.ID, rules, 403, errors. */
async function create(ctx: AltinnRequestContext) {
  const draft = await readDraft(ctx);
  const { registry } = ctx.deps;
  const errors = validateSystem(draft, {
    idTaken: registry.getSystem(draft.id) !== undefined,
    clientIdTaken: (clientId) => registry.isClientIdTaken(clientId),
  });
  assertWriteAccess(ctx.principal, vendorOf(draft));
  if (errors.length > 0) throw validationProblem(errors);
  const system = registryWrite(() =>
    registry.registerSystem({ ...draft, vendorOrgNo: vendorOf(draft) }),
  );
  return { status: 200, json: system.internalId };
}

/** `RegisteredSystemDTO` of each live system of the token's vendor. */
function list(ctx: AltinnRequestContext) {
  const systems = ctx.deps.registry.listSystems(ctx.principal.orgNo).filter((s) => !s.isDeleted);
  return {
    status: 200,
    json: systems.map((system) => ({
      systemId: system.id,
      systemVendorOrgNumber: system.vendorOrgNo,
      systemVendorOrgName: '',
      name: system.name,
      description: system.description,
      rights: system.rights,
      accessPackages: system.accessPackages,
      isVisible: system.isVisible,
    })),
  };
}

function get(ctx: AltinnRequestContext) {
  const system = ctx.deps.registry.getSystem(ctx.params['systemId'] ?? '');
  if (!system) throw httpProblem(404);
  assertWriteAccess(ctx.principal, system.vendorOrgNo);
  return { status: 200, json: systemResponse(system) };
}

/** Replaces everything but id and vendor (`UpdateWholeRegisteredSystem`, in its order). */
async function replace(ctx: AltinnRequestContext) {
  const parsed = parseSystemBody(await readJsonBody(ctx.req));
  if (!parsed.ok) throw validationProblem(parsed.errors);
  const draft = parsed.draft;
  const systemId = ctx.params['systemId'] ?? '';
  const current = ctx.deps.registry.getSystem(systemId);
  if (!current) return notFoundText(ctx, systemId);
  assertWriteAccess(ctx.principal, current.vendorOrgNo);
  if (draft.vendorOrgNo !== current.vendorOrgNo) return notFoundText(ctx, systemId);
  if (draft.id !== systemId) {
    throw validationProblem([VLD.systemIdMismatch([SYSTEM_PATHS.systemId])]);
  }
  if (current.isDeleted) return deletedText(ctx);
  const errors = validateSystem(draft, {
    idTaken: false,
    clientIdTaken: (clientId) => ctx.deps.registry.isClientIdTaken(clientId, current.id),
  });
  if (errors.length > 0) throw validationProblem(errors);
  registryWrite(() => ctx.deps.registry.replaceSystem(current.id, draft));
  return { status: 200, json: UPDATED };
}

function remove(ctx: AltinnRequestContext) {
  const system = ctx.deps.registry.getSystem(ctx.params['systemId'] ?? '');
  if (!system) throw modelStateProblem({ return: ['System not found'] });
  assertWriteAccess(ctx.principal, system.vendorOrgNo);
  if (system.isDeleted || system.clientId.length === 0) throw httpProblem(400);
  ctx.deps.registry.deleteSystem(system.id);
  return { status: 200, json: UPDATED };
}

async function rights(ctx: AltinnRequestContext) {
  const body = await readJsonBody(ctx.req);
  const parsed = Array.isArray(body) ? body.map(parseRight) : [undefined];
  if (parsed.some((r) => r === undefined)) throw validationProblem([VLD.invalidValue(['/'])]);
  const current = writableSystem(ctx);
  if (!current.ok) return current.reply;
  return update(ctx, current.system, { rights: parsed.filter((r) => r !== undefined) });
}

async function packages(ctx: AltinnRequestContext) {
  const body = await readJsonBody(ctx.req);
  const parsed = Array.isArray(body) ? body.map(parsePackage) : [undefined];
  if (parsed.some((p) => p === undefined)) throw validationProblem([VLD.invalidValue(['/'])]);
  const current = writableSystem(ctx);
  if (!current.ok) return current.reply;
  return update(ctx, current.system, { accessPackages: parsed.filter((p) => p !== undefined) });
}

/** The sub-resource PUTs: an unknown system is a null dereference in Altinn (500). */
function writableSystem(
  ctx: AltinnRequestContext,
): { ok: true; system: RegisteredSystem } | { ok: false; reply: AltinnReply } {
  const system = ctx.deps.registry.getSystem(ctx.params['systemId'] ?? '');
  if (!system) throw serverError('Object reference not set to an instance of an object.');
  assertWriteAccess(ctx.principal, system.vendorOrgNo);
  if (system.isDeleted) return { ok: false, reply: deletedText(ctx) };
  return { ok: true, system };
}

function update(
  ctx: AltinnRequestContext,
  current: RegisteredSystem,
  change: Partial<SystemDraft>,
) {
  const draft: SystemDraft = { ...current, ...change };
  const errors = validateSystem(draft, { idTaken: false, clientIdTaken: () => false });
  if (errors.length > 0) throw validationProblem(errors);
  registryWrite(() => ctx.deps.registry.replaceSystem(current.id, draft));
  return { status: 200, json: UPDATED };
}

async function readDraft(ctx: AltinnRequestContext): Promise<SystemDraft> {
  const parsed = parseSystemBody(await readJsonBody(ctx.req));
  if (!parsed.ok) throw validationProblem(parsed.errors);
  if (parsed.draft.vendorOrgNo === undefined) {
    throw validationProblem([VLD.orgIdentifier([SYSTEM_PATHS.vendorId])]);
  }
  return parsed.draft;
}

const vendorOf = (draft: SystemDraft) => draft.vendorOrgNo as string;

const notFoundText = (ctx: AltinnRequestContext, systemId: string) =>
  stringResult(ctx.req, 404, `System with ID '${systemId}' not found.`);

const deletedText = (ctx: AltinnRequestContext) =>
  stringResult(ctx.req, 400, 'Cannot update a system marked as deleted.');

/** Altinn's `HasWriteAccess`: the token's org is the vendor, or the token has the admin scope. */
function assertWriteAccess(principal: VendorPrincipal, vendorOrgNo: string): void {
  if (principal.orgNo !== vendorOrgNo && !principal.scopes.has(SCOPES.registerAdmin)) {
    throw forbidden();
  }
}

/** Registry rules that raced the checks above (e.g. a client id) become validation errors. */
function registryWrite<T>(write: () => T): T {
  try {
    return write();
  } catch (error) {
    if (!(error instanceof AltinnRegistryError)) throw error;
    throw validationProblem([{ code: error.code, title: error.message, paths: ['/'] }]);
  }
}
