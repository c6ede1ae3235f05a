import { RESOURCE_URN } from '../domain/altinn-identifiers.js';
import type { SystemUserType } from '../domain/system-user-request.js';
import type { AltinnRight, AltinnSystemUser, AltinnSystemUserRequest } from '../ports/altinn.js';

/** A system-user request as the broker answers it. */
export interface SystemUserRequestView {
  id: string;
  type: SystemUserType;
  /** Altinn's, unchanged: `New`, `Accepted`, `Rejected`, `Denied`, or a legacy `Timedout`. */
  status: string;
  /** Altinn's 180-day flag: created more than 180 days ago, whatever the status. */
  timedOut: boolean;
  confirmUrl?: string;
  externalRef: string;
  systemId: string;
  partyOrgNo: string;
  redirectUrl?: string;
  rights: string[];
  accessPackages: string[];
  integrationTitle?: string;
  created?: string;
}

/**
 * Altinn's request as the broker answers it. `status` and `timedOut` are Altinn's, each as it is:
 * Altinn computes `timedOut` on every read as "created more than 180 days ago" and never looks at
 * the status, so an `Accepted` request of a working system user reads `timedOut: true` from day
 * 180 (reference §3.3, `Repo/RequestRepository.cs:473-476`). "Approved?" is
 * `GET /v1/systemusers`, not this flag. `externalRef` defaults to the org, as in Altinn.
 */
export function toRequestView(
  request: AltinnSystemUserRequest,
  type: SystemUserType,
): SystemUserRequestView {
  const view: SystemUserRequestView = {
    id: request.id,
    type,
    status: request.status,
    timedOut: request.timedOut === true,
    externalRef: request.externalRef ?? request.partyOrgNo,
    systemId: request.systemId,
    partyOrgNo: request.partyOrgNo,
    rights: resourceIds(request.rights),
    accessPackages: request.accessPackages.map((entry) => entry.urn),
  };
  if (request.confirmUrl) view.confirmUrl = request.confirmUrl;
  if (request.redirectUrl) view.redirectUrl = request.redirectUrl;
  if (request.integrationTitle) view.integrationTitle = request.integrationTitle;
  if (request.created) view.created = request.created;
  return view;
}

/** An approved system user as the broker answers it. */
export interface SystemUserView {
  id: string;
  type: SystemUserType;
  systemId: string;
  partyOrgNo: string;
  externalRef: string;
  integrationTitle?: string;
  created?: string;
}

/** `SystemUserExternalDTO` as the broker answers it; older DTOs without `userType` read as standard. */
export function toSystemUserView(user: AltinnSystemUser): SystemUserView {
  const view: SystemUserView = {
    id: user.id,
    type: user.userType?.toLowerCase() === 'agent' ? 'agent' : 'standard',
    systemId: user.systemId,
    partyOrgNo: user.reporteeOrgNo,
    externalRef: user.externalRef ?? user.reporteeOrgNo,
  };
  if (user.integrationTitle) view.integrationTitle = user.integrationTitle;
  if (user.created) view.created = user.created;
  return view;
}

/** Rights as the broker answers them: the resource ids of `urn:altinn:resource` attributes. */
export function resourceIds(rights: AltinnRight[]): string[] {
  return rights.flatMap((right) =>
    right.resource
      .filter((attribute) => attribute.id === RESOURCE_URN)
      .map((attribute) => attribute.value),
  );
}
