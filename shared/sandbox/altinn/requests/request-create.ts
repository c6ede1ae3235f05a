import { randomUUID } from 'node:crypto';
import { isValidOrgnr } from '../../../domain/orgnr.js';
import { packageKeys, rightKey } from '../access-packages.js';
import type { AltinnDeps, AltinnRequestContext } from '../altinn-context.js';
import { readJsonBody } from '../altinn-http.js';
import type { RegisteredSystem, SystemUserType } from '../altinn-model.js';
import { AUTH } from '../altinn-problem.js';
import { parseRequestBody, type RequestDraft, redirectAllowed } from './request-input.js';
import { requestResponse, requestView, type SystemUserRequestRecord } from './request-model.js';

/**
 * `POST systemuser/request/vendor` (standard) and `POST systemuser/request/vendor/agent`, with
 * Altinn's idempotency on (systemId, partyOrgNo, externalRef ?? partyOrgNo):
 * 1. the system must exist and belong to the token's vendor, else 404 AUTH-00011 (Altinn checks
 *    the vendor after the two idempotency steps; the sandbox first, so no vendor can probe another
 *    vendor's customers);
 * 2. an active system user for the key: 400 AUTH-00004;
 * 3. a live request of the same type (not timed out, not deleted, and if Accepted, its system
 *    user still exists — Altinn deletes the request with the system user): 200 with it, whatever
 *    its status; a live request of the other type: 400 AUTH-00007/00006/00009/00008 by status;
 * 4. `partyOrgNo` must exist in ER; the sandbox's stand-in accepts any MOD11-valid orgno, else
 *    400 AUTH-00000;
 * 5. `redirectUrl` (if non-empty) must match an allowed URL up to the path: AUTH-00026 when the
 *    system has none, else AUTH-00021;
 * 6. agent: ≥1 access package (AUTH-00058); standard: ≥1 right or package (AUTH-00059); rights and
 *    packages must be on the system (AUTH-00001, AUTH-00063);
 * 7. 201 with `Location: {platform}/authentication/api/v1/systemuser/request/{id}`.
 *
 * @see https://docs.altinn.studio/nb/authorization/guides/system-vendor/system-user/systemuserrequest
 */
export function createRequestHandler(type: SystemUserType) {
  return async (ctx: AltinnRequestContext) => {
    const { deps, principal } = ctx;
    const draft = parseRequestBody(await readJsonBody(ctx.req), type);
    const externalRef = draft.externalRef ?? draft.partyOrgNo;
    const system = deps.registry.getSystem(draft.systemId);
    if (!system || system.isDeleted || system.vendorOrgNo !== principal.orgNo) {
      throw AUTH.systemNotFound();
    }
    if (deps.registry.findActiveSystemUser(system.id, draft.partyOrgNo, externalRef)) {
      throw AUTH.systemUserExists();
    }
    const live = liveRequests(deps, system.id, draft.partyOrgNo, externalRef);
    const same = live.find((r) => r.type === type);
    if (same) return { status: 200, json: respond(deps, same) };
    const other = live[0];
    if (other) throw otherTypeProblem(other);
    checkContent(draft, system, type);
    const now = deps.clock();
    const record: SystemUserRequestRecord = {
      id: randomUUID(),
      type,
      systemId: system.id,
      partyOrgNo: draft.partyOrgNo,
      externalRef,
      integrationTitle: draft.integrationTitle ?? system.name.nb,
      rights: type === 'agent' ? [] : draft.rights,
      accessPackages: draft.accessPackages,
      status: 'New',
      ...(draft.redirectUrl === undefined ? {} : { redirectUrl: draft.redirectUrl }),
      created: new Date(now).toISOString(),
      createdMs: now,
      escalated: false,
      isDeleted: false,
    };
    deps.requests.add(record);
    return {
      status: 201,
      json: respond(deps, record),
      headers: { location: `${deps.apiBase}systemuser/request/${record.id}` },
    };
  };
}

/** Requests for the key that still count: not timed out, and Accepted only while its user lives. */
export function liveRequests(
  deps: AltinnDeps,
  systemId: string,
  partyOrgNo: string,
  externalRef: string,
): SystemUserRequestRecord[] {
  const now = deps.clock();
  return deps.requests.findByKey(systemId, partyOrgNo, externalRef).filter((r) => {
    if (requestView(r, now, deps.policy()).timedOut) return false;
    if (r.status !== 'Accepted') return true;
    const user = deps.registry.getSystemUser(r.id);
    return user !== undefined && !user.isDeleted;
  });
}

export function respond(deps: AltinnDeps, record: SystemUserRequestRecord, withConfirmUrl = true) {
  const view = requestView(record, deps.clock(), deps.policy());
  return requestResponse(record, view, withConfirmUrl ? deps.confirmUrl(record) : undefined);
}

function otherTypeProblem(record: SystemUserRequestRecord) {
  if (record.status === 'Accepted') return AUTH.externalIdAccepted();
  if (record.status === 'Rejected') return AUTH.externalIdRejected();
  if (record.status === 'Denied') return AUTH.externalIdDenied();
  return AUTH.externalIdPending();
}

function checkContent(draft: RequestDraft, system: RegisteredSystem, type: SystemUserType): void {
  if (!isValidOrgnr(draft.partyOrgNo)) throw AUTH.partyNotFound();
  if (draft.redirectUrl) {
    if (system.allowedRedirectUrls.length === 0) throw AUTH.noRedirectUris();
    if (!redirectAllowed(draft.redirectUrl, system.allowedRedirectUrls)) {
      throw AUTH.redirectUriNotFound();
    }
  }
  if (type === 'agent' && draft.accessPackages.length === 0) throw AUTH.missingAccessPackage();
  if (draft.rights.length === 0 && draft.accessPackages.length === 0) {
    throw AUTH.missingRightsOrPackages();
  }
  const systemRights = new Set(system.rights.map(rightKey));
  if (!draft.rights.every((right) => systemRights.has(rightKey(right))))
    throw AUTH.rightsNotFound();
  const systemPackages = new Set(packageKeys(system.accessPackages));
  if (!packageKeys(draft.accessPackages).every((urn) => systemPackages.has(urn))) {
    throw AUTH.accessPackageNotOnSystem();
  }
}
