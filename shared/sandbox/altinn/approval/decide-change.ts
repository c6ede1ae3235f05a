import { rightKey } from '../access-packages.js';
import type { AccessPackage, Right, SystemUser } from '../altinn-model.js';
import type { AltinnRegistry } from '../altinn-registry.js';
import type { ChangeRequestRecord } from '../change-requests/change-request-model.js';
import type { ChangeRequestStore } from '../change-requests/change-request-store.js';

export type ChangeDecision = { decision: 'accept' } | { decision: 'reject' };

export type ChangeDecisionOutcome =
  | { ok: true; changeRequest: ChangeRequestRecord; systemUser?: SystemUser }
  | {
      ok: false;
      /** `not_new` is Altinn's 409 AUTH-00013; the others its 404 AUTH-00010/00011/00015. */
      reason: 'not_found' | 'not_new' | 'system_unavailable' | 'system_user_gone';
      changeRequest?: ChangeRequestRecord;
    };

export interface ChangeApprovalDeps {
  registry: AltinnRegistry;
  changeRequests: ChangeRequestStore;
}

/**
 * The customer's decision on a change request (`Svc/ChangeRequestSystemUserService.cs`,
 * `ApproveAndDelegateChangeOnSystemUser` and `RejectChangeOnSystemUser`): only a `New` one can be
 * decided. Reject sets `Rejected`. Accept needs the system and the (active) system user, then
 * gives the system user the required rights and packages it lacks and takes the unwanted ones
 * away (delegations first, revocations after, so a right both required and unwanted ends up
 * revoked), and sets `Accepted`. The sandbox has no approver, so Altinn's delegation check of the
 * approver's own rights is not made. The next Maskinporten token for the system user sees the
 * change.
 */
export function decideChange(
  deps: ChangeApprovalDeps,
  id: string,
  decision: ChangeDecision,
): ChangeDecisionOutcome {
  const changeRequest = deps.changeRequests.get(id);
  if (!changeRequest) return { ok: false, reason: 'not_found' };
  if (changeRequest.status !== 'New') return { ok: false, reason: 'not_new', changeRequest };
  if (decision.decision === 'reject') {
    return {
      ok: true,
      changeRequest: deps.changeRequests.setStatus(id, 'Rejected') ?? changeRequest,
    };
  }
  if (!deps.registry.getSystem(changeRequest.systemId)) {
    return { ok: false, reason: 'system_unavailable', changeRequest };
  }
  const user = deps.registry.getSystemUser(changeRequest.systemUserId);
  if (!user || user.isDeleted) return { ok: false, reason: 'system_user_gone', changeRequest };
  const systemUser = deps.registry.setSystemUserAccess(user.id, {
    rights: applied(
      user.rights,
      changeRequest.requiredRights,
      changeRequest.unwantedRights,
      rightKey,
    ),
    accessPackages: applied(
      user.accessPackages,
      changeRequest.requiredAccessPackages,
      changeRequest.unwantedAccessPackages,
      packageKey,
    ),
  });
  return {
    ok: true,
    changeRequest: deps.changeRequests.setStatus(id, 'Accepted') ?? changeRequest,
    systemUser,
  };
}

const packageKey = (accessPackage: AccessPackage) => accessPackage.urn;

/** `current`, plus the required items it lacks, minus the unwanted ones. */
function applied<T extends Right | AccessPackage>(
  current: T[],
  required: T[],
  unwanted: T[],
  key: (item: T) => string,
): T[] {
  const result = [...current];
  const held = new Set(current.map(key));
  for (const item of required) {
    if (!held.has(key(item))) {
      result.push(item);
      held.add(key(item));
    }
  }
  const drop = new Set(unwanted.map(key));
  return result.filter((item) => !drop.has(key(item)));
}
