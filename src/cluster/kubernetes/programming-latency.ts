// DNS programming latency: for each change the zone applied from an EndpointSlice carrying
// `endpoints.kubernetes.io/last-change-trigger-time`, the time from that trigger (the pod or service
// change that caused it) to the moment the answers changed. CoreDNS records it only for headless
// services with a selector (coredns/coredns#7644); here every kind of service is recorded, under the
// same metric and label names.
import type { ServiceKind } from '../types.js';

export type ServiceKindLabel = 'cluster_ip' | 'headless_with_selector' | 'headless_without_selector';

export const SERVICE_KIND_LABELS: readonly ServiceKindLabel[] = ['cluster_ip', 'headless_with_selector', 'headless_without_selector'];

/** CoreDNS's buckets: 1 ms doubling 20 times (up to ~17 min), in seconds. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = Array.from({ length: 20 }, (_, i) => 0.001 * 2 ** i);

export interface LatencyHistogram {
  /** Cumulative count per bucket of LATENCY_BUCKETS_SECONDS (Prometheus `le` semantics). */
  readonly buckets: readonly number[];
  readonly count: number;
  readonly sum: number;
}

/** The part of the zone index the recorder reads (structural, so this layer does not import the zone). */
export interface ChangeFeed {
  onChange(listener: (change: { readonly serviceKeys: readonly string[]; readonly triggerTime?: number }) => void): () => void;
  service(namespace: string, name: string): { readonly service?: { readonly kind: ServiceKind; readonly hasSelector: boolean } | undefined } | undefined;
}

export class ProgrammingLatency {
  private readonly histograms = new Map<ServiceKindLabel, { buckets: number[]; count: number; sum: number }>();
  private total = 0;

  constructor() {
    for (const kind of SERVICE_KIND_LABELS) this.histograms.set(kind, { buckets: LATENCY_BUCKETS_SECONDS.map(() => 0), count: 0, sum: 0 });
  }

  observe(kind: ServiceKindLabel, seconds: number): void {
    const h = this.histograms.get(kind)!;
    const value = Math.max(0, seconds);
    for (let i = 0; i < LATENCY_BUCKETS_SECONDS.length; i++) if (value <= LATENCY_BUCKETS_SECONDS[i]!) h.buckets[i]!++;
    h.count++;
    h.sum += value;
    this.total++;
  }

  histogram(kind: ServiceKindLabel): LatencyHistogram {
    const h = this.histograms.get(kind)!;
    return { buckets: [...h.buckets], count: h.count, sum: h.sum };
  }

  /** Changes recorded, over every kind. */
  get count(): number {
    return this.total;
  }
}

export function serviceKindLabel(service: { readonly kind: ServiceKind; readonly hasSelector: boolean }): ServiceKindLabel | null {
  if (service.kind === 'ClusterIP') return 'cluster_ip';
  if (service.kind === 'Headless') return service.hasSelector ? 'headless_with_selector' : 'headless_without_selector';
  return null; // ExternalName services have no endpoints to program
}

/**
 * Records every applied change that carries a trigger time, while `recording()` says so (not during
 * the first sync: those slices' trigger times are from before svcdns started). Returns the unsubscribe.
 */
export function recordProgrammingLatency(
  feed: ChangeFeed,
  recorder: ProgrammingLatency,
  recording: () => boolean,
  now: () => number = Date.now,
): () => void {
  return feed.onChange((change) => {
    if (change.triggerTime === undefined || !recording()) return;
    const seconds = (now() - change.triggerTime) / 1000;
    for (const key of change.serviceKeys) {
      const slash = key.indexOf('/');
      const service = feed.service(key.slice(0, slash), key.slice(slash + 1))?.service;
      const kind = service === undefined ? null : serviceKindLabel(service);
      if (kind !== null) recorder.observe(kind, seconds);
    }
  });
}
