import type { BrokerMetricName, BrokerMetrics } from '../../ports/metrics.js';

export interface InMemoryMetricsOptions {
  /**
   * Timings kept per metric, the latest (default all: a test reads every one). A long-running
   * local server sets it, or its timings would grow with every Maskinporten call.
   */
  maxTimingsPerName?: number;
}

/** Counters and timings kept in memory: the local server's metrics, and a recorder for tests. */
export class InMemoryMetrics implements BrokerMetrics {
  readonly counts = new Map<BrokerMetricName, number>();
  readonly timings = new Map<BrokerMetricName, number[]>();
  readonly #maxTimings: number;

  constructor(options: InMemoryMetricsOptions = {}) {
    this.#maxTimings = options.maxTimingsPerName ?? Number.POSITIVE_INFINITY;
  }

  count(name: BrokerMetricName, value = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + value);
  }

  timing(name: BrokerMetricName, ms: number): void {
    const values = this.timings.get(name);
    if (!values) {
      this.timings.set(name, [ms]);
      return;
    }
    values.push(ms);
    if (values.length > this.#maxTimings) values.shift();
  }

  get(name: BrokerMetricName): number {
    return this.counts.get(name) ?? 0;
  }

  reset(): void {
    this.counts.clear();
    this.timings.clear();
  }
}
