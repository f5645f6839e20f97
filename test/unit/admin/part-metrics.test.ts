// Metrics read from other parts' own numbers at scrape time: the forwarder's stats(), the Kubernetes
// source's stats() and programming-latency recorder, the source/zone tap, and the source state.
import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../../src/admin/metrics/registry.js';
import { registerForwardMetrics } from '../../../src/admin/metrics/forward-metrics.js';
import { registerKubernetesMetrics, registerProgrammingLatency } from '../../../src/admin/metrics/kubernetes-metrics.js';
import { SourceActivity, registerSourceState } from '../../../src/admin/metrics/source-metrics.js';
import { registerBuildInfo, serverLabel } from '../../../src/admin/metrics/index.js';
import { ProgrammingLatency } from '../../../src/cluster/kubernetes/programming-latency.js';
import type { KubernetesSourceStats } from '../../../src/cluster/kubernetes/source.js';
import type { ReflectorStats } from '../../../src/cluster/kubernetes/reflector.js';
import type { ClusterObject } from '../../../src/cluster/types.js';
import type { ForwarderStats } from '../../../src/resolve/forward/forwarder.js';

const scrape = async (r: MetricsRegistry): Promise<string> => (await r.expose()).body;

describe('forwarder metrics', () => {
  const stats: ForwarderStats & { refusedClients: number; probesSeen: number } = {
    cacheHits: 5, cacheMisses: 3, staleServed: 1, coalesced: 2, refused: 4, upstreamFailures: 6, exhausted: 1, tcpRetries: 2,
    inFlight: 0, cacheEntries: 9, cacheBytes: 4096, refusedClients: 3, probesSeen: 0,
    upstreams: [
      { upstream: { host: '10.0.0.2', port: 53 }, healthy: true, consecutiveFailures: 0 },
      { upstream: { host: 'fd00::2', port: 53 }, healthy: false, consecutiveFailures: 3 },
    ],
  };

  it('the forwarder cache appears as CoreDNS cache metrics in zone "."', async () => {
    const r = new MetricsRegistry({ defaultMetrics: false });
    registerForwardMetrics(r, { stats: () => stats }, () => 'dns://:53');
    const text = await scrape(r);
    expect(text).toContain('coredns_cache_requests_total{server="dns://:53",zones=".",view=""} 8');
    expect(text).toContain('coredns_cache_hits_total{server="dns://:53",zones=".",view="",type="success"} 5');
    expect(text).toContain('coredns_cache_misses_total{server="dns://:53",zones=".",view=""} 3');
    expect(text).toContain('coredns_cache_served_stale_total{server="dns://:53",zones=".",view=""} 1');
    expect(text).toContain('coredns_cache_entries{server="dns://:53",zones=".",view="",type="success"} 9');
  });

  it('the concurrency limit uses the forward plugin name; health and failures are per upstream', async () => {
    const r = new MetricsRegistry({ defaultMetrics: false });
    registerForwardMetrics(r, { stats: () => stats }, () => '');
    const text = await scrape(r);
    expect(text).toContain('coredns_forward_max_concurrent_rejects_total 4');
    expect(text).toContain('svcdns_forward_upstream_healthy{to="10.0.0.2:53"} 1');
    expect(text).toContain('svcdns_forward_upstream_healthy{to="[fd00::2]:53"} 0');
    expect(text).toContain('svcdns_forward_upstream_consecutive_failures{to="[fd00::2]:53"} 3');
    expect(text).toContain('svcdns_forward_upstream_failures_total 6');
    expect(text).toContain('svcdns_forward_refused_clients_total 3');
  });
});

describe('programming latency', () => {
  it('every service kind is exposed from the start, and observations land in CoreDNS buckets', async () => {
    const latency = new ProgrammingLatency();
    latency.observe('headless_with_selector', 0.0015);
    latency.observe('headless_with_selector', 0.0015);
    latency.observe('cluster_ip', 3000);
    const r = new MetricsRegistry({ defaultMetrics: false });
    registerProgrammingLatency(r, latency);
    const text = await scrape(r);
    const name = 'coredns_kubernetes_dns_programming_duration_seconds';
    expect(text).toContain(`${name}_bucket{service_kind="headless_with_selector",le="0.001"} 0`);
    expect(text).toContain(`${name}_bucket{service_kind="headless_with_selector",le="0.002"} 2`);
    expect(text).toContain(`${name}_count{service_kind="headless_with_selector"} 2`);
    expect(text).toContain(`${name}_bucket{service_kind="cluster_ip",le="524.288"} 0`);
    expect(text).toContain(`${name}_bucket{service_kind="cluster_ip",le="+Inf"} 1`);
    expect(text).toContain(`${name}_count{service_kind="headless_without_selector"} 0`);
  });
});

