// The Kubernetes source's numbers (its stats() and the programming-latency recorder) as metric
// families. The source keeps plain counters; they become samples only at scrape time.
import type { LatencyHistogram, ProgrammingLatency, ServiceKindLabel } from '../../cluster/kubernetes/programming-latency.js';
import type { KubernetesSourceStats } from '../../cluster/kubernetes/source.js';
import type { ReflectorStats } from '../../cluster/kubernetes/reflector.js';
import { PROGRAMMING_BUCKETS } from './histograms.js';
import type { HistogramSnapshot, MetricsSink } from './registry.js';

const SERVICE_KINDS: readonly ServiceKindLabel[] = ['cluster_ip', 'headless_with_selector', 'headless_without_selector'];

/** The recorder keeps cumulative bucket counts; a snapshot wants them per bucket. */
function perBucket(h: LatencyHistogram): HistogramSnapshot {
  const counts = new Float64Array(h.buckets.length + 1);
  let below = 0;
  h.buckets.forEach((cumulative, i) => {
    counts[i] = cumulative - below;
    below = cumulative;
  });
  counts[h.buckets.length] = h.count - below;
  return { counts, sum: h.sum };
}

/**
 * coredns_kubernetes_dns_programming_duration_seconds for every service kind, from the start (zero
 * counts), so dashboards see the series before the first change.
 */
export function registerProgrammingLatency(sink: MetricsSink, latency: Pick<ProgrammingLatency, 'histogram'>): void {
  sink.histogram({
    name: 'coredns_kubernetes_dns_programming_duration_seconds',
    help: 'Histogram of the time (in seconds) it took to program a dns instance.',
    labelNames: ['service_kind'], buckets: PROGRAMMING_BUCKETS,
    collect: (emit) => {
      for (const kind of SERVICE_KINDS) emit({ service_kind: kind }, perBucket(latency.histogram(kind)));
    },
  });
}

type Counter = keyof Pick<ReflectorStats, 'events' | 'lists' | 'relists' | 'failures' | 'rejected'>;

const PER_KIND_COUNTERS: readonly (readonly [string, string, Counter])[] = [
  ['svcdns_kubernetes_events_total', 'Watch events applied, by kind (bookmarks excluded).', 'events'],
  ['svcdns_kubernetes_lists_total', 'Complete lists, by kind.', 'lists'],
  ['svcdns_kubernetes_relists_total', 'Lists after the first (410 Gone or a change of exposed namespaces), by kind.', 'relists'],
  ['svcdns_kubernetes_request_failures_total', 'Failed lists and watches (each retried after a back-off), by kind.', 'failures'],
  ['svcdns_kubernetes_rejected_objects_total', 'Objects skipped because they do not convert, by kind.', 'rejected'],
];

export function registerKubernetesMetrics(sink: MetricsSink, source: { stats(): KubernetesSourceStats }): void {
  sink.counter({
    name: 'svcdns_kubernetes_outages_total', help: 'Times the Kubernetes API server became unreachable.',
    collect: (emit) => emit({}, source.stats().outages),
  });
  sink.gauge({
    name: 'svcdns_kubernetes_objects', help: 'Objects the source holds (exposed), by kind.', labelNames: ['kind'],
    collect: (emit) => {
      for (const r of source.stats().resources) emit({ kind: r.kind }, r.objects);
    },
  });
  for (const [name, help, field] of PER_KIND_COUNTERS) {
    sink.counter({
      name, help, labelNames: ['kind'],
      collect: (emit) => {
        for (const r of source.stats().resources) emit({ kind: r.kind }, r[field]);
      },
    });
  }
  sink.counter({
    name: 'svcdns_kubernetes_watch_restarts_total', help: 'Watches resumed after they ended, by kind and reason.', labelNames: ['kind', 'reason'],
    collect: (emit) => {
      for (const r of source.stats().resources) {
        emit({ kind: r.kind, reason: 'closed' }, r.watchClosed);
        emit({ kind: r.kind, reason: 'silent' }, r.watchSilent);
        emit({ kind: r.kind, reason: 'expired' }, r.watchExpired);
      }
    },
  });
}
