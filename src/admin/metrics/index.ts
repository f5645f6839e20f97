// The metrics module's public face: the registry, the query observer, and one register function per
// part of the server. Each part's numbers stay with it; these read them at scrape time.
import type { MetricsSink } from './registry.js';

export { MetricsRegistry, type HistogramFamily, type HistogramSnapshot, type Labels, type MetricsSink, type ScalarFamily } from './registry.js';
export { DURATION_BUCKETS, PROGRAMMING_BUCKETS, SIZE_BUCKETS, exponentialBuckets } from './histograms.js';
export { QueryStats } from './query-stats.js';
export { registerQueryMetrics, type QueryMetricsOptions } from './query-metrics.js';
export { registerForwardMetrics, type ForwardStatsSource } from './forward-metrics.js';
export { registerKubernetesMetrics, registerProgrammingLatency } from './kubernetes-metrics.js';
export { SourceActivity, registerSourceState, type SourceStateOptions } from './source-metrics.js';

/** coredns_build_info, as CoreDNS labels it; `goversion` carries the Node.js version. */
export function registerBuildInfo(sink: MetricsSink, version: string, revision = ''): void {
  sink.gauge({
    name: 'coredns_build_info', help: 'A metric with a constant \'1\' value labeled by version, revision, and goversion from which CoreDNS was built.',
    labelNames: ['version', 'revision', 'goversion'],
    collect: (emit) => emit({ version, revision, goversion: process.version }, 1),
  });
}

/** CoreDNS's `server` label for a listen address: dns://:53 for every address, dns://10.0.0.1:53 for one. */
export function serverLabel(address: { readonly host: string; readonly port: number } | undefined): string {
  if (address === undefined) return '';
  const host = address.host === '0.0.0.0' || address.host === '::' ? '' : address.host.includes(':') ? `[${address.host}]` : address.host;
  return `dns://${host}:${address.port}`;
}