describe('Kubernetes source metrics', () => {
  it('per-kind counters and objects come from the source stats', async () => {
    const reflector = (kind: ReflectorStats['kind'], objects: number): ReflectorStats => ({
      kind, objects, phase: 'watching', synced: true, connected: true, resourceVersion: '1', lastListAt: 1000, lastError: null,
      lists: 2, relists: 1, watches: 3, watchClosed: 1, watchSilent: 0, watchExpired: 1, failures: 0, events: 42, rejected: 0,
    });
    const stats: KubernetesSourceStats = {
      connected: true, synced: true, outages: 1, disconnectedSince: null, resources: [reflector('service', 10), reflector('endpointslice', 12)],
    };
    const r = new MetricsRegistry({ defaultMetrics: false });
    registerKubernetesMetrics(r, { stats: () => stats });
    const text = await scrape(r);
    expect(text).toContain('svcdns_kubernetes_outages_total 1');
    expect(text).toContain('svcdns_kubernetes_objects{kind="endpointslice"} 12');
    expect(text).toContain('svcdns_kubernetes_events_total{kind="service"} 42');
    expect(text).toContain('svcdns_kubernetes_relists_total{kind="service"} 1');
    expect(text).toContain('svcdns_kubernetes_watch_restarts_total{kind="service",reason="expired"} 1');
  });
});

describe('source activity and state', () => {
  const svc: ClusterObject = { kind: 'service', obj: { namespace: 'a', name: 'b', kind: 'ClusterIP', clusterIPs: ['10.0.0.1'], ports: [], hasSelector: true } };

  it('the tap counts what passes by kind and operation, records list times, and hands everything on', async () => {
    let now = 5_000;
    const activity = new SourceActivity(() => now);
    const seen: string[] = [];
    const sink = activity.tap({
      upsert: (o) => seen.push(`upsert ${o.kind}`),
      remove: (k) => seen.push(`remove ${k}`),
      replace: (k) => seen.push(`replace ${k}`),
      markSynced: (k) => seen.push(`synced ${k}`),
    });
    sink.replace('service', [svc]);
    now = 9_000;
    sink.upsert(svc);
    sink.remove('service', 'a', 'b');
    sink.markSynced('service');
    expect(seen).toEqual(['replace service', 'upsert service', 'remove service', 'synced service']);
    expect(activity.eventCount('service', 'upsert')).toBe(1);
    const r = new MetricsRegistry({ defaultMetrics: false });
    activity.register(r, () => 'manifests');
    const text = await scrape(r);
    expect(text).toContain('svcdns_source_events_total{source="manifests",kind="service",operation="replace"} 1');
    expect(text).toContain('svcdns_source_last_sync_timestamp_seconds{source="manifests",kind="service"} 5');
    expect(text).toContain('svcdns_source_last_event_timestamp_seconds{source="manifests"} 9');
  });

  it('connected, synced, ready and the objects held per kind', async () => {
    const r = new MetricsRegistry({ defaultMetrics: false });
    registerSourceState(r, {
      status: () => ({ name: 'kubernetes', synced: true, connected: false }),
      counts: () => ({ services: 3, slices: 4, endpoints: 7, namespaces: 2, pods: 0 }),
      ready: () => true,
    });
    const text = await scrape(r);
    expect(text).toContain('svcdns_source_connected{source="kubernetes"} 0');
    expect(text).toContain('svcdns_source_synced{source="kubernetes"} 1');
    expect(text).toContain('svcdns_ready 1');
    expect(text).toContain('svcdns_objects_held{kind="endpoint"} 7');
    expect(text).toContain('svcdns_objects_held{kind="endpointslice"} 4');
  });

  it('build info carries the version and the Node.js version', async () => {
    const r = new MetricsRegistry({ defaultMetrics: false });
    registerBuildInfo(r, '1.2.3');
    expect(await scrape(r)).toContain(`coredns_build_info{version="1.2.3",revision="",goversion="${process.version}"} 1`);
  });

  it('the server label follows CoreDNS: dns://:port for every address, the address otherwise', () => {
    expect(serverLabel({ host: '0.0.0.0', port: 53 })).toBe('dns://:53');
    expect(serverLabel({ host: '127.0.0.1', port: 1053 })).toBe('dns://127.0.0.1:1053');
    expect(serverLabel({ host: '::1', port: 1053 })).toBe('dns://[::1]:1053');
  });
});
