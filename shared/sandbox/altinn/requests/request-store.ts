import type { SystemUserRequestStatus, SystemUserType } from '../altinn-model.js';
import type { SystemUserRequestRecord } from './request-model.js';

/**
 * In-memory system-user requests in creation order. Records handed out are copies; change them
 * only through these methods. Deleted requests are never returned by the lookups, only by
 * `snapshot` (for tests and the control API).
 *
 * Like Altinn's table there is no unique constraint on (system, org, externalRef): a key can hold
 * several live rows. Altinn reads a key with `FirstOrDefault` and no `ORDER BY`
 * (`Repo/RequestRepository.cs:174-216`), so which row wins is up to PostgreSQL; the sandbox
 * answers with the oldest live row, always.
 */
export class SystemUserRequestStore {
  readonly #records = new Map<string, SystemUserRequestRecord>();

  add(record: SystemUserRequestRecord): SystemUserRequestRecord {
    if (this.#records.has(record.id)) throw new Error(`request ${record.id} exists`);
    this.#records.set(record.id, structuredClone(record));
    return structuredClone(record);
  }

  /** A live request of any type. */
  get(id: string): SystemUserRequestRecord | undefined {
    const record = this.#records.get(id);
    return record && !record.isDeleted ? structuredClone(record) : undefined;
  }

  setStatus(id: string, status: SystemUserRequestStatus): SystemUserRequestRecord | undefined {
    return this.#update(id, (record) => {
      record.status = status;
    });
  }

  /** Moves a live request's creation time (time travel for the 180-day flag). */
  setCreated(id: string, createdMs: number): SystemUserRequestRecord | undefined {
    return this.#update(id, (record) => {
      record.createdMs = createdMs;
      record.created = new Date(createdMs).toISOString();
    });
  }

  /** Soft-deletes; false if unknown or already deleted. */
  delete(id: string): boolean {
    const record = this.#records.get(id);
    if (!record || record.isDeleted) return false;
    record.isDeleted = true;
    return true;
  }

  /** The first (oldest) live request of `type` for Altinn's key (systemId, party, externalRef). */
  firstByKey(
    systemId: string,
    partyOrgNo: string,
    externalRef: string,
    type: SystemUserType,
  ): SystemUserRequestRecord | undefined {
    for (const record of this.#records.values()) {
      if (
        !record.isDeleted &&
        record.type === type &&
        record.systemId === systemId &&
        record.partyOrgNo === partyOrgNo &&
        record.externalRef === externalRef
      ) {
        return structuredClone(record);
      }
    }
    return undefined;
  }

  /** A system's live requests of one type, oldest first. */
  listForSystem(systemId: string, type: SystemUserType): SystemUserRequestRecord[] {
    return [...this.#records.values()]
      .filter((r) => !r.isDeleted && r.systemId === systemId && r.type === type)
      .map((r) => structuredClone(r));
  }

  /** Every request ever stored, deleted ones included, oldest first. */
  snapshot(): SystemUserRequestRecord[] {
    return [...this.#records.values()].map((r) => structuredClone(r));
  }

  #update(id: string, change: (record: SystemUserRequestRecord) => void) {
    const record = this.#records.get(id);
    if (!record || record.isDeleted) return undefined;
    change(record);
    return structuredClone(record);
  }
}
