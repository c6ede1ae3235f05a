import { RESOURCE_URN } from '../domain/altinn-identifiers.js';
import {
  type ChangeRequestInput,
  changeRequestId,
  isEmptyChange,
} from '../domain/change-request.js';
import { BrokerError } from '../domain/errors.js';
import type { SystemUserQuery } from '../domain/system-user-request.js';
import {
  type AltinnChangeRequest,
  AltinnError,
  type AltinnRight,
  type AltinnVendorApi,
  type ChangeRequestBody,
} from '../ports/altinn.js';
import type { Deadline } from '../ports/deadline.js';
import {
  type NotFoundReason,
  notFoundReason,
  type SystemUserService,
} from './system-user-service.js';
import { altinnToBrokerError } from './upstream-errors.js';

export interface ChangeRequestServiceOptions {
  altinn: AltinnVendorApi;
  /** Finds the system user a change is for (Altinn needs its id), on the broker's system. */
  systemUsers: SystemUserService;
  /** Correlation ids tried for one change before giving up (default 8; see `create`). */
  maxGenerations?: number;
}

/** A change request Altinn answered a create with. */
export interface CreatedChange {
  /** False for Altinn's 200: the change request it has for this id, or `NoChangeNeeded`. */
  created: boolean;
  changeRequest: AltinnChangeRequest;
  /** Which of the change's correlation ids it is (0 unless earlier ones were deleted). */
  generation: number;
}

/** A read by id: the broker's own change request, or why there is none to show. */
export type ChangeLookup = AltinnChangeRequest | { missing: NotFoundReason };

/** The change requests of one system user, as far as Altinn lets them be listed. */
export interface ChangeList {
  changeRequests: AltinnChangeRequest[];
  /** False when Altinn's list had more than its first page (see `list`). */
  complete: boolean;
}

/**
 * Change requests: the vendor asks a customer to give a standard system user more (or fewer)
 * rights and access packages without onboarding it again (`systemuser/changerequest/vendor`,
 * reference §5). Altinn needs the system user's id (looked up with `byquery`) and a
 * vendor-generated `correlation-id`, which becomes the change request's id and makes a repeated
 * POST answer the same change request (§5 step 7). The broker derives that id from the change
 * itself (`changeRequestId`), so repeated POSTs of one change are idempotent without any state.
 * Like requests, Altinn answers for the vendor, not the system, and its DELETE checks nothing
 * (§5): the broker compares `systemId` itself.
 *
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/changerequest/
 */
export class ChangeRequestService {
  readonly #altinn: AltinnVendorApi;
  readonly #systemUsers: SystemUserService;
  readonly #maxGenerations: number;

  constructor(options: ChangeRequestServiceOptions) {
    this.#altinn = options.altinn;
    this.#systemUsers = options.systemUsers;
    this.#maxGenerations = options.maxGenerations ?? 8;
  }

