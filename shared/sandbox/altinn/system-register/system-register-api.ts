import type { VendorPrincipal } from '../altinn-auth.js';
import { type AltinnRequestContext, type AltinnRoute, SCOPES } from '../altinn-context.js';
import { readJsonBody } from '../altinn-http.js';
import { AltinnRegistryError, type RegisteredSystem } from '../altinn-model.js';
import { AUTH, httpProblem, VLD, validationProblem } from '../altinn-problem.js';
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
 * `{platform}/authentication/api/v1/systemregister/vendor[/{systemId}[/rights|/accesspackages]]`:
 * the vendor's own systems. Writes need the token's org to be the system's vendor (or the admin
 * scope), else 403. An unknown or deleted system id is 404 AUTH-00011 (Altinn answers a GET of an
 * unknown id with 403 and a DELETE with a 400 "System not found"; the sandbox is plainer).
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

/** 200 with the internal GUID as a JSON string. Order as Altinn: vendor.ID, 403, then rules. */
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

function list(ctx: AltinnRequestContext) {
  const systems = ctx.deps.registry.listSystems(ctx.principal.orgNo).filter((s) => !s.isDeleted);
  return { status: 200, json: systems.map(systemResponse) };
}

function get(ctx: AltinnRequestContext) {
  return { status: 200, json: systemResponse(ownSystem(ctx)) };
}

/** Replaces everything but id and vendor; the body's id must match the URL (AUTH.VLD-00012). */
async function replace(ctx: AltinnRequestContext) {
  const draft = await readDraft(ctx);
  assertWriteAccess(ctx.principal, vendorOf(draft));
  if (draft.id !== ctx.params['systemId']) {
    throw validationProblem([VLD.systemIdMismatch([SYSTEM_PATHS.systemId])]);
  }
  const current = ownSystem(ctx);
  if (current.vendorOrgNo !== draft.vendorOrgNo) throw httpProblem(403, 'vendor cannot change');
  const errors = validateSystem(draft, {
    idTaken: false,
    clientIdTaken: (clientId) => ctx.deps.registry.isClientIdTaken(clientId, current.id),
  });
  if (errors.length > 0) throw validationProblem(errors);
  registryWrite(() => ctx.deps.registry.replaceSystem(current.id, draft));
  return { status: 200, json: UPDATED };
}

function remove(ctx: AltinnRequestContext) {
  ctx.deps.registry.deleteSystem(ownSystem(ctx).id);
  return { status: 200, json: UPDATED };
}

async function rights(ctx: AltinnRequestContext) {
  const current = ownSystem(ctx);
  const body = await readJsonBody(ctx.req);
  const parsed = Array.isArray(body) ? body.map(parseRight) : [undefined];
  if (parsed.some((r) => r === undefined)) throw validationProblem([VLD.invalidValue(['/'])]);
  return update(ctx, current, { rights: parsed.filter((r) => r !== undefined) });
}

async function packages(ctx: AltinnRequestContext) {
  const current = ownSystem(ctx);
  const body = await readJsonBody(ctx.req);
  const parsed = Array.isArray(body) ? body.map(parsePackage) : [undefined];
  if (parsed.some((p) => p === undefined)) throw validationProblem([VLD.invalidValue(['/'])]);
  return update(ctx, current, { accessPackages: parsed.filter((p) => p !== undefined) });
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

/** The URL's live system, which the caller must own (or hold the admin scope for). */
function ownSystem(ctx: AltinnRequestContext): RegisteredSystem {
  const system = ctx.deps.registry.getSystem(ctx.params['systemId'] ?? '');
  if (!system || system.isDeleted) throw AUTH.systemNotFound();
  assertWriteAccess(ctx.principal, system.vendorOrgNo);
  return system;
}

/** Altinn's `HasWriteAccess`: the token's org is the vendor, or the token has the admin scope. */
function assertWriteAccess(principal: VendorPrincipal, vendorOrgNo: string): void {
  if (principal.orgNo !== vendorOrgNo && !principal.scopes.has(SCOPES.registerAdmin)) {
    throw httpProblem(403, "The token's organisation is not the system's vendor");
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
