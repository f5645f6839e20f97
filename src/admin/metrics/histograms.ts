// The bucket bounds of the histograms svcdns exposes, CoreDNS's own. The counting happens where the
// values are: the query observer (query-stats.ts) and the programming latency (cluster/kubernetes).

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
