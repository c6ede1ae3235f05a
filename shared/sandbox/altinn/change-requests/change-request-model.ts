import type { AccessPackage, Right } from '../altinn-model.js';
import { isTimedOut } from '../requests/request-model.js';

/**
 * Statuses of a change request (`Models/SystemUsers/ChangeRequestStatus.cs`). The server writes
 * only New, Accepted (on approval) and Rejected; `NoChangeNeeded` appears only in the unstored
 * answer to a change request with four empty lists.
 */
export type ChangeRequestStatus =
  | 'New'
  | 'Accepted'
  | 'Rejected'
  | 'Denied'
  | 'Timedout'
  | 'NoChangeNeeded';

/**
 * A vendor's request to change a standard system user's rights and access packages
 * (`business_application.change_request`). Its id is the vendor's `correlation-id`.
 *
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/changerequest/
 */
export interface ChangeRequestRecord {
  id: string;
  systemUserId: string;
  systemId: string;
  partyOrgNo: string;
  /** The system user's externalRef. */
  externalRef: string;
  requiredRights: Right[];
  unwantedRights: Right[];
  requiredAccessPackages: AccessPackage[];
  unwantedAccessPackages: AccessPackage[];
  status: ChangeRequestStatus;
  /** Absent when the vendor sent none. */
  redirectUrl?: string;
  /** ISO 8601. */
  created: string;
  createdMs: number;
  isDeleted: boolean;
}

/** `created` of the unstored NoChangeNeeded answer: .NET's `default(DateTime)` [inferred]. */
export const DEFAULT_DATETIME = '0001-01-01T00:00:00';

export interface ChangeResponseOptions {
  /** Set on the single answers; list items have none. */
  confirmUrl?: string;
  /** False except in lists: the service never copies the repository's flag (reference §5). */
  timedOut: boolean;
  /** byexternalref leaves both package lists out of its mapping, so they read `[]`. */
  withoutPackages?: boolean;
}

/**
 * `ChangeRequestResponse`, members in Altinn's order: `id, externalRef, systemId, systemUserId,
 * partyOrgNo, requiredRights, unwantedRights, requiredAccessPackages, unwantedAccessPackages,
 * status, redirectUrl?, confirmUrl?, created, timedOut` (`Models/SystemUsers/ChangeRequestResponse.cs`).
 */
export function changeRequestResponse(
  record: Omit<ChangeRequestRecord, 'createdMs' | 'isDeleted'>,
  options: ChangeResponseOptions,
): Record<string, unknown> {
  return {
    id: record.id,
    externalRef: record.externalRef,
    systemId: record.systemId,
    systemUserId: record.systemUserId,
    partyOrgNo: record.partyOrgNo,
    requiredRights: record.requiredRights,
    unwantedRights: record.unwantedRights,
    requiredAccessPackages: options.withoutPackages ? [] : record.requiredAccessPackages,
    unwantedAccessPackages: options.withoutPackages ? [] : record.unwantedAccessPackages,
    status: record.status,
    ...(record.redirectUrl === undefined ? {} : { redirectUrl: record.redirectUrl }),
    ...(options.confirmUrl === undefined ? {} : { confirmUrl: options.confirmUrl }),
    created: record.created,
    timedOut: options.timedOut,
  };
}

/** The repository's own 180-day flag (`Repo/ChangeRequestRepository.cs:22, 406-408`). */
export const changeRequestTimedOut = (record: ChangeRequestRecord, now: number) =>
  isTimedOut(record, now);
