import type {
  AccessPackage,
  Right,
  SystemUserRequestStatus,
  SystemUserType,
} from '../altinn-model.js';

/**
 * A vendor-driven system-user request, standard (`systemuser/request/vendor`) or agent
 * (`.../vendor/agent`), as the sandbox stores it.
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
  /** Defaults to `partyOrgNo`. */
  externalRef: string;
  /** Defaults to the system's name (nb). */
  integrationTitle: string;
  /** Always `[]` for agent requests. */
  rights: Right[];
  accessPackages: AccessPackage[];
  /** The stored status; read it through `requestView`, which applies the timeout. */
  status: SystemUserRequestStatus;
  /** As sent (Altinn echoes `""` too); absent when the vendor sent none. */
  redirectUrl?: string;
  /** ISO 8601. */
  created: string;
  createdMs: number;
  escalated: boolean;
  /** DELETE by the vendor; deleted requests are invisible. */
  isDeleted: boolean;
}

/**
 * How requests time out. Altinn's docs say 10 days; since Nov 2025 (AA PR #1667) the code sets
 * `timedOut: true` (after 180 days) and keeps `status`. The sandbox defaults to 10 days and the
 * current code's behaviour (`marks: 'flag'`); `marks: 'status'` also turns the status into
 * `Timedout`, as older Altinn did. Only `New` requests time out.
 */
export interface RequestTimeoutPolicy {
  afterMs: number;
  marks: 'flag' | 'status';
}

export const DEFAULT_REQUEST_TIMEOUT_DAYS = 10;
export const DAY_MS = 86_400_000;

export interface RequestView {
  status: SystemUserRequestStatus;
  timedOut: boolean;
}

export function requestView(
  record: SystemUserRequestRecord,
  now: number,
  policy: RequestTimeoutPolicy,
): RequestView {
  const timedOut =
    record.status === 'Timedout' ||
    (record.status === 'New' && now - record.createdMs >= policy.afterMs);
  if (!timedOut) return { status: record.status, timedOut: false };
  return { status: policy.marks === 'status' ? 'Timedout' : record.status, timedOut: true };
}

/**
 * The response body (`RequestSystemResponse` / `AgentRequestSystemResponse`): camelCase, null
 * members omitted, no `rights` on agent requests (Altinn's agent model has none). List items
 * carry no `confirmUrl`, as Altinn's paginated lists do not.
 */
export function requestResponse(
  record: SystemUserRequestRecord,
  view: RequestView,
  confirmUrl?: string,
): Record<string, unknown> {
  return {
    id: record.id,
    integrationTitle: record.integrationTitle,
    externalRef: record.externalRef,
    systemId: record.systemId,
    partyOrgNo: record.partyOrgNo,
    ...(record.type === 'standard' ? { rights: record.rights } : {}),
    accessPackages: record.accessPackages,
    status: view.status,
    ...(record.redirectUrl === undefined ? {} : { redirectUrl: record.redirectUrl }),
    ...(confirmUrl === undefined ? {} : { confirmUrl }),
    escalated: record.escalated,
    created: record.created,
    timedOut: view.timedOut,
  };
}
