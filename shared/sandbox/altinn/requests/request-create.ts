import { randomUUID } from 'node:crypto';
import type { VendorPrincipal } from '../altinn-auth.js';
import type { AltinnDeps, AltinnRequestContext } from '../altinn-context.js';
import { readJsonBody } from '../altinn-http.js';
import type { RegisteredSystem, SystemUserType } from '../altinn-model.js';
import { AUTH } from '../altinn-problem.js';
import {
  checkColumnLengths,
  checkPackages,
  checkRedirectUrl,
  checkRights,
} from './content-rules.js';
import { parseRequestBody, type RequestDraft } from './request-input.js';
import { isTimedOut, requestResponse, type SystemUserRequestRecord } from './request-model.js';

/**
 * `POST systemuser/request/vendor` (standard) and `POST systemuser/request/vendor/agent`, in the
 * exact order of Altinn's controller and service (reference §3.2; `Ctl/RequestSystemUserController.cs:97-194`,
 * `Svc/RequestSystemUserService.cs:50-284`). The key is (systemId, partyOrgNo, externalRef), where
 * `externalRef` falls back to `partyOrgNo` only when it is absent (`""` stays `""`):
 * 1. (no vendor in the token: 401 AUTH-00023, in the router);
 * 2. an active system user for the key, whoever's: 400 AUTH-00004;
 * 3. a request of the same type for the key whose system is the token vendor's and whose status
 *    is not `Timedout`: 200 with it, whatever its status and age;
 * 4. the system (deleted ones too) must exist: 404 AUTH-00011;
 * 5. a standard request for the key, even for an agent create: Accepted 00006, New 00007,
 *    Denied 00008, Rejected 00009 (all 400); `Timedout` passes;
 * 6. the system must be the token vendor's: 404 AUTH-00011;
 * 7. `partyOrgNo` must be in the Entity Register: 400 AUTH-00000;
 * 8. a non-empty `redirectUrl`: AUTH-00026 / 00021 (relative: 500);
 * 9. standard: `rights` and `accessPackages` both absent AUTH-00001, both empty AUTH-00059, then
 *    rights 00001 and packages 00063/00064; agent: no packages 00058, then 00063/00065;
 * 10. an absent or empty `externalRef` is stored as `partyOrgNo`; values over 255 characters: 500;
 * 11. 201 with `Location: {platform}/authentication/api/v1/systemuser/request/{id}` (no `vendor/`).
 *
 * @see https://docs.altinn.studio/nb/authorization/guides/system-vendor/system-user/systemuserrequest
 */
export function createRequestHandler(type: SystemUserType) {
  return async (ctx: AltinnRequestContext) => {
    const { deps, principal } = ctx;
    const draft = parseRequestBody(await readJsonBody(ctx.req), type);
    const { systemId, partyOrgNo } = draft;
    const keyRef = draft.externalRef ?? partyOrgNo;
    if (deps.registry.findActiveSystemUser(systemId, partyOrgNo, keyRef)) {
      throw AUTH.systemUserExists();
    }
    const existing = deps.requests.firstByKey(systemId, partyOrgNo, keyRef, type);
    if (
      existing &&
      ownsSystem(deps, principal, existing.systemId) &&
      existing.status !== 'Timedout'
    ) {
      return { status: 200, json: respond(deps, existing, { copyEscalated: type === 'agent' }) };
    }
    const system = deps.registry.getSystem(systemId);
    if (!system) throw AUTH.systemNotFound();
    checkStandardRequestState(deps, systemId, partyOrgNo, keyRef);
    if (system.vendorOrgNo !== principal.orgNo) throw AUTH.systemNotFound();
    if (!deps.registry.entityRegister.has(partyOrgNo)) throw AUTH.partyNotFound();
    checkRedirectUrl(draft.redirectUrl, system);
    checkContent(draft, system, type);
    const record = newRecord(deps, draft, system, type);
    deps.requests.add(record);
    return {
      status: 201,
      json: respond(deps, record, { copyEscalated: true }),
      headers: { location: `${deps.apiBase}systemuser/request/${record.id}` },
    };
  };
}

/** `ValidateExternalRequestId`: looks at standard requests only, for either type of create. */
function checkStandardRequestState(
  deps: AltinnDeps,
  systemId: string,
  partyOrgNo: string,
  externalRef: string,
): void {
  const standard = deps.requests.firstByKey(systemId, partyOrgNo, externalRef, 'standard');
  if (standard?.status === 'Accepted') throw AUTH.externalIdAccepted();
  if (standard?.status === 'New') throw AUTH.externalIdPending();
  if (standard?.status === 'Denied') throw AUTH.externalIdDenied();
  if (standard?.status === 'Rejected') throw AUTH.externalIdRejected();
}

function checkContent(draft: RequestDraft, system: RegisteredSystem, type: SystemUserType): void {
  const rights = draft.rights ?? [];
  const packages = draft.accessPackages ?? [];
  if (type === 'agent') {
    if (packages.length === 0) throw AUTH.missingAccessPackage();
    checkPackages(packages, system, 'agent');
    return;
  }
  if (draft.rights === null && draft.accessPackages === null) throw AUTH.rightsNotFound();
  if (rights.length === 0 && packages.length === 0) throw AUTH.missingRightsOrPackages();
  checkRights(rights, system);
  checkPackages(packages, system, 'standard');
}

function newRecord(
  deps: AltinnDeps,
  draft: RequestDraft,
  system: RegisteredSystem,
  type: SystemUserType,
): SystemUserRequestRecord {
  const externalRef = draft.externalRef ? draft.externalRef : draft.partyOrgNo;
  const integrationTitle = draft.integrationTitle ?? system.name.nb;
  checkColumnLengths({
    externalRef,
    systemId: draft.systemId,
    partyOrgNo: draft.partyOrgNo,
    integrationTitle,
    redirectUrl: draft.redirectUrl,
  });
  const now = deps.clock();
  return {
    id: randomUUID(),
    type,
    systemId: system.id,
    partyOrgNo: draft.partyOrgNo,
    externalRef,
    integrationTitle,
    rights: type === 'agent' ? [] : (draft.rights ?? []),
    accessPackages: draft.accessPackages ?? [],
    status: 'New',
    ...(draft.redirectUrl === undefined ? {} : { redirectUrl: draft.redirectUrl }),
    created: new Date(now).toISOString(),
    createdMs: now,
    escalated: false,
    isDeleted: false,
  };
}

/** True when the system exists (deleted or not) and belongs to the token's vendor. */
export function ownsSystem(deps: AltinnDeps, principal: VendorPrincipal, systemId: string) {
  return deps.registry.getSystem(systemId)?.vendorOrgNo === principal.orgNo;
}

/**
 * A request as one of Altinn's single-request answers shows it: with the `confirmUrl`, the
 * 180-day flag computed now, and `escalated` only where Altinn copies it (`copyEscalated`).
 */
export function respond(
  deps: AltinnDeps,
  record: SystemUserRequestRecord,
  options: { copyEscalated: boolean; list?: boolean },
) {
  return requestResponse(record, {
    ...(options.list ? {} : { confirmUrl: deps.confirmUrl(record) }),
    escalated: options.copyEscalated ? record.escalated : false,
    timedOut: isTimedOut(record, deps.clock()),
  });
}
