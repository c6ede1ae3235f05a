import type { BrokerMetricName, BrokerMetrics } from '../../ports/metrics.js';

/** Counters and timings kept in memory: the local server's metrics, and a recorder for tests. */
export class InMemoryMetrics implements BrokerMetrics {
  readonly counts = new Map<BrokerMetricName, number>();
  readonly timings = new Map<BrokerMetricName, number[]>();

  count(name: BrokerMetricName, value = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + value);
  }

  timing(name: BrokerMetricName, ms: number): void {
    const values = this.timings.get(name);
    if (values) values.push(ms);
    else this.timings.set(name, [ms]);
  }

  get(name: BrokerMetricName): number {
    return this.counts.get(name) ?? 0;
  }

  reset(): void {
    this.counts.clear();
    this.timings.clear();
  }
}
