// coredns_dns_* and the answer cache's coredns_cache_* families, read from QueryStats at scrape time,
// with CoreDNS's names and labels so its dashboards and alerts work unchanged.
import type { AnswerCacheStats } from '../../wire/dispatcher.js';
import { DURATION_BUCKETS, SIZE_BUCKETS } from './histograms.js';
import { FAMILY_LABELS, PROTO_LABELS, RCODE_LABELS, TYPE_LABELS } from './labels.js';
import { PLUGIN_LABELS, QUERY_DIMENSIONS, type QueryStats } from './query-stats.js';
import type { MetricsSink } from './registry.js';

const { TYPES, RCODES, PLUGINS, PROTOS, FAMILIES } = QUERY_DIMENSIONS;

export interface QueryMetricsOptions {
  readonly stats: QueryStats;
  /** CoreDNS's `server` label, e.g. "dns://:1053" (read at scrape: the port may be known only after listening). */
  readonly server: () => string;
  /** The dispatcher's answer cache, when there is one. */
  readonly answerCache?: { cacheStats(): AnswerCacheStats };
}

/** The `zones` label of the answer cache: every authoritative zone, as CoreDNS joins a plugin's zones. */
function cacheZones(stats: QueryStats): string {
  return stats.zones.labels.slice(0, stats.zones.root).join(',');
}

export function registerQueryMetrics(sink: MetricsSink, options: QueryMetricsOptions): void {
  const { stats, server } = options;
  const zoneLabels = stats.zones.labels;

  sink.counter({
    name: 'coredns_dns_requests_total', help: 'Counter of DNS requests made per zone, protocol and family.',
    labelNames: ['server', 'zone', 'view', 'proto', 'family', 'type'],
    collect: (emit) => {
      const s = server();
      for (let z = 0; z < zoneLabels.length; z++) {
        for (let p = 0; p < PROTOS; p++) {
          for (let f = 0; f < FAMILIES; f++) {
            for (let t = 0; t < TYPES; t++) {
              const value = stats.requests(z, p, f, t);
              if (value > 0) emit({ server: s, zone: zoneLabels[z]!, view: '', proto: PROTO_LABELS[p]!, family: FAMILY_LABELS[f]!, type: TYPE_LABELS[t]! }, value);
            }
          }
        }
      }
    },
  });

  sink.counter({
    name: 'coredns_dns_responses_total', help: 'Counter of response status codes.',
    labelNames: ['server', 'zone', 'view', 'rcode', 'plugin'],
    collect: (emit) => {
      const s = server();
      for (let z = 0; z < zoneLabels.length; z++) {
        for (let r = 0; r < RCODES; r++) {
          for (let p = 0; p < PLUGINS; p++) {
            const value = stats.responses(z, r, p);
            if (value > 0) emit({ server: s, zone: zoneLabels[z]!, view: '', rcode: RCODE_LABELS[r]!, plugin: PLUGIN_LABELS[p]! }, value);
          }
        }
      }
    },
  });

  sink.histogram({
    name: 'coredns_dns_request_duration_seconds', help: 'Histogram of the time (in seconds) each request took per zone.',
    labelNames: ['server', 'zone', 'view', 'type'], buckets: DURATION_BUCKETS,
    collect: (emit) => {
      const s = server();
      for (let z = 0; z < zoneLabels.length; z++) {
        for (let t = 0; t < TYPES; t++) {
          const histogram = stats.duration(z, t);
          if (histogram !== null) emit({ server: s, zone: zoneLabels[z]!, view: '', type: TYPE_LABELS[t]! }, histogram);
        }
      }
    },
  });

  for (const [name, which] of [['coredns_dns_request_size_bytes', 'request'], ['coredns_dns_response_size_bytes', 'response']] as const) {
    sink.histogram({
      name, help: `Size of the ${which} in bytes.`, labelNames: ['server', 'zone', 'view', 'proto'], buckets: SIZE_BUCKETS,
      collect: (emit) => {
        const s = server();
        for (let z = 0; z < zoneLabels.length; z++) {
          for (let p = 0; p < PROTOS; p++) {
            const histogram = stats.size(which, z, p);
            if (histogram !== null) emit({ server: s, zone: zoneLabels[z]!, view: '', proto: PROTO_LABELS[p]! }, histogram);
          }
        }
      },
    });
  }

  registerAnswerCacheMetrics(sink, options);
}

function registerAnswerCacheMetrics(sink: MetricsSink, options: QueryMetricsOptions): void {
  const { stats, server, answerCache } = options;
  const zones = cacheZones(stats);
  sink.counter({
    name: 'coredns_cache_requests_total', help: 'The count of cache requests.', labelNames: ['server', 'zones', 'view'],
    collect: (emit) => emit({ server: server(), zones, view: '' }, stats.cacheRequests),
  });
  sink.counter({
    name: 'coredns_cache_hits_total', help: 'The count of cache hits.', labelNames: ['server', 'type', 'zones', 'view'],
    collect: (emit) => {
      emit({ server: server(), type: 'success', zones, view: '' }, stats.cacheHits('success'));
      emit({ server: server(), type: 'denial', zones, view: '' }, stats.cacheHits('denial'));
    },
  });
  sink.counter({
    name: 'coredns_cache_misses_total', help: 'The count of cache misses. Deprecated, derive misses from cache hits/requests counters.',
    labelNames: ['server', 'zones', 'view'],
    collect: (emit) => emit({ server: server(), zones, view: '' }, stats.cacheRequests - stats.cacheHits('success') - stats.cacheHits('denial')),
  });
  if (answerCache === undefined) return;
  sink.gauge({
    name: 'coredns_cache_entries', help: 'The number of elements in the cache.', labelNames: ['server', 'type', 'zones', 'view'],
    collect: (emit) => {
      const held = answerCache.cacheStats();
      emit({ server: server(), type: 'success', zones, view: '' }, held.entries - held.denials);
      emit({ server: server(), type: 'denial', zones, view: '' }, held.denials);
    },
  });
}
