/** Latency samples in nanoseconds, summarised in milliseconds. */
export interface LatencySummary {
  samples: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
}

/** Nearest-rank percentile of sorted values (`p` in 0..100). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export function median(values: readonly number[]): number {
  return percentile(Float64Array.from(values).sort(), 50);
}

export function summarise(nanos: Float64Array): LatencySummary {
  const sorted = Float64Array.from(nanos).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    samples: sorted.length,
    p50Ms: percentile(sorted, 50) / 1e6,
    p99Ms: percentile(sorted, 99) / 1e6,
    meanMs: sum / sorted.length / 1e6,
    maxMs: (sorted[sorted.length - 1] ?? Number.NaN) / 1e6,
  };
}

/**
 * Times `iterations` sequential calls of `fn` (each awaited), after `warmup` untimed calls. One
 * sample per call, taken with `process.hrtime.bigint()` around the call and its await. `fn` gets
 * the running call number: 0..warmup-1 for the warm-up, then warmup..warmup+iterations-1.
 */
export async function timeAsync(
  fn: (i: number) => Promise<unknown>,
  options: { warmup: number; iterations: number },
): Promise<LatencySummary> {
  for (let i = 0; i < options.warmup; i++) await fn(i);
  const nanos = new Float64Array(options.iterations);
  for (let i = 0; i < options.iterations; i++) {
    const start = process.hrtime.bigint();
    await fn(options.warmup + i);
    nanos[i] = Number(process.hrtime.bigint() - start);
  }
  return summarise(nanos);
}

/** Where {@link timeSync} keeps each result, so the optimiser cannot drop the work as unused. */
export let sink: unknown;

/** {@link timeAsync} for synchronous work: no await, so no microtask hop in the figure. */
export function timeSync(
  fn: (i: number) => unknown,
  options: { warmup: number; iterations: number },
): LatencySummary {
  for (let i = 0; i < options.warmup; i++) sink = fn(i);
  const nanos = new Float64Array(options.iterations);
  for (let i = 0; i < options.iterations; i++) {
    const start = process.hrtime.bigint();
    sink = fn(options.warmup + i);
    nanos[i] = Number(process.hrtime.bigint() - start);
  }
  return summarise(nanos);
}

export const ms = (value: number, digits = 3) => `${value.toFixed(digits)} ms`;
export const us = (valueMs: number) => `${(valueMs * 1000).toFixed(1)} µs`;

/** Milliseconds shown as µs below 1 ms, else as ms. */
export function duration(valueMs: number): string {
  if (!Number.isFinite(valueMs)) return 'n/a';
  return valueMs < 1 ? us(valueMs) : ms(valueMs, 2);
}

export const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
export const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** `list[i]`, or an error instead of `undefined`. */
export function at<T>(list: readonly T[], i: number): T {
  if (i < 0 || i >= list.length) throw new RangeError(`index ${i} out of 0..${list.length - 1}`);
  return list[i] as T;
}
