import { randomUUID } from 'node:crypto';
import { isValidOrgnr } from '../../domain/orgnr.js';
import { type Clock, systemClock } from '../../ports/clock.js';
import {
  type AccessPackage,
  AltinnRegistryError,
  type CreateSystemUserInput,
  type FindSystemUserQuery,
  type FindSystemUserResult,
  type RegisteredSystem,
  type RegisterSystemInput,
  type Right,
  type SystemUser,
  systemUserKey,
} from './altinn-model.js';
import { EntityRegister } from './entity-register.js';
import { ResourceRegistry } from './resource-registry.js';

export {
  AltinnRegistryError,
  type CreateSystemUserInput,
  type FindSystemUserQuery,
  type FindSystemUserResult,
  type RegisterSystemInput,
};

export interface AltinnRegistryOptions {
  clock?: Clock;
  newId?: () => string;
}

/**
 * What a system user may get for one Maskinporten scope: `open` when no resource or package
 * governs the scope; `not_offered` when the system offers none of them (nothing to delegate);
 * `not_delegated` when the system offers one but this system user holds none; else `delegated`.
 */
export type ScopeAccess = 'open' | 'not_offered' | 'not_delegated' | 'delegated';

/** What the customer changed on a system user (an approved change request). */
export interface SystemUserAccess {
  rights: Right[];
  accessPackages: AccessPackage[];
}

/**
 * In-memory Altinn system register and system users, and the Entity Register they are checked
 * against. Records handed out are copies: change state only through these methods.
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_func_systembruker
 */
export class AltinnRegistry {
  /** The organisations that exist (Altinn's lookup for AUTH-00000). */
  readonly entityRegister = new EntityRegister();
  /** Which rights and packages give which Maskinporten scopes. */
  readonly resources = new ResourceRegistry();
  readonly #systems = new Map<string, RegisteredSystem>();
  readonly #systemUsers = new Map<string, SystemUser>();
  readonly #deletionListeners: ((user: SystemUser) => void)[] = [];
  readonly #clock: Clock;
  readonly #newId: () => string;
  #sequence = 0;

  constructor(options: AltinnRegistryOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#newId = options.newId ?? randomUUID;
  }

  /** Adds a system, enforcing the id, vendor and client-id rules of Altinn's system register. */
  registerSystem(input: RegisterSystemInput): RegisteredSystem {
    if (!isValidOrgnr(input.vendorOrgNo)) {
      throw new AltinnRegistryError('AUTH.VLD-00000', 'vendor must be a valid orgno');
    }
    if (!input.id.startsWith(`${input.vendorOrgNo}_`) || input.id.length <= 10) {
      throw new AltinnRegistryError('AUTH.VLD-00001', 'system id must start with <vendorOrgNo>_');
    }
    if (/\s/.test(input.id)) {
      throw new AltinnRegistryError('AUTH.VLD-00013', 'system id must not contain spaces');
    }
    if (this.#systems.has(input.id)) {
      throw new AltinnRegistryError('AUTH.VLD-00002', `system ${input.id} already exists`);
    }
    const clientIds = input.clientId ?? [];
    if (new Set(clientIds).size !== clientIds.length) {
      throw new AltinnRegistryError('AUTH.VLD-00011', 'clientId must not repeat');
    }
    for (const clientId of clientIds) this.#assertClientFree(clientId);
    const fallbackName = { nb: input.id, nn: input.id, en: input.id };
    const system: RegisteredSystem = {
      id: input.id,
      internalId: this.#newId(),
      vendorOrgNo: input.vendorOrgNo,
      name: input.name ?? fallbackName,
      description: input.description ?? fallbackName,
      clientId: [...clientIds],
      rights: input.rights ?? [],
      accessPackages: input.accessPackages ?? [],
      isVisible: input.isVisible ?? true,
      allowedRedirectUrls: input.allowedRedirectUrls ?? [],
      isDeleted: false,
    };
    this.#systems.set(system.id, system);
    return structuredClone(system);
  }

  /** Adds a Maskinporten client id to a system (the vendor's `PUT systemregister/vendor/{id}`). */
  linkClient(systemId: string, clientId: string): RegisteredSystem {
    const system = this.#requireSystem(systemId);
    if (!system.clientId.includes(clientId)) {
      this.#assertClientFree(clientId);
      system.clientId.push(clientId);
    }
    return structuredClone(system);
  }

