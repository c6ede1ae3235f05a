/** Decoded grants kept for assertions are capped so a long-running sandbox does not grow. */
export const MAX_GRANTS_KEPT = 1000;

/** A grant as the simulator decoded it: claims only, never the signed assertion. */
export type SeenGrantClaims = Readonly<Record<string, unknown>>;

/** Counters for tests; read them, then `reset()` between cases. */
export interface SimulatorStatsView {
  /** Every request to the token endpoint, faulted ones included. */
  readonly tokenRequests: number;
  readonly tokensIssued: number;
  /** Token-endpoint rejections by MP code (or by OAuth `error` where no MP code applies). */
  readonly rejections: Readonly<Record<string, number>>;
  /** Every request to the metadata endpoint, faulted ones included. */
  readonly metadataRequests: number;
  readonly jwksRequests: number;
  readonly faultsApplied: number;
  /** Decoded claims of every grant that parsed as a JWT, oldest first (latest 1000). */
  readonly grants: readonly SeenGrantClaims[];
  reset(): void;
}

export class SimulatorStats implements SimulatorStatsView {
  tokenRequests = 0;
  tokensIssued = 0;
  metadataRequests = 0;
  jwksRequests = 0;
  faultsApplied = 0;
  #rejections: Record<string, number> = {};
  #grants: SeenGrantClaims[] = [];

  get rejections(): Readonly<Record<string, number>> {
    return { ...this.#rejections };
  }

  get grants(): readonly SeenGrantClaims[] {
    return [...this.#grants];
  }

  recordRejection(code: string): void {
    this.#rejections[code] = (this.#rejections[code] ?? 0) + 1;
  }

  recordGrant(claims: Record<string, unknown>): void {
    this.#grants.push(Object.freeze(structuredClone(claims)));
    if (this.#grants.length > MAX_GRANTS_KEPT) this.#grants.shift();
  }

  reset(): void {
    this.tokenRequests = 0;
    this.tokensIssued = 0;
    this.metadataRequests = 0;
    this.jwksRequests = 0;
    this.faultsApplied = 0;
    this.#rejections = {};
    this.#grants = [];
  }
}
