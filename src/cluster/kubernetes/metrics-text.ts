// The Kubernetes source's figures in the Prometheus text format (version 0.0.4), from the plain
// numbers the source and the latency recorder keep. A metrics registry can take the same numbers;
// this keeps them observable until then.
import { LATENCY_BUCKETS_SECONDS, SERVICE_KIND_LABELS, type ProgrammingLatency } from './programming-latency.js';
import type { KubernetesSourceStats } from './source.js';
import type { ReflectorStats } from './reflector.js';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Sample = readonly [labels: Readonly<Record<string, string>>, value: number];

function family(lines: string[], name: string, type: 'gauge' | 'counter', help: string, samples: readonly Sample[]): void {
  lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  for (const [labels, value] of samples) lines.push(`${name}${labelText(labels)} ${formatNumber(value)}`);
}

function labelText(labels: Readonly<Record<string, string>>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function formatNumber(value: number): string {
  if (value === Infinity) return '+Inf';
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(12)));
}

function perKind(resources: readonly ReflectorStats[], value: (r: ReflectorStats) => number): Sample[] {
  return resources.map((r) => [{ kind: r.kind }, value(r)] as const);
}

export function renderKubernetesMetrics(stats: KubernetesSourceStats, latency: ProgrammingLatency): string {
  const lines: string[] = [];
  const r = stats.resources;
  // The same names and labels as the admin metrics registry's source-state families.
  family(lines, 'svcdns_source_connected', 'gauge', '1 while the cluster source reaches its origin (the API server, or readable manifests).',
    [[{ source: 'kubernetes' }, stats.connected ? 1 : 0]]);
  family(lines, 'svcdns_source_synced', 'gauge', '1 once every kind the cluster source serves has had its first complete list.',
    [[{ source: 'kubernetes' }, stats.synced ? 1 : 0]]);
  family(lines, 'svcdns_kubernetes_outages_total', 'counter', 'Times the Kubernetes API server became unreachable.', [[{}, stats.outages]]);
  family(lines, 'svcdns_kubernetes_objects', 'gauge', 'Objects held (exposed), by kind.', perKind(r, (s) => s.objects));
  family(lines, 'svcdns_kubernetes_events_total', 'counter', 'Watch events applied, by kind (bookmarks excluded).', perKind(r, (s) => s.events));
  family(lines, 'svcdns_kubernetes_lists_total', 'counter', 'Complete lists, by kind.', perKind(r, (s) => s.lists));
  family(lines, 'svcdns_kubernetes_relists_total', 'counter', 'Lists after the first (410 Gone or a change of exposed namespaces), by kind.', perKind(r, (s) => s.relists));
  family(lines, 'svcdns_kubernetes_watch_restarts_total', 'counter', 'Watches resumed after they ended, by kind and reason.', r.flatMap((s) => [
    [{ kind: s.kind, reason: 'closed' }, s.watchClosed] as const,
    [{ kind: s.kind, reason: 'silent' }, s.watchSilent] as const,
    [{ kind: s.kind, reason: 'expired' }, s.watchExpired] as const,
  ]));
  family(lines, 'svcdns_kubernetes_request_failures_total', 'counter', 'Failed lists and watches (each retried after a back-off), by kind.', perKind(r, (s) => s.failures));
  family(lines, 'svcdns_kubernetes_rejected_objects_total', 'counter', 'Objects skipped because they do not convert, by kind.', perKind(r, (s) => s.rejected));
  family(lines, 'svcdns_kubernetes_last_list_timestamp_seconds', 'gauge', 'When the last complete list arrived, by kind.',
    r.filter((s) => s.lastListAt !== null).map((s) => [{ kind: s.kind }, (s.lastListAt ?? 0) / 1000] as const));

  const name = 'coredns_kubernetes_dns_programming_duration_seconds';
  lines.push(`# HELP ${name} Time from an EndpointSlice's last-change-trigger-time to the change reaching the answers, by service kind.`,
    `# TYPE ${name} histogram`);
  for (const kind of SERVICE_KIND_LABELS) {
    const h = latency.histogram(kind);
    LATENCY_BUCKETS_SECONDS.forEach((le, i) => lines.push(`${name}_bucket${labelText({ service_kind: kind, le: formatNumber(le) })} ${h.buckets[i]}`));
    lines.push(`${name}_bucket${labelText({ service_kind: kind, le: '+Inf' })} ${h.count}`);
    lines.push(`${name}_sum${labelText({ service_kind: kind })} ${formatNumber(h.sum)}`);
    lines.push(`${name}_count${labelText({ service_kind: kind })} ${h.count}`);
  }
  const recent: Sample[] = [];
  for (const q of [0.5, 0.9, 0.99]) {
    const value = latency.quantile(q);
    if (value !== null) recent.push([{ quantile: String(q) }, value]);
  }
  family(lines, 'svcdns_kubernetes_dns_programming_recent_seconds', 'gauge',
    'Quantiles of the programming latency over the most recent 4096 changes, every service kind.', recent);
  return `${lines.join('\n')}\n`;
}
