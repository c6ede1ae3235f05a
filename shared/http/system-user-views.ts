import { RESOURCE_URN } from '../domain/altinn-identifiers.js';
import type { SystemUserType } from '../domain/system-user-request.js';
import type { AltinnSystemUser, AltinnSystemUserRequest } from '../ports/altinn.js';

/** A system-user request as the broker answers it. */
export interface SystemUserRequestView {
  id: string;
  type: SystemUserType;
  /** `New`, `Accepted`, `Rejected`, `Denied` or `Timedout`; timed out requests always read `Timedout`. */
  status: string;
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
 * Altinn's request as the broker answers it. Timeouts are normalised: before Nov 2025 Altinn set
 * `status: Timedout`; since then it sets `timedOut: true` and leaves `status` alone. Either way the
 * view says `status: "Timedout", timedOut: true`, because a timed-out request can no longer be
 * approved whatever status it had. `externalRef` defaults to the org, as in Altinn.
 */
export function toRequestView(
  request: AltinnSystemUserRequest,
  type: SystemUserType,
): SystemUserRequestView {
  const timedOut = request.timedOut === true || request.status.toLowerCase() === 'timedout';
  const view: SystemUserRequestView = {
    id: request.id,
    type,
    status: timedOut ? 'Timedout' : request.status,
    timedOut,
    externalRef: request.externalRef ?? request.partyOrgNo,
    systemId: request.systemId,
    partyOrgNo: request.partyOrgNo,
    rights: request.rights.flatMap((right) =>
      right.resource
        .filter((attribute) => attribute.id === RESOURCE_URN)
        .map((attribute) => attribute.value),
    ),
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