  /**
   * Asks for the change on the system user of (org, externalRef): 404 when there is none, 400
   * when it is an agent system user (Altinn changes standard ones only, AUTH-00015).
   *
   * The correlation id of generation 0 first. Altinn answers 201 (new), or 200 with the change
   * request it has under that id whatever its status (so a rejected change comes back as
   * `Rejected`: deleting it is the caller's decision, as for requests), or 200 `NoChangeNeeded`
   * for four empty lists. An id whose change request was deleted cannot be used again: Altinn
   * answers 500 (its primary key, §5 step 9, inferred). So a 500 is checked with a read of that
   * id: gone (404) means "deleted before", and the next generation's id is tried, up to
   * `maxGenerations`; anything else is Altinn's failure, passed on.
   */
  async create(input: ChangeRequestInput, deadline: Deadline): Promise<CreatedChange> {
    const query: SystemUserQuery = { org: input.org, externalRef: input.externalRef ?? input.org };
    const user = await this.#systemUsers.findSystemUser(query, deadline);
    const ref = input.externalRef ? ` and externalRef ${input.externalRef}` : '';
    if (!user) {
      throw new BrokerError(
        'not_found',
        `no system user of this broker's system for org ${input.org}${ref}: onboard it with POST /v1/systemuser-requests`,
      );
    }
    if (user.userType?.toLowerCase() === 'agent') {
      throw new BrokerError(
        'invalid_request',
        `the system user for org ${input.org}${ref} is an agent system user: Altinn takes change requests for standard system users only (AUTH-00015)`,
      );
    }
    const owner = { systemId: this.#systemUsers.systemId, systemUserId: user.id };
    const body = toChangeRequestBody(input);
    const context = { what: 'creating the change request', callerFault: true };
    for (let generation = 0; generation < this.#maxGenerations; generation++) {
      const correlationId = changeRequestId(owner, input, generation);
      try {
        const answer = await this.#altinn.createChangeRequest(
          { correlationId, systemUserId: user.id },
          body,
          deadline,
        );
        return { ...answer, generation };
      } catch (error) {
        if (isEmptyChange(input) || !isServerError(error)) {
          throw altinnToBrokerError(error, context);
        }
        if (!(await this.#wasDeleted(correlationId, deadline))) {
          throw altinnToBrokerError(error, context);
        }
      }
    }
    throw new BrokerError(
      'conflict',
      `this change for org ${input.org}${ref} was asked for and deleted ${this.#maxGenerations} times; Altinn keeps a deleted change request's id, so the broker has no id left for it`,
    );
  }

  /** The broker's change request with this id, or why there is none to show. */
  async lookup(id: string, deadline: Deadline): Promise<ChangeLookup> {
    let changeRequest: AltinnChangeRequest;
    try {
      changeRequest = await this.#altinn.getChangeRequest(id, deadline);
    } catch (error) {
      const missing = notFoundReason(error);
      if (missing) return { missing };
      throw altinnToBrokerError(error, { what: 'reading the change request', callerFault: true });
    }
    if (changeRequest.systemId !== this.#systemUsers.systemId) return { missing: 'other system' };
    this.#systemUsers.noteApproval(changeRequest);
    return changeRequest;
  }

  /**
   * The change requests of the system user of (org, externalRef). Altinn offers two reads and
   * neither is whole (reference §5): `bysystem` lists the system's change requests but its `next`
   * link answers the first page again, so only the first page is read (never followed: the broker
   * must not loop on it); `byexternalref` gives one row of the key, the first the database
   * returns, with both package lists left out. So: the first page, filtered to the key; when
   * Altinn says there is more, also the `byexternalref` row (read again by id for its packages)
   * if the page missed it, and `complete: false`.
   */
  async list(query: SystemUserQuery, deadline: Deadline): Promise<ChangeList> {
    const systemId = this.#systemUsers.systemId;
    const context = { what: 'listing the change requests', callerFault: true };
    const ofKey = (item: AltinnChangeRequest) =>
      item.systemId === systemId &&
      item.partyOrgNo === query.org &&
      (item.externalRef ?? item.partyOrgNo) === query.externalRef;
    let page: { items: AltinnChangeRequest[]; more: boolean };
    try {
      page = await this.#altinn.firstChangeRequestPage(systemId, deadline);
    } catch (error) {
      throw altinnToBrokerError(error, context);
    }
    const changeRequests = page.items.filter(ofKey);
    if (!page.more) return { changeRequests, complete: true };
    const key = { systemId, orgNo: query.org, externalRef: query.externalRef };
    let first: AltinnChangeRequest | undefined;
    try {
      first = await this.#altinn.getChangeRequestByExternalRef(key, deadline);
    } catch (error) {
      if (notFoundReason(error) !== 'unknown') throw altinnToBrokerError(error, context);
    }
    if (first && ofKey(first) && !changeRequests.some((item) => item.id === first.id)) {
      const full = await this.lookup(first.id, deadline);
      changeRequests.push('missing' in full ? first : full);
    }
    return { changeRequests, complete: false };
  }

  /**
   * Deletes a change request the broker read (and so owns); false when Altinn no longer has it.
   * Its id stays used at Altinn: asking for the same change again takes the next generation's.
   */
  async delete(changeRequest: AltinnChangeRequest, deadline: Deadline): Promise<boolean> {
    if (changeRequest.systemId !== this.#systemUsers.systemId) return false;
    try {
      await this.#altinn.deleteChangeRequest(changeRequest.id, deadline);
      return true;
    } catch (error) {
      if (notFoundReason(error)) return false;
      throw altinnToBrokerError(error, { what: 'deleting the change request', callerFault: true });
    }
  }

  /** After a 500 on create: true when Altinn has no live change request with this id. */
  async #wasDeleted(id: string, deadline: Deadline): Promise<boolean> {
    try {
      await this.#altinn.getChangeRequest(id, deadline);
      return false;
    } catch (error) {
      return notFoundReason(error) === 'unknown';
    }
  }
}

function isServerError(error: unknown): boolean {
  return error instanceof AltinnError && error.kind === 'http' && error.status === 500;
}

/** Altinn's `ChangeRequestSystemUser` body: all four lists, rights as resource attributes. */
export function toChangeRequestBody(input: ChangeRequestInput): ChangeRequestBody {
  const rights = (ids: string[]): AltinnRight[] =>
    ids.map((value) => ({ resource: [{ id: RESOURCE_URN, value }] }));
  const packages = (urns: string[]) => urns.map((urn) => ({ urn }));
  const body: ChangeRequestBody = {
    requiredRights: rights(input.requiredRights),
    unwantedRights: rights(input.unwantedRights),
    requiredAccessPackages: packages(input.requiredAccessPackages),
    unwantedAccessPackages: packages(input.unwantedAccessPackages),
  };
  if (input.redirectUrl !== undefined) body.redirectUrl = input.redirectUrl;
  return body;
}
