import { describe, expect, it } from 'vitest';
import { InMemoryMetrics } from '../../../shared/adapters/metrics/in-memory-metrics.js';

describe('InMemoryMetrics', () => {
  it('keeps every timing by default (tests read them all)', () => {
    const metrics = new InMemoryMetrics();
    for (let i = 0; i < 5_000; i++) metrics.timing('MaskinportenLatency', i);
    expect(metrics.timings.get('MaskinportenLatency')).toHaveLength(5_000);
  });

  it('keeps only the latest timings per metric when bounded (a long-running local server)', () => {
    const metrics = new InMemoryMetrics({ maxTimingsPerName: 3 });
    for (let i = 1; i <= 10; i++) metrics.timing('MaskinportenLatency', i);
    metrics.timing('SigningLatency', 42);
    metrics.count('TokenRequests', 2);

    expect(metrics.timings.get('MaskinportenLatency')).toEqual([8, 9, 10]);
    expect(metrics.timings.get('SigningLatency')).toEqual([42]);
    expect(metrics.get('TokenRequests')).toBe(2);
  });
});
