// The forwarder's metrics, read from its stats() at scrape time: its response cache as CoreDNS's
// cache plugin in the root zone ("."), the concurrency limit as CoreDNS's forward plugin reports it,
// and upstream health and failures as svcdns_forward_* (CoreDNS has no equal for those counts).
import type { ForwarderStats } from '../../resolve/forward/forwarder.js';
import { describe } from '../../resolve/forward/transport.js';
import type { MetricsSink } from './registry.js';

/** What the forwarding setup offers (Forwarding.stats() adds the recursion gate's counts). */
export interface ForwardStatsSource {
  stats(): ForwarderStats & { readonly refusedClients?: number; readonly probesSeen?: number };
}

const ZONES = '.';

export function registerForwardMetrics(sink: MetricsSink, forwarding: ForwardStatsSource, server: () => string): void {
  const base = (): { server: string; zones: string; view: string } => ({ server: server(), zones: ZONES, view: '' });
  sink.counter({
    name: 'coredns_cache_requests_total', help: 'The count of cache requests.', labelNames: ['server', 'zones', 'view'],
    collect: (emit) => {
      const s = forwarding.stats();
      emit(base(), s.cacheHits + s.cacheMisses);
    },
  });
  sink.counter({
    name: 'coredns_cache_hits_total', help: 'The count of cache hits.', labelNames: ['server', 'type', 'zones', 'view'],
    // The forwarder's cache does not split hits into success and denial: all count as success.
    collect: (emit) => emit({ ...base(), type: 'success' }, forwarding.stats().cacheHits),
  });
  sink.counter({
    name: 'coredns_cache_misses_total', help: 'The count of cache misses. Deprecated, derive misses from cache hits/requests counters.',
    labelNames: ['server', 'zones', 'view'],
    collect: (emit) => emit(base(), forwarding.stats().cacheMisses),
  });
  sink.counter({
    name: 'coredns_cache_served_stale_total', help: 'The number of requests served from stale cache entries.',
    labelNames: ['server', 'zones', 'view'],
    collect: (emit) => emit(base(), forwarding.stats().staleServed),
  });
  sink.gauge({
    name: 'coredns_cache_entries', help: 'The number of elements in the cache.', labelNames: ['server', 'type', 'zones', 'view'],
    collect: (emit) => emit({ ...base(), type: 'success' }, forwarding.stats().cacheEntries),
  });
  sink.counter({
    name: 'coredns_forward_max_concurrent_rejects_total',
    help: 'Counter of the number of queries rejected because the concurrent queries were at maximum.',
    collect: (emit) => emit({}, forwarding.stats().refused),
  });

  sink.gauge({
    name: 'svcdns_forward_upstream_healthy', help: '1 while the upstream is believed healthy, 0 while it is skipped and probed.',
    labelNames: ['to'],
    collect: (emit) => {
      for (const u of forwarding.stats().upstreams) emit({ to: describe(u.upstream) }, u.healthy ? 1 : 0);
    },
  });
  sink.gauge({
    name: 'svcdns_forward_upstream_consecutive_failures', help: 'Failed exchanges with the upstream since its last success.',
    labelNames: ['to'],
    collect: (emit) => {
      for (const u of forwarding.stats().upstreams) emit({ to: describe(u.upstream) }, u.consecutiveFailures);
    },
  });
  const counters: readonly [string, string, (s: ReturnType<ForwardStatsSource['stats']>) => number | undefined][] = [
    ['svcdns_forward_upstream_failures_total', 'Exchanges with an upstream that failed (timeout, refused, network, malformed reply).', (s) => s.upstreamFailures],
    ['svcdns_forward_exhausted_total', 'Forwarded queries for which every upstream failed.', (s) => s.exhausted],
    ['svcdns_forward_coalesced_total', 'Cache misses that joined an identical exchange already in flight.', (s) => s.coalesced],
    ['svcdns_forward_tcp_retries_total', 'Upstream exchanges retried over TCP after a truncated reply.', (s) => s.tcpRetries],
    ['svcdns_forward_refused_clients_total', 'Queries for outside names refused because the client may not recurse.', (s) => s.refusedClients],
    ['svcdns_forward_loop_probes_total', 'Our own forwarding-loop probes that came back to us.', (s) => s.probesSeen],
  ];
  for (const [name, help, read] of counters) {
    sink.counter({
      name, help,
      collect: (emit) => {
        const value = read(forwarding.stats());
        if (value !== undefined) emit({}, value);
      },
    });
  }
  sink.gauge({ name: 'svcdns_forward_in_flight', help: 'Upstream exchanges in flight.', collect: (emit) => emit({}, forwarding.stats().inFlight) });
  sink.gauge({
    name: 'svcdns_forward_cache_bytes', help: 'Bytes held by the forwarder cache.', collect: (emit) => emit({}, forwarding.stats().cacheBytes),
  });
}
