// Histograms kept as plain typed arrays: one row of bucket counts per label combination, found by
// index. Observing is a short scan of the bounds and two additions; nothing is allocated.
import type { HistogramSnapshot } from './registry.js';

/** `count` bounds from `start`, each `factor` times the previous (as Prometheus' ExponentialBuckets). */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  const bounds: number[] = [];
  for (let i = 0, bound = start; i < count; i++, bound *= factor) bounds.push(bound);
  return bounds;
}

/** CoreDNS's coredns_dns_request_duration_seconds buckets: 0.25 ms doubling 16 times (~8 s). */
export const DURATION_BUCKETS: readonly number[] = exponentialBuckets(0.00025, 2, 16);

/** CoreDNS's request/response size buckets, in bytes. */
export const SIZE_BUCKETS: readonly number[] = [0, 100, 200, 300, 400, 511, 1023, 2047, 4095, 8291, 16e3, 32e3, 48e3, 64e3];

/** CoreDNS's programming-latency buckets: 1 ms doubling 20 times (~9 min). */
export const PROGRAMMING_BUCKETS: readonly number[] = exponentialBuckets(0.001, 2, 20);

export class HistogramTable {
  private readonly width: number;
  private readonly counts: Float64Array;
  private readonly sums: Float64Array;

  /** `rows` label combinations, each with `bounds.length + 1` buckets (the last is +Inf). */
  constructor(readonly bounds: readonly number[], readonly rows: number) {
    this.width = bounds.length + 1;
    this.counts = new Float64Array(rows * this.width);
    this.sums = new Float64Array(rows);
  }

  observe(row: number, value: number): void {
    const bounds = this.bounds;
    let bucket = 0;
    while (bucket < bounds.length && value > bounds[bucket]!) bucket++;
    this.counts[row * this.width + bucket]!++;
    this.sums[row]! += value;
  }

  /** Observations in `row` so far. */
  total(row: number): number {
    let total = 0;
    for (let i = row * this.width, end = i + this.width; i < end; i++) total += this.counts[i]!;
    return total;
  }

  snapshot(row: number): HistogramSnapshot {
    const start = row * this.width;
    return { counts: this.counts.subarray(start, start + this.width), sum: this.sums[row]! };
  }
}
