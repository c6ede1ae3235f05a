/**
 * Altinn's system-user vendor APIs and the Maskinporten token exchange, as the broker uses them.
 * Field names follow Altinn's camelCase JSON; the adapter reads Altinn's answers tolerantly (any key
 * casing, missing optional fields) and hands out these shapes.
 *
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/
 */

import type { SystemUserType } from '../domain/system-user-request.js';
import type { Deadline } from './deadline.js';

/** One right: `{resource: [{id: 'urn:altinn:resource', value: <resource id>}]}`. */
export interface AltinnRight {
  resource: { id: string; value: string }[];
}

export interface AltinnAccessPackage {
  urn: string;
}

/**
 * Body of `POST systemuser/request/vendor` (`CreateRequestSystemUser`) and, without `rights`, of
 * `POST systemuser/request/vendor/agent` (`CreateAgentRequestSystemUser`).
 */
export interface CreateSystemUserRequestBody {
  systemId: string;
  /** Bare 9 digits. */
  partyOrgNo: string;
  externalRef?: string;
  rights?: AltinnRight[];
  accessPackages?: AltinnAccessPackage[];
  redirectUrl?: string;
  integrationTitle?: string;
}

/** `RequestSystemResponse` / `AgentRequestSystemResponse`. */
export interface AltinnSystemUserRequest {
  id: string;
  systemId: string;
  partyOrgNo: string;
  /** Altinn defaults it to `partyOrgNo`; older answers may omit it. */
  externalRef?: string;
  /** `New`, `Accepted`, `Rejected`, `Denied` or a legacy `Timedout` (kept as Altinn sent it). */
  status: string;
  /**
   * `created` is more than 180 days ago, computed by Altinn on every read whatever the status
   * (reference §3.3); since Nov 2025 Altinn no longer writes status `Timedout`.
   */
  timedOut?: boolean;
  /** Absent in list pages. */
  confirmUrl?: string;
  redirectUrl?: string;
  rights: AltinnRight[];
  accessPackages: AltinnAccessPackage[];
  integrationTitle?: string;
  escalated?: boolean;
  created?: string;
}

/** A create answer: `created` is false when Altinn returned an existing request (HTTP 200). */
export interface CreatedSystemUserRequest {
  created: boolean;
  request: AltinnSystemUserRequest;
}

/** `SystemUserExternalDTO` (older answers carry `partyId`/`systemInternalId` and no `userType`). */
export interface AltinnSystemUser {
  id: string;
  systemId: string;
  reporteeOrgNo: string;
  externalRef?: string;
  userType?: string;
  integrationTitle?: string;
  productName?: string;
  supplierOrgno?: string;
  created?: string;
  isDeleted?: boolean;
}

/** Altinn's key for system users and requests; `externalRef` defaults to `orgNo`. */
export interface SystemUserKey {
  systemId: string;
  orgNo: string;
  externalRef?: string;
}

/**
 * Body of `POST systemuser/changerequest/vendor` (`ChangeRequestSystemUser`): what a standard
 * system user should get and lose. Altinn defaults absent lists to `[]`; the broker sends all four.
 */
export interface ChangeRequestBody {
  requiredRights: AltinnRight[];
  unwantedRights: AltinnRight[];
  requiredAccessPackages: AltinnAccessPackage[];
  unwantedAccessPackages: AltinnAccessPackage[];
  redirectUrl?: string;
}

/** The query of `POST systemuser/changerequest/vendor`. */
export interface ChangeRequestIds {
  /** The vendor's own GUID: Altinn makes it the change request's id (reference §5). */
  correlationId: string;
  /** The system user to change (`SystemUserExternalDTO.id`, from `byquery`). */
  systemUserId: string;
}

