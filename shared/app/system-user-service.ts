import { RESOURCE_URN } from '../domain/altinn-identifiers.js';
import type {
  SystemUserQuery,
  SystemUserRequestInput,
  SystemUserType,
} from '../domain/system-user-request.js';
import {
  AltinnError,
  type AltinnSystemUser,
  type AltinnSystemUserRequest,
  type AltinnVendorApi,
  type CreateSystemUserRequestBody,
  type SystemUserKey,
} from '../ports/altinn.js';
import type { Deadline } from '../ports/deadline.js';
import {
  altinnToBrokerError,
  REQUEST_NOT_FOUND,
  SYSTEM_NOT_FOUND,
  WRONG_REQUEST_TYPE,
} from './upstream-errors.js';

export interface SystemUserServiceOptions {
  altinn: AltinnVendorApi;
  /** The broker's system in Altinn's register (`<vendor orgno>_<name>`). */
  systemId: string;
  /**
   * Told the org whenever a read shows its customer has approved (a request `Accepted`, a live
   * system user), so remembered token refusals for it can end at once.
   */
  onApproved?: (org: string) => void;
}

/** A system-user request and which kind it is (Altinn keeps standard and agent apart). */
export interface FoundRequest {
  request: AltinnSystemUserRequest;
  type: SystemUserType;
}

/**
 * Why an id is not the broker's to show: Altinn has no live request with it (AUTH-00010), it is
 * another vendor's (AUTH-00011), or it is a request of another system of the broker's own vendor
 * (Altinn shows those to any of the vendor's clients). The caller gets the same 404 for each; the
 * audit line says which.
 */
export type NotFoundReason = 'unknown' | 'other vendor' | 'other system';

/** A read by id: the broker's own request, or why there is none to show. */
export type RequestLookup = FoundRequest | { missing: NotFoundReason };

/** A create: `created` is false when Altinn returned its existing request (HTTP 200). */
export interface CreatedRequest extends FoundRequest {
  created: boolean;
  /** The id of a timed-out request the broker deleted to make this one. */
  replaced?: string;
}

/**
 * The system-user lifecycle for the vendor's onboarding flows, on Altinn's vendor APIs with the
 * broker's own vendor tokens: create a request, follow it, delete it, and check whether a system
 * user exists. Every Altinn call of one use (a type fallback, a replaced request, the vendor
 * token) shares the caller's deadline; every failure leaves as a `BrokerError`
 * (`upstream-errors.ts`). Who may do this is the caller policy's business, decided before (and,
 * for a request read by id, after) these calls.
 *
 * Altinn answers for its vendor, not for one system (reference §3.4, §3.5: a vendor reads every
 * request of all its systems, and DELETE checks no ownership at all), so the broker compares
 * `systemId` itself: a request of another system is not found, and is never deleted.
 *
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/systemuserrequest/external/
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/systemuser/external/
 */
export class SystemUserService {
  readonly #altinn: AltinnVendorApi;
  readonly #systemId: string;
  readonly #onApproved: (org: string) => void;

  constructor(options: SystemUserServiceOptions) {
    this.#altinn = options.altinn;
    this.#systemId = options.systemId;
    this.#onApproved = options.onApproved ?? (() => {});
  }

  /** Tells `onApproved` about an accepted request of the broker's own system. */
  noteApproval(request: { systemId: string; partyOrgNo: string; status: string }): void {
    if (request.status === 'Accepted' && request.systemId === this.#systemId) {
      this.#onApproved(request.partyOrgNo);
    }
  }

  /** The broker's system in Altinn's register. */
  get systemId(): string {
    return this.#systemId;
  }

