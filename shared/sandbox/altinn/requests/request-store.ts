import type { SystemUserRequestStatus, SystemUserType } from '../altinn-model.js';
import type { SystemUserRequestRecord } from './request-model.js';

/**
 * In-memory system-user requests, kept in creation order. Records handed out are copies; change
 * them only through these methods. Deleted requests are never returned.
 */
export class SystemUserRequestStore {
  readonly #records = new Map<string, SystemUserRequestRecord>();

  add(record: SystemUserRequestRecord): SystemUserRequestRecord {
    if (this.#records.has(record.id)) throw new Error(`request ${record.id} exists`);
    this.#records.set(record.id, structuredClone(record));
    return structuredClone(record);
  }

  get(id: string): SystemUserRequestRecord | undefined {
    const record = this.#records.get(id);
    return record && !record.isDeleted ? structuredClone(record) : undefined;
  }

  setStatus(id: string, status: SystemUserRequestStatus): SystemUserRequestRecord | undefined {
    const record = this.#records.get(id);
    if (!record || record.isDeleted) return undefined;
    record.status = status;
    return structuredClone(record);
  }

  /** Soft-deletes; false if unknown or already deleted. */
  delete(id: string): boolean {
    const record = this.#records.get(id);
    if (!record || record.isDeleted) return false;
    record.isDeleted = true;
    return true;
  }

  /** Requests for Altinn's key (systemId, party, externalRef), newest first; any type unless given. */
  findByKey(
    systemId: string,
    partyOrgNo: string,
    externalRef: string,
    type?: SystemUserType,
  ): SystemUserRequestRecord[] {
    return this.#live()
      .filter(
        (r) =>
          r.systemId === systemId &&
          r.partyOrgNo === partyOrgNo &&
          r.externalRef === externalRef &&
          (type === undefined || r.type === type),
      )
      .reverse();
  }

  /** A system's requests of one type, oldest first. */
  listForSystem(systemId: string, type: SystemUserType): SystemUserRequestRecord[] {
    return this.#live().filter((r) => r.systemId === systemId && r.type === type);
  }

  all(): SystemUserRequestRecord[] {
    return this.#live();
  }

  #live(): SystemUserRequestRecord[] {
    return [...this.#records.values()].filter((r) => !r.isDeleted).map((r) => structuredClone(r));
  }
}
