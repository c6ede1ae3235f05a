/**
 * The sandbox's model of Altinn's system register and system users. Field names follow Altinn's
 * camelCase JSON so the vendor APIs (added later) can serialise these records as they are.
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_func_systembruker
 */

/** `{nb, nn, en}` texts, as Altinn stores a system's name and description. */
export interface LocalizedText {
  nb: string;
  nn: string;
  en: string;
}

/** One right: a list of `{id: 'urn:altinn:resource', value: <resourceId>}` attributes. */
export interface Right {
  resource: { id: string; value: string }[];
}

export interface AccessPackage {
  urn: string;
}

/** A system in Altinn's system register. */
export interface RegisteredSystem {
  /** `<vendorOrgNo>_<name>`. */
  id: string;
  /** Altinn's internal GUID for the system (what `POST systemregister/vendor` answers). */
  internalId: string;
  vendorOrgNo: string;
  name: LocalizedText;
  description: LocalizedText;
  /** Maskinporten client ids allowed to act for this system; a client id belongs to one system only. */
  clientId: string[];
  rights: Right[];
  accessPackages: AccessPackage[];
  isVisible: boolean;
  allowedRedirectUrls: string[];
  isDeleted: boolean;
}

export type SystemUserType = 'standard' | 'agent';

/** A system user: one customer's (the owner's) approval of one system. */
export interface SystemUser {
  /** UUID; the token's `systemuser_id`. */
  id: string;
  systemId: string;
  /** The owner, i.e. the grant's `systemuser_org`. For agent users the facilitator, never a client. */
  reporteeOrgNo: string;
  /** Defaults to `reporteeOrgNo` when the system user was created without one. */
  externalRef: string;
  userType: SystemUserType;
  integrationTitle: string;
  rights: Right[];
  accessPackages: AccessPackage[];
  /** ISO 8601. */
  created: string;
  isDeleted: boolean;
  /** Altinn's `sequence_no`: creation order, what the vendor's system-user list pages by. */
  sequenceNo: number;
  /**
   * Agent system users only: the client orgnos the owner (facilitator) delegated to it, e.g. on the
   * sandbox's approval page. Altinn keeps these as client delegations (`enduser/systemuser/clients`).
   */
  clients?: string[];
}

/**
 * Statuses of a vendor-driven system-user request (Altinn `RequestStatus`). `Denied` is defined by
 * Altinn but "ikke i bruk"; the sandbox never sets it.
 *
 * @see https://docs.altinn.studio/nb/authorization/guides/system-vendor/system-user/systemuserrequest
 */
export type SystemUserRequestStatus = 'New' | 'Accepted' | 'Rejected' | 'Denied' | 'Timedout';

/**
 * The identity Altinn uses for both system users and requests: (systemId, party orgno, externalRef),
 * with externalRef defaulting to the party orgno when it is absent (`null`); an empty string stays
 * empty. At most one active system user exists per key; requests have no unique constraint.
 */
export function systemUserKey(systemId: string, partyOrgNo: string, externalRef?: string): string {
  return JSON.stringify([systemId, partyOrgNo, externalRef ?? partyOrgNo]);
}

/** A rule Altinn would enforce; `code` is the nearest Altinn error code. */
export class AltinnRegistryError extends Error {
  override readonly name = 'AltinnRegistryError';
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export interface RegisterSystemInput {
  id: string;
  vendorOrgNo: string;
  name?: LocalizedText;
  description?: LocalizedText;
  clientId?: string[];
  rights?: Right[];
  accessPackages?: AccessPackage[];
  isVisible?: boolean;
  allowedRedirectUrls?: string[];
}

export interface CreateSystemUserInput {
  systemId: string;
  reporteeOrgNo: string;
  externalRef?: string;
  userType?: SystemUserType;
  integrationTitle?: string;
  rights?: Right[];
  accessPackages?: AccessPackage[];
  /** Fixed id for demo data (or the approved request's id, as Altinn reuses it); a random UUID otherwise. */
  id?: string;
  /** Agent system users: delegated client orgnos (default none). Ignored for standard users. */
  clients?: string[];
}

export interface FindSystemUserQuery {
  clientId: string;
  systemUserOwnerOrgNo: string;
  /** Defaults to the owner orgno, as Altinn does. */
  externalRef?: string;
  /** The vendor orgno Maskinporten knows for the client; checked against the system's vendor. */
  systemProviderOrgNo?: string;
}

export type FindSystemUserResult =
  | { ok: true; system: RegisteredSystem; systemUser: SystemUser }
  | { ok: false; reason: 'client_not_on_any_system' | 'vendor_mismatch' | 'no_system_user' };