  /**
   * A new request (`created`), or Altinn's existing one for the same (system, org, externalRef).
   * Altinn answers a repeated POST with the old request as long as it exists, however old
   * (reference §3.2 step 3). When that request has timed out (`timedOut`, older than 180 days,
   * §3.3) and was not accepted, asking the customer again is what the caller wants: the broker
   * deletes it and creates a new one, once. An accepted one stays (its system user is Altinn's
   * business: AUTH-00004 answers before this when it exists); a rejected one that has not timed
   * out stays too: deleting it is the caller's decision.
   */
  async createRequest(input: SystemUserRequestInput, deadline: Deadline): Promise<CreatedRequest> {
    const context = {
      what: 'creating the system-user request',
      callerFault: true,
      systemUser: { org: input.org, externalRef: input.externalRef },
    };
    const body = toAltinnRequestBody(input, this.#systemId);
    const create = async () => {
      try {
        return await this.#altinn.createRequest(input.type, body, deadline);
      } catch (error) {
        throw altinnToBrokerError(error, context);
      }
    };
    const first = await create();
    const old = first.request;
    if (first.created || !isStale(old) || old.systemId !== this.#systemId) {
      return { created: first.created, request: old, type: input.type };
    }
    await this.#deleteById(old.id, deadline, {
      what: 'deleting the timed-out system-user request',
    });
    const second = await create();
    return { created: second.created, request: second.request, type: input.type, replaced: old.id };
  }

  /** The broker's request with this id, of the given type or (without one) whichever Altinn has. */
  async lookupRequest(
    id: string,
    type: SystemUserType | undefined,
    deadline: Deadline,
  ): Promise<RequestLookup> {
    const read = async (t: SystemUserType): Promise<RequestLookup> => {
      try {
        return { request: await this.#altinn.getRequest(t, id, deadline), type: t };
      } catch (error) {
        const missing = notFoundReason(error);
        if (missing) return { missing };
        throw altinnToBrokerError(error, {
          what: 'reading the system-user request',
          callerFault: true,
        });
      }
    };
    // A standard id on the agent route (or the other way round) is AUTH-00010 (reference §3.4;
    // older deployments said AUTH-00025): without a type, standard first, then agent.
    let found = await read(type ?? 'standard');
    if (type === undefined && 'missing' in found && found.missing === 'unknown') {
      found = await read('agent');
    }
    if ('missing' in found) return found;
    if (found.request.systemId !== this.#systemId) return { missing: 'other system' };
    this.noteApproval(found.request);
    return found;
  }

  /** The request for (org, externalRef), of the given type or whichever Altinn has. */
  async findRequest(query: SystemUserQuery, deadline: Deadline): Promise<FoundRequest> {
    const key = this.#key(query);
    const found = await withTypeFallback(query.type, (t) =>
      this.#altinn.getRequestByExternalRef(t, key, deadline),
    );
    this.noteApproval(found.request);
    return found;
  }

  /**
   * Deletes a request the broker read (and so owns). Altinn's DELETE checks no ownership at all
   * (reference §3.5), which is why it takes a `FoundRequest`, not an id. Resolves `false` when
   * Altinn no longer has it (404 AUTH-00010): deleted meanwhile, or a retry after a lost answer.
   */
  async deleteRequest(found: FoundRequest, deadline: Deadline): Promise<boolean> {
    if (found.request.systemId !== this.#systemId) return false;
    return this.#deleteById(found.request.id, deadline, {
      what: 'deleting the system-user request',
    });
  }

  /** The live system user for (org, externalRef); undefined when there is none, or a deleted one. */
  async findSystemUser(
    query: SystemUserQuery,
    deadline: Deadline,
  ): Promise<AltinnSystemUser | undefined> {
    let user: AltinnSystemUser | undefined;
    try {
      user = await this.#altinn.findSystemUser(this.#key(query), deadline);
    } catch (error) {
      throw altinnToBrokerError(error, { what: 'looking up the system user', callerFault: true });
    }
    if (!user || user.isDeleted || user.systemId !== this.#systemId) return undefined;
    this.#onApproved(query.org);
    return user;
  }

  async #deleteById(id: string, deadline: Deadline, context: { what: string }): Promise<boolean> {
    try {
      await this.#altinn.deleteRequest(id, deadline);
      return true;
    } catch (error) {
      if (notFoundReason(error)) return false;
      throw altinnToBrokerError(error, { ...context, callerFault: true });
    }
  }

  #key(query: SystemUserQuery): SystemUserKey {
    return { systemId: this.#systemId, orgNo: query.org, externalRef: query.externalRef };
  }
}

/** Timed out (older than 180 days, reference §3.3) and not accepted: worth asking again. */
function isStale(request: AltinnSystemUserRequest): boolean {
  return request.timedOut === true && request.status !== 'Accepted';
}

/**
 * What a 404 (or AUTH-00025) from a read or delete by id means: no such live request
 * (AUTH-00010, a plain 404, or the other type's route), or another vendor's (AUTH-00011).
 * Undefined for any other failure.
 */
export function notFoundReason(error: unknown): NotFoundReason | undefined {
  if (!(error instanceof AltinnError) || error.kind !== 'http') return undefined;
  if (error.code === SYSTEM_NOT_FOUND) return 'other vendor';
  if (error.code === WRONG_REQUEST_TYPE || error.code === REQUEST_NOT_FOUND) return 'unknown';
  return error.status === 404 ? 'unknown' : undefined;
}

/**
 * Asks for the given type, or standard then agent: Altinn keeps the two apart (the other type's
 * route is 404 AUTH-00010).
 */
async function withTypeFallback(
  type: SystemUserType | undefined,
  read: (type: SystemUserType) => Promise<AltinnSystemUserRequest>,
): Promise<FoundRequest> {
  const attempt = async (t: SystemUserType) => ({ request: await read(t), type: t });
  try {
    if (type) return await attempt(type);
    try {
      return await attempt('standard');
    } catch (error) {
      if (notFoundReason(error) !== 'unknown') throw error;
      return await attempt('agent');
    }
  } catch (error) {
    throw altinnToBrokerError(error, {
      what: 'reading the system-user request',
      callerFault: true,
    });
  }
}

/** Altinn's `CreateRequestSystemUser` (or agent) body for the broker's system. */
export function toAltinnRequestBody(
  input: SystemUserRequestInput,
  systemId: string,
): CreateSystemUserRequestBody {
  const body: CreateSystemUserRequestBody = { systemId, partyOrgNo: input.org };
  if (input.externalRef !== undefined) body.externalRef = input.externalRef;
  if (input.type === 'standard' && input.rights.length > 0) {
    body.rights = input.rights.map((value) => ({ resource: [{ id: RESOURCE_URN, value }] }));
  }
  if (input.accessPackages.length > 0)
    body.accessPackages = input.accessPackages.map((urn) => ({ urn }));
  if (input.redirectUrl !== undefined) body.redirectUrl = input.redirectUrl;
  if (input.integrationTitle !== undefined) body.integrationTitle = input.integrationTitle;
  return body;
}
