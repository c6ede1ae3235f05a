import type {
  AccessPackage,
  Right,
  SystemUserRequestStatus,
  SystemUserType,
} from '../altinn-model.js';

/**
 * A vendor-driven system-user request, standard (`systemuser/request/vendor`) or agent
 * (`.../vendor/agent`), as the sandbox stores it (Altinn's `business_application.request` row).
 *
 * @see https://docs.altinn.studio/nb/authorization/guides/system-vendor/system-user/systemuserrequest
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/systemuserrequest/external/
 */
export interface SystemUserRequestRecord {
  /** UUID; Altinn reuses it as the system user's id once the request is accepted. */
  id: string;
  type: SystemUserType;
  systemId: string;
  partyOrgNo: string;
  /** As stored: the vendor's value, or `partyOrgNo` when it sent none or `""`. */
  externalRef: string;
  /** Defaults to the system's name (nb); `""` if the vendor sent `""`. */
  integrationTitle: string;
  /** Always `[]` for agent requests. */
  rights: Right[];
  accessPackages: AccessPackage[];
  /** The stored status; the sandbox only ever writes New, Accepted and Rejected itself. */
  status: SystemUserRequestStatus;
  /** As sent (Altinn echoes `""` too); absent when the vendor sent none. */
  redirectUrl?: string;
  /** ISO 8601. */
  created: string;
  createdMs: number;
  escalated: boolean;
  /** DELETE by anyone; deleted requests are invisible to every read. */
  isDeleted: boolean;
}

/** Altinn's `REQUEST_TIMEOUT_DAYS` (`Repo/RequestRepository.cs:23`). */
export const REQUEST_TIMEOUT_DAYS = 180;
export const DAY_MS = 86_400_000;

/**
 * The 180-day flag, as the repository computes it on every read: `created < now − 180 days`,
 * whatever the status, and `status` is left as it is (reference §3.3,
 * `Repo/RequestRepository.cs:473-476, 516-519`).
 */
export function isTimedOut(record: Pick<SystemUserRequestRecord, 'createdMs'>, now: number) {
  return record.createdMs < now - REQUEST_TIMEOUT_DAYS * DAY_MS;
}

export interface ResponseOptions {
  /** Set by the single-request answers; Altinn's lists carry none. */
  confirmUrl?: string;
  /**
   * Altinn copies `escalated` only into some answers: GET by id and the standard byexternalref
   * always say false (`Svc/RequestSystemUserService.cs:382-395, 418-430`).
   */
  escalated: boolean;
  timedOut: boolean;
}

/**
 * The response body (`RequestSystemResponse` / `AgentRequestSystemResponse`), members in Altinn's
 * order: `id, integrationTitle, externalRef, systemId, partyOrgNo, rights (standard only),
 * accessPackages, status, redirectUrl?, confirmUrl?, escalated, created, timedOut`.
 */
export function requestResponse(
  record: SystemUserRequestRecord,
  options: ResponseOptions,
): Record<string, unknown> {
  return {
    id: record.id,
    integrationTitle: record.integrationTitle,
    externalRef: record.externalRef,
    systemId: record.systemId,
    partyOrgNo: record.partyOrgNo,
    ...(record.type === 'standard' ? { rights: record.rights } : {}),
    accessPackages: record.accessPackages,
    status: record.status,
    ...(record.redirectUrl === undefined ? {} : { redirectUrl: record.redirectUrl }),
    ...(options.confirmUrl === undefined ? {} : { confirmUrl: options.confirmUrl }),
    escalated: options.escalated,
    created: record.created,
    timedOut: options.timedOut,
  };
}
