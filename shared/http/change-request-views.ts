import type { AltinnChangeRequest } from '../ports/altinn.js';
import { resourceIds } from './system-user-views.js';

/** A change request as the broker answers it. */
export interface ChangeRequestView {
  /** The correlation id the broker derived from the change (also Altinn's id). */
  id: string;
  /** Altinn's: `New`, `Accepted`, `Rejected`, or `NoChangeNeeded` (nothing was asked; not stored). */
  status: string;
  /** Where the customer approves it; absent for `NoChangeNeeded`. */
  confirmUrl?: string;
  systemId: string;
  systemUserId: string;
  partyOrgNo: string;
  externalRef: string;
  requiredRights: string[];
  unwantedRights: string[];
  requiredAccessPackages: string[];
  unwantedAccessPackages: string[];
  redirectUrl?: string;
  created?: string;
}

/**
 * Altinn's change request as the broker answers it: rights flattened to resource ids, packages to
 * URNs, `externalRef` defaulting to the org. Left out: an empty `confirmUrl` and .NET's default
 * `created` (`0001-01-01...`), both of the unstored `NoChangeNeeded` answer; and `timedOut`, which
 * Altinn's read by id always says is false (reference §5, `Repo/ChangeRequestRepository.cs:406-408`):
 * `created` says how old a change request is.
 */
export function toChangeRequestView(changeRequest: AltinnChangeRequest): ChangeRequestView {
  const view: ChangeRequestView = {
    id: changeRequest.id,
    status: changeRequest.status,
    systemId: changeRequest.systemId,
    systemUserId: changeRequest.systemUserId,
    partyOrgNo: changeRequest.partyOrgNo,
    externalRef: changeRequest.externalRef ?? changeRequest.partyOrgNo,
    requiredRights: resourceIds(changeRequest.requiredRights),
    unwantedRights: resourceIds(changeRequest.unwantedRights),
    requiredAccessPackages: changeRequest.requiredAccessPackages.map((entry) => entry.urn),
    unwantedAccessPackages: changeRequest.unwantedAccessPackages.map((entry) => entry.urn),
  };
  if (changeRequest.confirmUrl) view.confirmUrl = changeRequest.confirmUrl;
  if (changeRequest.redirectUrl) view.redirectUrl = changeRequest.redirectUrl;
  if (changeRequest.created && !changeRequest.created.startsWith('0001-01-01')) {
    view.created = changeRequest.created;
  }
  return view;
}