  /**
   * Replaces a live system's content (`PUT systemregister/vendor/{id}` replaces everything, rights
   * included); the id and vendor stay. Client ids must not belong to another live system.
   */
  replaceSystem(
    systemId: string,
    input: Omit<RegisterSystemInput, 'id' | 'vendorOrgNo'>,
  ): RegisteredSystem {
    const system = this.#requireSystem(systemId);
    const clientIds = input.clientId ?? [];
    if (new Set(clientIds).size !== clientIds.length) {
      throw new AltinnRegistryError('AUTH.VLD-00011', 'clientId must not repeat');
    }
    for (const clientId of clientIds) this.#assertClientFree(clientId, systemId);
    system.name = input.name ?? system.name;
    system.description = input.description ?? system.description;
    system.clientId = [...clientIds];
    system.rights = structuredClone(input.rights ?? []);
    system.accessPackages = structuredClone(input.accessPackages ?? []);
    system.isVisible = input.isVisible ?? true;
    system.allowedRedirectUrls = [...(input.allowedRedirectUrls ?? [])];
    return structuredClone(system);
  }

  /** Soft-deletes a system (Altinn's `DELETE systemregister/vendor/{id}`), freeing its client ids. */
  deleteSystem(systemId: string): boolean {
    const system = this.#systems.get(systemId);
    if (!system || system.isDeleted) return false;
    system.isDeleted = true;
    return true;
  }

  /** True if a live system other than `exceptSystemId` lists `clientId`. */
  isClientIdTaken(clientId: string, exceptSystemId?: string): boolean {
    const owner = this.#liveSystemForClient(clientId);
    return owner !== undefined && owner.id !== exceptSystemId;
  }

