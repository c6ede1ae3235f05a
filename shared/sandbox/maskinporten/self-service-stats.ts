/** Counters of the simulated self-service API, for tests; `reset()` between cases. */
export interface SelfServiceStatsView {
  /** Every request to the API, faulted ones included. */
  readonly calls: number;
  /** Accepted POSTs and PUTs. */
  readonly writes: number;
  /** Refusals by HTTP status. */
  readonly refusals: Readonly<Record<string, number>>;
  readonly faultsApplied: number;
  reset(): void;
}

export class SelfServiceStats implements SelfServiceStatsView {
  calls = 0;
  writes = 0;
  faultsApplied = 0;
  #refusals: Record<string, number> = {};

  get refusals(): Readonly<Record<string, number>> {
    return { ...this.#refusals };
  }

  recordRefusal(status: number): void {
    this.#refusals[status] = (this.#refusals[status] ?? 0) + 1;
  }

  reset(): void {
    this.calls = 0;
    this.writes = 0;
    this.faultsApplied = 0;
    this.#refusals = {};
  }
}
