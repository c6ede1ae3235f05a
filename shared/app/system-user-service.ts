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
import { altinnToBrokerError, WRONG_REQUEST_TYPE } from './upstream-errors.js';

export interface SystemUserServiceOptions {
  altinn: AltinnVendorApi;
  /** The broker's system in Altinn's register (`<vendor orgno>_<name>`). */
  systemId: string;
}

/** A system-user request and which kind it is (Altinn keeps standard and agent apart). */
export interface FoundRequest {
  request: AltinnSystemUserRequest;
  type: SystemUserType;
}

/**
 * The system-user lifecycle for the vendor's onboarding flows, on Altinn's vendor APIs with the
 * broker's own vendor tokens: create a request, follow it, delete it, and check whether a system
 * user exists. Every Altinn call of one use (a type fallback, the vendor token) shares the
 * caller's deadline; every failure leaves as a `BrokerError` (`upstream-errors.ts`). Who may do
 * this is the caller policy's business, decided before (and, for a request read by id, after)
 * these calls.
 *
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/systemuserrequest/external/
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/systemuser/external/
 */
export class SystemUserService {
  readonly #altinn: AltinnVendorApi;
  readonly #systemId: string;

  constructor(options: SystemUserServiceOptions) {
    this.#altinn = options.altinn;
    this.#systemId = options.systemId;
  }

  /** A new request (`created`), or Altinn's existing one for the same (system, org, externalRef). */
  async createRequest(
    input: SystemUserRequestInput,
    deadline: Deadline,
  ): Promise<FoundRequest & { created: boolean }> {
    try {
      const body = toAltinnRequestBody(input, this.#systemId);
      const answer = await this.#altinn.createRequest(input.type, body, deadline);
      return { created: answer.created, request: answer.request, type: input.type };
    } catch (error) {
      throw altinnToBrokerError(error, {
        what: 'creating the system-user request',
        callerFault: true,
        systemUser: { org: input.org, externalRef: input.externalRef },
      });
    }
  }

  /** The request with this id, of the given type or (without one) whichever Altinn has. */
  getRequest(
    id: string,
    type: SystemUserType | undefined,
    deadline: Deadline,
  ): Promise<FoundRequest> {
    return withTypeFallback(type, (t) => this.#altinn.getRequest(t, id, deadline));
  }

  /** The request for (org, externalRef), of the given type or whichever Altinn has. */
  findRequest(query: SystemUserQuery, deadline: Deadline): Promise<FoundRequest> {
    const key = this.#key(query);
    return withTypeFallback(query.type, (t) =>
      this.#altinn.getRequestByExternalRef(t, key, deadline),
    );
  }

  /** Altinn takes no new request for a key while a rejected one exists: it must be deleted first. */
  async deleteRequest(id: string, deadline: Deadline): Promise<void> {
    try {
      await this.#altinn.deleteRequest(id, deadline);
    } catch (error) {
      throw altinnToBrokerError(error, {
        what: 'deleting the system-user request',
        callerFault: true,
      });
    }
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
    return user?.isDeleted ? undefined : user;
  }

  #key(query: SystemUserQuery): SystemUserKey {
    return { systemId: this.#systemId, orgNo: query.org, externalRef: query.externalRef };
  }
}

/**
 * Asks for the given type, or standard then agent: Altinn keeps the two apart (a standard id on
 * the agent route is AUTH-00025, an unknown one 404 AUTH-00010).
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
      if (!isWrongTypeOrMissing(error)) throw error;
      return await attempt('agent');
    }
  } catch (error) {
    throw altinnToBrokerError(error, {
      what: 'reading the system-user request',
      callerFault: true,
    });
  }
}

function isWrongTypeOrMissing(error: unknown): boolean {
  return (
    error instanceof AltinnError &&
    error.kind === 'http' &&
    (error.status === 404 || error.code === WRONG_REQUEST_TYPE)
  );
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
