// The query observer and the coredns_dns_* / coredns_cache_* families it feeds: CoreDNS's names and
// labels, bounded label values (qtype "other", zone "." and "dropped"), families and rcodes.
import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../../src/admin/metrics/registry.js';
import { QueryStats } from '../../../src/admin/metrics/query-stats.js';
import { registerQueryMetrics } from '../../../src/admin/metrics/query-metrics.js';
import { ZoneLabels, familyIndex, typeCode, typeIndex, typeName, TYPE_LABELS } from '../../../src/admin/metrics/labels.js';
import type { AnsweredBy, QueryEvent } from '../../../src/wire/dispatcher.js';

const ZONES = ['cluster.local', 'in-addr.arpa', 'ip6.arpa'];

interface EventSpec {
  name?: string | null;
  qtype?: number;
  rcode?: number;
  transport?: 'udp' | 'tcp';
  address?: string;
  by?: AnsweredBy;
  answers?: number;
  requestBytes?: number;
  responseBytes?: number;
  tookNs?: bigint;
}

/** A clock the test moves: each event "arrives" `tookNs` before the observer reads it. */
function setUp(): { stats: QueryStats; observe: (e: EventSpec) => void; scrape: () => Promise<string> } {
  let now = 1_000_000_000n;
  const stats = new QueryStats(ZONES, () => now);
  const registry = new MetricsRegistry({ defaultMetrics: false });
  registerQueryMetrics(registry, { stats, server: () => 'dns://:1053', answerCache: { cacheStats: () => ({ entries: 10, denials: 4 }) } });
  return {
    stats,
    observe: (e) => {
      const labels = e.name === null ? null : (e.name ?? 'web.default.svc.cluster.local').split('.');
      const startedAt = now;
      now += e.tookNs ?? 100_000n;
      const event: QueryEvent = {
        transport: e.transport ?? 'udp', qtype: e.qtype ?? 1, rcode: e.rcode ?? 0,
        requestBytes: e.requestBytes ?? 50, responseBytes: e.responseBytes ?? 120, cacheHit: e.by === 'cache', startedAt,
        client: { address: e.address ?? '127.0.0.1', port: 5353, transport: e.transport ?? 'udp' },
        question: labels === null ? null : { labels, lower: labels.map((l) => l.toLowerCase()), type: e.qtype ?? 1, class: 1 },
        answeredBy: e.by ?? 'resolver', answerCount: e.answers ?? 1,
      };
      stats.observe(event);
    },
    scrape: async () => (await registry.expose()).body,
  };
}

describe('coredns_dns_requests_total', () => {
  it('counts by zone, proto, family and type, with CoreDNS label names', async () => {
    const m = setUp();
    m.observe({});
    m.observe({});
    m.observe({ transport: 'tcp', qtype: 33 });
    m.observe({ address: 'fd00::1', qtype: 28 });
    const text = await m.scrape();
    expect(text).toContain('coredns_dns_requests_total{server="dns://:1053",zone="cluster.local.",view="",proto="udp",family="1",type="A"} 2');
    expect(text).toContain('coredns_dns_requests_total{server="dns://:1053",zone="cluster.local.",view="",proto="tcp",family="1",type="SRV"} 1');
    expect(text).toContain('coredns_dns_requests_total{server="dns://:1053",zone="cluster.local.",view="",proto="udp",family="2",type="AAAA"} 1');
  });

  it('puts unmonitored types under "other", names outside the zones under ".", and queries without a question under "dropped"', async () => {
    const m = setUp();
    m.observe({ qtype: 99 });
    m.observe({ name: 'example.com' });
    m.observe({ name: null, qtype: 0, rcode: 1, by: 'error' });
    m.observe({ name: '4.3.2.1.in-addr.arpa', qtype: 12 });
    const text = await m.scrape();
    expect(text).toContain('zone="cluster.local.",view="",proto="udp",family="1",type="other"} 1');
    expect(text).toContain('zone=".",view="",proto="udp",family="1",type="A"} 1');
    expect(text).toContain('zone="dropped",view="",proto="udp",family="1",type="other"} 1');
    expect(text).toContain('zone="in-addr.arpa.",view="",proto="udp",family="1",type="PTR"} 1');
  });

  it('emits no line for label sets that never occurred', async () => {
    const m = setUp();
    m.observe({});
    const lines = (await m.scrape()).split('\n').filter((l) => l.startsWith('coredns_dns_requests_total{'));
    expect(lines).toHaveLength(1);
  });
});

describe('coredns_dns_responses_total', () => {
  it('counts rcodes by mnemonic and the plugin that wrote the reply', async () => {
    const m = setUp();
    m.observe({ rcode: 0 });
    m.observe({ rcode: 3, by: 'cache', answers: 0 });
    m.observe({ rcode: 3, by: 'cache', answers: 0 });
    m.observe({ name: 'example.com', rcode: 2, by: 'forwarder' });
    m.observe({ name: 'example.com', rcode: 5, by: 'error' });
    const text = await m.scrape();
    expect(text).toContain('coredns_dns_responses_total{server="dns://:1053",zone="cluster.local.",view="",rcode="NOERROR",plugin="kubernetes"} 1');
    expect(text).toContain('coredns_dns_responses_total{server="dns://:1053",zone="cluster.local.",view="",rcode="NXDOMAIN",plugin="cache"} 2');
    expect(text).toContain('coredns_dns_responses_total{server="dns://:1053",zone=".",view="",rcode="SERVFAIL",plugin="forward"} 1');
    expect(text).toContain('coredns_dns_responses_total{server="dns://:1053",zone=".",view="",rcode="REFUSED",plugin=""} 1');
  });
});