  getSystem(systemId: string): RegisteredSystem | undefined {
    return copy(this.#systems.get(systemId));
  }

  listSystems(vendorOrgNo?: string): RegisteredSystem[] {
    const all = [...this.#systems.values()].map((s) => structuredClone(s));
    return vendorOrgNo === undefined ? all : all.filter((s) => s.vendorOrgNo === vendorOrgNo);
  }

  /** The live system whose `clientId` list holds `clientId`, if any. */
  systemForClient(clientId: string): RegisteredSystem | undefined {
    return copy(this.#liveSystemForClient(clientId));
  }

  /**
   * Creates an active system user, as an approved request or the Altinn portal would. Fails like
   * Altinn when one already exists for (systemId, owner, externalRef ?? owner).
   */
  createSystemUser(input: CreateSystemUserInput): SystemUser {
    const system = this.#requireSystem(input.systemId);
    if (!isValidOrgnr(input.reporteeOrgNo)) {
      throw new AltinnRegistryError('AUTH-00000', 'reporteeOrgNo must be a valid orgno');
    }
    if (input.externalRef !== undefined && input.externalRef.trim() === '') {
      throw new AltinnRegistryError('AUTH.VLD-00000', 'externalRef must not be blank');
    }
    if (this.#liveSystemUser(system.id, input.reporteeOrgNo, input.externalRef)) {
      throw new AltinnRegistryError('AUTH-00004', 'an active system user already exists');
    }
    const id = input.id ?? this.#newId();
    if (this.#systemUsers.has(id)) {
      throw new AltinnRegistryError('AUTH-00004', `system user ${id} already exists`);
    }
    const systemUser: SystemUser = {
      id,
      systemId: system.id,
      reporteeOrgNo: input.reporteeOrgNo,
      externalRef: input.externalRef ?? input.reporteeOrgNo,
      userType: input.userType ?? 'standard',
      integrationTitle: input.integrationTitle ?? system.name.nb,
      rights: input.rights ?? system.rights,
      accessPackages: input.accessPackages ?? system.accessPackages,
      created: new Date(this.#clock()).toISOString(),
      isDeleted: false,
      sequenceNo: ++this.#sequence,
      ...(input.userType === 'agent' ? { clients: [...(input.clients ?? [])] } : {}),
    };
    this.#systemUsers.set(id, systemUser);
    return structuredClone(systemUser);
  }

  /**
   * Soft-deletes a system user, as the customer does in the Altinn portal; listeners (the request
   * store) hear of it, since the portal also deletes the system user's request. False if unknown
   * or already deleted.
   */
  deleteSystemUser(id: string): boolean {
    const systemUser = this.#systemUsers.get(id);
    if (!systemUser || systemUser.isDeleted) return false;
    systemUser.isDeleted = true;
    for (const listener of this.#deletionListeners) listener(structuredClone(systemUser));
    return true;
  }

  /** Called with each system user the customer deletes. */
  onSystemUserDeleted(listener: (user: SystemUser) => void): void {
    this.#deletionListeners.push(listener);
  }

  /** Replaces a live system user's rights and packages (the customer approved a change). */
  setSystemUserAccess(id: string, access: SystemUserAccess): SystemUser {
    const systemUser = this.#systemUsers.get(id);
    if (!systemUser || systemUser.isDeleted) {
      throw new AltinnRegistryError('AUTH-00015', `system user ${id} is not active`);
    }
    systemUser.rights = structuredClone(access.rights);
    systemUser.accessPackages = structuredClone(access.accessPackages);
    return structuredClone(systemUser);
  }

  getSystemUser(id: string): SystemUser | undefined {
    return copy(this.#systemUsers.get(id));
  }

  listSystemUsers(systemId?: string): SystemUser[] {
    const all = [...this.#systemUsers.values()].map((u) => structuredClone(u));
    return systemId === undefined ? all : all.filter((u) => u.systemId === systemId);
  }

  /** The active system user for Altinn's key (systemId, owner, externalRef defaulting to owner). */
  findActiveSystemUser(
    systemId: string,
    reporteeOrgNo: string,
    externalRef?: string,
  ): SystemUser | undefined {
    return copy(this.#liveSystemUser(systemId, reporteeOrgNo, externalRef));
  }

  /**
   * The lookup Maskinporten makes for an `urn:altinn:systemuser` grant (Altinn's
   * `systemuser/byExternalId`): client id → system → vendor, then the owner and externalRef, which
   * defaults to the owner orgno. So a system user created with an externalRef is found only when the
   * grant repeats it.
   *
   * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_func_systembruker
   */
  findSystemUser(query: FindSystemUserQuery): FindSystemUserResult {
    const system = this.#liveSystemForClient(query.clientId);
    if (!system) return { ok: false, reason: 'client_not_on_any_system' };
    if (
      query.systemProviderOrgNo !== undefined &&
      query.systemProviderOrgNo !== system.vendorOrgNo
    ) {
      return { ok: false, reason: 'vendor_mismatch' };
    }
    const user = this.#liveSystemUser(system.id, query.systemUserOwnerOrgNo, query.externalRef);
    if (!user) return { ok: false, reason: 'no_system_user' };
    return { ok: true, system: structuredClone(system), systemUser: structuredClone(user) };
  }

  /** Whether the system user's rights or packages give it `scope` (see `ScopeAccess`). */
  scopeAccess(systemUserId: string, scope: string): ScopeAccess {
    const { resources, packages } = this.resources.sourcesOf(scope);
    if (resources.size === 0 && packages.size === 0) return 'open';
    const user = this.#systemUsers.get(systemUserId);
    const system = user ? this.#systems.get(user.systemId) : undefined;
    if (!user || !system) return 'not_offered';
    const gives = (holder: { rights: Right[]; accessPackages: AccessPackage[] }) =>
      holder.rights.some((right) => right.resource.some((a) => resources.has(a.value))) ||
      holder.accessPackages.some((p) => packages.has(p.urn));
    if (!gives(system)) return 'not_offered';
    return gives(user) ? 'delegated' : 'not_delegated';
  }

  #liveSystemForClient(clientId: string): RegisteredSystem | undefined {
    for (const system of this.#systems.values()) {
      if (!system.isDeleted && system.clientId.includes(clientId)) return system;
    }
    return undefined;
  }

  #liveSystemUser(systemId: string, orgNo: string, externalRef?: string): SystemUser | undefined {
    const key = systemUserKey(systemId, orgNo, externalRef);
    for (const user of this.#systemUsers.values()) {
      if (user.isDeleted) continue;
      if (systemUserKey(user.systemId, user.reporteeOrgNo, user.externalRef) === key) return user;
    }
    return undefined;
  }

  #requireSystem(systemId: string): RegisteredSystem {
    const system = this.#systems.get(systemId);
    if (!system || system.isDeleted) {
      throw new AltinnRegistryError('AUTH-00011', `system ${systemId} is not registered`);
    }
    return system;
  }

  #assertClientFree(clientId: string, exceptSystemId?: string): void {
    for (const system of this.#systems.values()) {
      if (system.isDeleted || system.id === exceptSystemId) continue;
      if (system.clientId.includes(clientId)) {
        throw new AltinnRegistryError('AUTH.VLD-00004', 'clientId already belongs to a system');
      }
    }
  }
}

const copy = <T>(value: T | undefined): T | undefined =>
  value === undefined ? undefined : structuredClone(value);