/** `ChangeRequestResponse` (reference §5). */
export interface AltinnChangeRequest {
  /** The vendor's correlation id. */
  id: string;
  systemId: string;
  systemUserId: string;
  partyOrgNo: string;
  externalRef?: string;
  requiredRights: AltinnRight[];
  unwantedRights: AltinnRight[];
  /** Empty in `byexternalref` answers, whatever was asked (Altinn's mapping leaves it out). */
  requiredAccessPackages: AltinnAccessPackage[];
  unwantedAccessPackages: AltinnAccessPackage[];
  /** `New`, `Accepted`, `Rejected`, `Denied`, `Timedout` or the unstored `NoChangeNeeded`. */
  status: string;
  redirectUrl?: string;
  /** `""` on a `NoChangeNeeded` answer; absent in list items. */
  confirmUrl?: string;
  /** `0001-01-01T00:00:00` on a `NoChangeNeeded` answer. */
  created?: string;
  /** Always false on a read by id (Altinn does not copy its repository's flag). */
  timedOut?: boolean;
}

/** A change-request create answer: `created` is false for Altinn's 200 (existing, or no change). */
export interface CreatedChangeRequest {
  created: boolean;
  changeRequest: AltinnChangeRequest;
}

/** One page of a list, and whether Altinn said there is more (`links.next`). */
export interface ListPage<T> {
  items: T[];
  more: boolean;
}

/** A system in the register, as JSON (`RegisterSystemRequest` in, `RegisteredSystemDTO` out). */
export type AltinnSystem = Record<string, unknown>;

/**
 * Altinn's vendor APIs. Every method gets a vendor Maskinporten token with the endpoint's scope
 * and throws `AltinnError` when Altinn says no (or `BrokerError` when the token could not be had).
 * The deadline covers the whole call: the vendor token, the request, a retry and every page.
 */
export interface AltinnVendorApi {
  /** `POST systemregister/vendor`; resolves Altinn's internal id of the new system. */
  createSystem(system: AltinnSystem, deadline: Deadline): Promise<string>;
  /** `PUT systemregister/vendor/{systemId}`: replaces the whole system, rights included. */
  updateSystem(systemId: string, system: AltinnSystem, deadline: Deadline): Promise<unknown>;
  /** `GET systemregister/vendor/{systemId}`; undefined on 404. */
  getSystem(systemId: string, deadline: Deadline): Promise<AltinnSystem | undefined>;
  /** `GET systemregister/vendor`: the vendor's own systems. */
  listSystems(deadline: Deadline): Promise<AltinnSystem[]>;
  createRequest(
    type: SystemUserType,
    body: CreateSystemUserRequestBody,
    deadline: Deadline,
  ): Promise<CreatedSystemUserRequest>;
  getRequest(
    type: SystemUserType,
    requestId: string,
    deadline: Deadline,
  ): Promise<AltinnSystemUserRequest>;
  getRequestByExternalRef(
    type: SystemUserType,
    key: SystemUserKey,
    deadline: Deadline,
  ): Promise<AltinnSystemUserRequest>;
  /** Every page of `GET systemuser/request/vendor[/agent]/bysystem/{systemId}`. */
  listRequests(
    type: SystemUserType,
    systemId: string,
    deadline: Deadline,
  ): Promise<AltinnSystemUserRequest[]>;
  /** `DELETE systemuser/request/vendor/{requestId}` (needed before retrying a rejected request). */
  deleteRequest(requestId: string, deadline: Deadline): Promise<void>;
  /** `GET systemuser/vendor/byquery`; undefined on 404 (none, or another vendor's). */
  findSystemUser(key: SystemUserKey, deadline: Deadline): Promise<AltinnSystemUser | undefined>;
  /** Every page of `GET systemuser/vendor/bysystem/{systemId}`. */
  listSystemUsers(systemId: string, deadline: Deadline): Promise<AltinnSystemUser[]>;
  /** `POST systemuser/changerequest/vendor?correlation-id=&system-user-id=`: 201 new, 200 existing. */
  createChangeRequest(
    ids: ChangeRequestIds,
    body: ChangeRequestBody,
    deadline: Deadline,
  ): Promise<CreatedChangeRequest>;
  /** `GET systemuser/changerequest/vendor/{requestId}`. */
  getChangeRequest(requestId: string, deadline: Deadline): Promise<AltinnChangeRequest>;
  /** `GET systemuser/changerequest/vendor/byexternalref/...`: the first row, packages left out. */
  getChangeRequestByExternalRef(
    key: SystemUserKey,
    deadline: Deadline,
  ): Promise<AltinnChangeRequest>;
  /**
   * The first page of `GET systemuser/changerequest/vendor/bysystem/{systemId}` only: Altinn's
   * `next` link answers the first page again (reference §5), so it is never followed.
   */
  firstChangeRequestPage(
    systemId: string,
    deadline: Deadline,
  ): Promise<ListPage<AltinnChangeRequest>>;
  /** `DELETE systemuser/changerequest/vendor/{requestId}` (no ownership check at Altinn). */
  deleteChangeRequest(requestId: string, deadline: Deadline): Promise<void>;
}