describe('histograms', () => {
  it('request duration goes into CoreDNS buckets by zone and type', async () => {
    const m = setUp();
    m.observe({ tookNs: 100_000n }); // 0.1 ms: first bucket
    m.observe({ tookNs: 3_000_000n }); // 3 ms: le 0.004
    const text = await m.scrape();
    const prefix = 'coredns_dns_request_duration_seconds_bucket{server="dns://:1053",zone="cluster.local.",view="",type="A",';
    expect(text).toContain(`${prefix}le="0.00025"} 1`);
    expect(text).toContain(`${prefix}le="0.002"} 1`);
    expect(text).toContain(`${prefix}le="0.004"} 2`);
    expect(text).toContain(`${prefix}le="+Inf"} 2`);
    expect(text).toContain('coredns_dns_request_duration_seconds_count{server="dns://:1053",zone="cluster.local.",view="",type="A"} 2');
    expect(text).toMatch(/coredns_dns_request_duration_seconds_sum\{[^}]*type="A"\} 0\.0031/);
  });

  it('request and response sizes go into CoreDNS byte buckets by zone and proto', async () => {
    const m = setUp();
    m.observe({ requestBytes: 45, responseBytes: 600 });
    const text = await m.scrape();
    expect(text).toContain('coredns_dns_request_size_bytes_bucket{server="dns://:1053",zone="cluster.local.",view="",proto="udp",le="100"} 1');
    expect(text).toContain('coredns_dns_response_size_bytes_bucket{server="dns://:1053",zone="cluster.local.",view="",proto="udp",le="511"} 0');
    expect(text).toContain('coredns_dns_response_size_bytes_bucket{server="dns://:1053",zone="cluster.local.",view="",proto="udp",le="1023"} 1');
  });
});

describe('answer cache', () => {
  it('counts requests, hits by success and denial (NXDOMAIN and NODATA), misses, and entries', async () => {
    const m = setUp();
    m.observe({ by: 'resolver' });
    m.observe({ by: 'cache', rcode: 0, answers: 2 });
    m.observe({ by: 'cache', rcode: 3, answers: 0 });
    m.observe({ by: 'cache', rcode: 0, answers: 0 });
    m.observe({ by: 'error', rcode: 1 });
    const text = await m.scrape();
    const zones = 'zones="cluster.local.,in-addr.arpa.,ip6.arpa."';
    expect(text).toContain(`coredns_cache_requests_total{server="dns://:1053",${zones},view=""} 4`);
    expect(text).toContain(`coredns_cache_hits_total{server="dns://:1053",type="success",${zones},view=""} 1`);
    expect(text).toContain(`coredns_cache_hits_total{server="dns://:1053",type="denial",${zones},view=""} 2`);
    expect(text).toContain(`coredns_cache_misses_total{server="dns://:1053",${zones},view=""} 1`);
    expect(text).toContain(`coredns_cache_entries{server="dns://:1053",type="success",${zones},view=""} 6`);
    expect(text).toContain(`coredns_cache_entries{server="dns://:1053",type="denial",${zones},view=""} 4`);
  });
});

describe('labels', () => {
  it('every monitored type has its own index; others share "other"', () => {
    expect(TYPE_LABELS[typeIndex(1)]).toBe('A');
    expect(TYPE_LABELS[typeIndex(65)]).toBe('HTTPS');
    expect(TYPE_LABELS[typeIndex(13)]).toBe('other');
    expect(TYPE_LABELS[typeIndex(65280)]).toBe('other');
  });

  it('an IPv4-mapped IPv6 client counts as IPv4', () => {
    expect(familyIndex('10.0.0.1')).toBe(0);
    expect(familyIndex('::ffff:10.0.0.1')).toBe(0);
    expect(familyIndex('::1')).toBe(1);
  });

  it('the longest matching zone wins', () => {
    const zones = new ZoneLabels(['cluster.local', 'svc.cluster.local', 'Example.']);
    expect(zones.labels).toEqual(['cluster.local.', 'svc.cluster.local.', 'example.', '.', 'dropped']);
    expect(zones.labels[zones.match(['a', 'b', 'svc', 'cluster', 'local'])]).toBe('svc.cluster.local.');
    expect(zones.labels[zones.match(['a', 'pod', 'cluster', 'local'])]).toBe('cluster.local.');
    expect(zones.labels[zones.match(['local'])]).toBe('.');
  });

  it('type names and codes convert both ways', () => {
    expect(typeCode('aaaa')).toBe(28);
    expect(typeCode('TYPE65')).toBe(65);
    expect(typeCode('33')).toBe(33);
    expect(typeCode('bogus')).toBeNull();
    expect(typeName(99)).toBe('TYPE99');
  });
});
