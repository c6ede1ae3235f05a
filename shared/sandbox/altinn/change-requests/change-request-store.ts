import type { ChangeRequestRecord, ChangeRequestStatus } from './change-request-model.js';

/**
 * In-memory change requests in creation order; copies in and out. The id is the table's primary
 * key, so a soft-deleted change request keeps its id for good (`has`). Lookups by key take the
 * first row, as Altinn's `FirstOrDefault` without `ORDER BY` does.
 */
export class ChangeRequestStore {
  readonly #records = new Map<string, ChangeRequestRecord>();

  /** True if the id was ever used, deleted or not. */
  has(id: string): boolean {
    return this.#records.has(id);
  }

  add(record: ChangeRequestRecord): ChangeRequestRecord {
    if (this.#records.has(record.id)) throw new Error(`change request ${record.id} exists`);
    this.#records.set(record.id, structuredClone(record));
    return structuredClone(record);
  }

  get(id: string): ChangeRequestRecord | undefined {
    const record = this.#records.get(id);
    return record && !record.isDeleted ? structuredClone(record) : undefined;
  }

  setStatus(id: string, status: ChangeRequestStatus): ChangeRequestRecord | undefined {
    const record = this.#records.get(id);
    if (!record || record.isDeleted) return undefined;
    record.status = status;
    return structuredClone(record);
  }

  delete(id: string): boolean {
    const record = this.#records.get(id);
    if (!record || record.isDeleted) return false;
    record.isDeleted = true;
    return true;
  }

  firstByKey(systemId: string, partyOrgNo: string, externalRef: string) {
    for (const record of this.#records.values()) {
      if (
        !record.isDeleted &&
        record.systemId === systemId &&
        record.partyOrgNo === partyOrgNo &&
        record.externalRef === externalRef
      ) {
        return structuredClone(record);
      }
    }
    return undefined;
  }

  listForSystem(systemId: string): ChangeRequestRecord[] {
    return [...this.#records.values()]
      .filter((r) => !r.isDeleted && r.systemId === systemId)
      .map((r) => structuredClone(r));
  }

  /** Every change request ever stored, deleted ones included, oldest first. */
  snapshot(): ChangeRequestRecord[] {
    return [...this.#records.values()].map((r) => structuredClone(r));
  }
}
