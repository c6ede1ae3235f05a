/** Counters for the simulated Altinn side; read them in tests, then `reset()` between cases. */
export interface AltinnStatsView {
  /**
   * Requests by endpoint, keyed `"<METHOD> <route>"` relative to `/authentication/api/v1/`
   * (e.g. `"POST systemuser/request/vendor"`, `"GET exchange/{provider}"`), plus
   * `"GET approval"`/`"POST approval"` for the request confirm pages, `"GET change approval"`/
   * `"POST change approval"` for the change-request one, and `"unmatched"`. Faulted requests
   * count too.
   */
  readonly calls: Readonly<Record<string, number>>;
  /** Error answers by code (`AUTH-00004`, `STD-00000`...), or by HTTP status when there is none. */
  readonly problems: Readonly<Record<string, number>>;
  readonly tokensExchanged: number;
  /** Decisions taken on the approval page (or through `decide`). */
  readonly decisions: Readonly<{ accepted: number; rejected: number }>;
  /** Decisions taken on the change-request approval page (or through `decideChange`). */
  readonly changeDecisions: Readonly<{ accepted: number; rejected: number }>;
  readonly faultsApplied: number;
  reset(): void;
}

export class AltinnStats implements AltinnStatsView {
  tokensExchanged = 0;
  faultsApplied = 0;
  #calls: Record<string, number> = {};
  #problems: Record<string, number> = {};
  #decisions = { accepted: 0, rejected: 0 };
  #changeDecisions = { accepted: 0, rejected: 0 };

  get calls(): Readonly<Record<string, number>> {
    return { ...this.#calls };
  }

  get problems(): Readonly<Record<string, number>> {
    return { ...this.#problems };
  }

  get decisions(): Readonly<{ accepted: number; rejected: number }> {
    return { ...this.#decisions };
  }

  get changeDecisions(): Readonly<{ accepted: number; rejected: number }> {
    return { ...this.#changeDecisions };
  }

  recordCall(endpoint: string): void {
    this.#calls[endpoint] = (this.#calls[endpoint] ?? 0) + 1;
  }

  recordProblem(code: string): void {
    this.#problems[code] = (this.#problems[code] ?? 0) + 1;
  }

  recordDecision(decision: 'accepted' | 'rejected'): void {
    this.#decisions[decision] += 1;
  }

  recordChangeDecision(decision: 'accepted' | 'rejected'): void {
    this.#changeDecisions[decision] += 1;
  }

  reset(): void {
    this.tokensExchanged = 0;
    this.faultsApplied = 0;
    this.#calls = {};
    this.#problems = {};
    this.#decisions = { accepted: 0, rejected: 0 };
    this.#changeDecisions = { accepted: 0, rejected: 0 };
  }
}