/** `GET exchange/maskinporten`: a Maskinporten access token in, an Altinn token out. */
export interface AltinnTokenExchangeApi {
  /** Resolves the Altinn JWT. */
  exchangeMaskinportenToken(accessToken: string, deadline: Deadline): Promise<string>;
}

/** Gets a vendor Maskinporten access token with these scopes (the broker's own, cached). */
export type AltinnTokenProvider = (scopes: string[], deadline: Deadline) => Promise<string>;

/** One entry of a ProblemDetails `validationErrors` array. */
export interface AltinnValidationError {
  /** `AUTH.VLD-000nn` (or another domain's). */
  code?: string;
  /** v5+ puts the message here... */
  title?: string;
  /** ...pre-v5 put it here. */
  detail?: string;
  paths: string[];
}

/** An Altinn ProblemDetails body, pre-v5 or v5+, read tolerantly. */
export interface AltinnProblem {
  type?: string;
  title?: string;
  detail?: string;
  status?: number;
  /** `AUTH-000nn`, or `STD-00000` around validation errors. */
  code?: string;
  validationErrors: AltinnValidationError[];
}

export type AltinnFailureKind = 'http' | 'network' | 'timeout' | 'malformed';

/** Thrown by the Altinn adapter; carries no token. */
export class AltinnError extends Error {
  override readonly name = 'AltinnError';
  readonly kind: AltinnFailureKind;
  /** HTTP status, for `http` and `malformed`. */
  readonly status?: number;
  readonly code?: string;
  readonly title?: string;
  readonly detail?: string;
  readonly validationErrors: readonly AltinnValidationError[];

  constructor(
    kind: AltinnFailureKind,
    message: string,
    options: { status?: number; problem?: AltinnProblem } = {},
  ) {
    super(message);
    this.kind = kind;
    const { status, problem } = options;
    if (status !== undefined) this.status = status;
    if (problem?.code) this.code = problem.code;
    if (problem?.title) this.title = problem.title;
    if (problem?.detail) this.detail = problem.detail;
    this.validationErrors = problem?.validationErrors ?? [];
  }

  /**
   * What Altinn said, in one line: `title — detail; VLD-code message (paths); ...` (without the
   * top-level code, which has its own field). Undefined when Altinn said nothing readable.
   */
  get description(): string | undefined {
    const parts: string[] = [];
    const head = [this.title, this.detail].filter(Boolean).join(' — ');
    if (head) parts.push(head);
    for (const error of this.validationErrors) {
      const paths = error.paths.length > 0 ? ` (${error.paths.join(', ')})` : '';
      parts.push(`${[error.code, error.title ?? error.detail].filter(Boolean).join(' ')}${paths}`);
    }
    return parts.length > 0 ? parts.join('; ') : undefined;
  }
}
