// The query observer and the coredns_dns_* / coredns_cache_* families it feeds: CoreDNS's names and
// labels, bounded label values (qtype "other", zone "." and "dropped"), families and rcodes.
import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../../src/admin/metrics/registry.js';
import { QueryStats } from '../../../src/admin/metrics/query-stats.js';
import { registerQueryMetrics } from '../../../src/admin/metrics/query-metrics.js';
import { ZoneLabels, familyIndex, typeCode, typeIndex, typeName, TYPE_LABELS } from '../../../src/admin/metrics/labels.js';
import { NO_QUESTION_TAG, type AnsweredBy, type QueryEvent } from '../../../src/wire/dispatcher.js';

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
  tookMs?: number;
  questionTag?: number;
}

type MutableEvent = { -readonly [K in keyof QueryEvent]: QueryEvent[K] };

/** A query packet as a client sends it: header, then the question `name` (as written, "" = root), QTYPE, QCLASS IN. */
function queryPacket(name: string, qtype = 1): { query: Buffer; questionEnd: number } {
  const parts = [Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0])];
  for (const label of name.split('.').filter(Boolean)) parts.push(Buffer.from([label.length]), Buffer.from(label, 'latin1'));
  parts.push(Buffer.from([0, qtype >> 8, qtype & 255, 0, 1]));
  const query = Buffer.concat(parts);
  return { query, questionEnd: query.length };
}

/** A 12-byte header with QDCOUNT 0: the dispatcher reports it with questionEnd 0. */
const NO_QUESTION = { query: Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]), questionEnd: 0 };

/**
 * A clock the test moves: each event "arrives" `tookMs` before the observer reads it. Like the
 * dispatcher, the harness fills one event object for every query.
 */
function setUp(): { stats: QueryStats; observe: (e: EventSpec) => void; scrape: () => Promise<string> } {
  let now = 1_000;
  const stats = new QueryStats(ZONES, () => now);
  const registry = new MetricsRegistry({ defaultMetrics: false });
  registerQueryMetrics(registry, { stats, server: () => 'dns://:1053', answerCache: { cacheStats: () => ({ entries: 10, denials: 4 }) } });
  const event: MutableEvent = {
    transport: 'udp', qtype: 0, rcode: 0, requestBytes: 0, responseBytes: 0, query: NO_QUESTION.query, questionEnd: 0, startedAt: 0,
    client: { address: '127.0.0.1', port: 5353, transport: 'udp' }, answeredBy: 'resolver', answerCount: 0,
    questionTag: NO_QUESTION_TAG,
  };
  return {
    stats,
    observe: (e) => {
      const qtype = e.qtype ?? 1;
      const { query, questionEnd } = e.name === null ? NO_QUESTION : queryPacket(e.name ?? 'web.default.svc.cluster.local', qtype);
      const startedAt = now;
      now += e.tookMs ?? 0.1;
      Object.assign(event, {
        transport: e.transport ?? 'udp', qtype, rcode: e.rcode ?? 0,
        requestBytes: e.requestBytes ?? 50, responseBytes: e.responseBytes ?? 120, query, questionEnd, startedAt,
        client: { address: e.address ?? '127.0.0.1', port: 5353, transport: e.transport ?? 'udp' },
        answeredBy: e.by ?? 'resolver', answerCount: e.answers ?? 1, questionTag: e.questionTag ?? NO_QUESTION_TAG,
      } satisfies QueryEvent);
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

  it('tags a question with its zone, and counts an event that carries the tag under that zone without looking at the name', async () => {
    const m = setUp();
    const tagOf = (name: string): number => {
      const { query, questionEnd } = queryPacket(name, 1);
      return m.stats.questionTag(query, questionEnd);
    };
    expect(tagOf('Web.Default.svc.cluster.local')).toBe(m.stats.zones.labels.indexOf('cluster.local.'));
    expect(tagOf('4.3.2.1.in-addr.arpa')).toBe(m.stats.zones.labels.indexOf('in-addr.arpa.'));
    expect(tagOf('example.com')).toBe(m.stats.zones.root);
    // The name says "." but the tag (kept with a cached answer) says in-addr.arpa.: the tag wins.
    m.observe({ name: 'example.com', questionTag: tagOf('4.3.2.1.in-addr.arpa') });
    expect(await m.scrape()).toContain('zone="in-addr.arpa.",view="",proto="udp",family="1",type="A"} 1');
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
    // A name answered from its shape is the kubernetes plugin's NXDOMAIN, as in CoreDNS.
    m.observe({ name: 'a.svc.cluster.local.cluster.local', rcode: 3, by: 'shape', answers: 0 });
    const text = await m.scrape();
    expect(text).toContain('coredns_dns_responses_total{server="dns://:1053",zone="cluster.local.",view="",rcode="NOERROR",plugin="kubernetes"} 1');
    expect(text).toContain('coredns_dns_responses_total{server="dns://:1053",zone="cluster.local.",view="",rcode="NXDOMAIN",plugin="kubernetes"} 1');
    expect(text).toContain('coredns_dns_responses_total{server="dns://:1053",zone="cluster.local.",view="",rcode="NXDOMAIN",plugin="cache"} 2');
    expect(text).toContain('coredns_dns_responses_total{server="dns://:1053",zone=".",view="",rcode="SERVFAIL",plugin="forward"} 1');
    expect(text).toContain('coredns_dns_responses_total{server="dns://:1053",zone=".",view="",rcode="REFUSED",plugin=""} 1');
  });
});

describe('histograms', () => {
  it('request duration goes into CoreDNS buckets by zone and type', async () => {
    const m = setUp();
    m.observe({ tookMs: 0.1 }); // first bucket
    m.observe({ tookMs: 3 }); // le 0.004
    const text = await m.scrape();
    const prefix = 'coredns_dns_request_duration_seconds_bucket{server="dns://:1053",zone="cluster.local.",view="",type="A",';
    expect(text).toContain(`${prefix}le="0.00025"} 1`);
    expect(text).toContain(`${prefix}le="0.002"} 1`);
    expect(text).toContain(`${prefix}le="0.004"} 2`);
    expect(text).toContain(`${prefix}le="+Inf"} 2`);
    expect(text).toContain('coredns_dns_request_duration_seconds_count{server="dns://:1053",zone="cluster.local.",view="",type="A"} 2');
    expect(text).toMatch(/coredns_dns_request_duration_seconds_sum\{[^}]*type="A"\} 0\.0031/);
  });

  it('request and response sizes go into CoreDNS byte buckets by zone and proto, a bound counting in its own (le is inclusive)', async () => {
    const m = setUp();
    m.observe({ requestBytes: 45, responseBytes: 600 });
    m.observe({ requestBytes: 100, responseBytes: 101 });
    const text = await m.scrape();
    const bucket = (which: string, le: string): string =>
      `coredns_dns_${which}_size_bytes_bucket{server="dns://:1053",zone="cluster.local.",view="",proto="udp",le="${le}"}`;
    expect(text).toContain(`${bucket('request', '100')} 2`);
    expect(text).toContain(`${bucket('response', '100')} 0`);
    expect(text).toContain(`${bucket('response', '200')} 1`);
    expect(text).toContain(`${bucket('response', '511')} 1`);
    expect(text).toContain(`${bucket('response', '1023')} 2`);
  });

  it('sums the labels a family leaves out: duration over proto and family, sizes over family and type', async () => {
    const m = setUp();
    m.observe({ tookMs: 0.1, requestBytes: 40 });
    m.observe({ tookMs: 0.1, requestBytes: 40, transport: 'tcp' });
    m.observe({ tookMs: 1, requestBytes: 150, address: 'fd00::1' });
    m.observe({ tookMs: 0.1, requestBytes: 40, qtype: 28 });
    const text = await m.scrape();
    const duration = 'coredns_dns_request_duration_seconds_bucket{server="dns://:1053",zone="cluster.local.",view="",type="A",';
    expect(text).toContain(`${duration}le="0.00025"} 2`);
    expect(text).toContain(`${duration}le="+Inf"} 3`);
    expect(text).toContain('coredns_dns_request_duration_seconds_count{server="dns://:1053",zone="cluster.local.",view="",type="AAAA"} 1');
    const size = 'coredns_dns_request_size_bytes_bucket{server="dns://:1053",zone="cluster.local.",view="",';
    expect(text).toContain(`${size}proto="udp",le="100"} 2`);
    expect(text).toContain(`${size}proto="udp",le="+Inf"} 3`);
    expect(text).toContain(`${size}proto="tcp",le="+Inf"} 1`);
    expect(text).toContain('coredns_dns_request_size_bytes_sum{server="dns://:1053",zone="cluster.local.",view="",proto="udp"} 230');
  });
});

describe('answer cache', () => {
  it('counts requests, hits by success and denial (NXDOMAIN and NODATA), misses, and entries', async () => {
    const m = setUp();
    m.observe({ by: 'resolver' });
    // Answered from the name's shape before the cache is asked: no cache request, as an error.
    m.observe({ by: 'shape', rcode: 3, answers: 0 });
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
    const zoneOf = (name: string): string => {
      const { query, questionEnd } = queryPacket(name);
      return zones.labels[zones.matchWire(query, questionEnd)]!;
    };
    expect(zoneOf('a.b.svc.cluster.local')).toBe('svc.cluster.local.');
    expect(zoneOf('a.pod.cluster.local')).toBe('cluster.local.');
    expect(zoneOf('local')).toBe('.');
  });

  describe('ZoneLabels.matchWire', () => {
    const zones = new ZoneLabels(['cluster.local', 'svc.cluster.local', 'in-addr.arpa']);
    const zoneOf = (name: string): string => {
      const { query, questionEnd } = queryPacket(name);
      return zones.labels[zones.matchWire(query, questionEnd)]!;
    };

    it('compares letters case-insensitively, as RFC 4343 asks', () => {
      expect(zoneOf('Web.Default.SVC.Cluster.LOCAL')).toBe('svc.cluster.local.');
      expect(zoneOf('POD.CLUSTER.local')).toBe('cluster.local.');
      expect(zoneOf('4.3.2.1.IN-ADDR.ARPA')).toBe('in-addr.arpa.');
    });

    it('a name equal to a zone falls in that zone', () => {
      expect(zoneOf('cluster.local')).toBe('cluster.local.');
      expect(zoneOf('svc.cluster.local')).toBe('svc.cluster.local.');
      expect(zoneOf('In-Addr.Arpa')).toBe('in-addr.arpa.');
    });

    it('a name in a nested zone counts under the longer zone, its siblings under the shorter', () => {
      expect(zoneOf('web.shop.svc.cluster.local')).toBe('svc.cluster.local.');
      expect(zoneOf('10-0-0-1.shop.pod.cluster.local')).toBe('cluster.local.');
      expect(zoneOf('svcx.cluster.local')).toBe('cluster.local.');
    });

    it('names outside every zone, the root and a bare TLD count under "."', () => {
      expect(zoneOf('example.com')).toBe('.');
      expect(zoneOf('local')).toBe('.');
      expect(zoneOf('cluster.local.example.com')).toBe('.');
      expect(zoneOf('')).toBe('.');
    });

    it('a label that merely ends with the zone text is not in the zone', () => {
      expect(zoneOf('xcluster.local')).toBe('.');
      expect(zoneOf('a.xcluster.local')).toBe('.');
      expect(zoneOf('web.xsvc.cluster.local')).toBe('cluster.local.');
    });

    it('a query without a readable question counts as "dropped"', () => {
      expect(zones.labels[zones.matchWire(NO_QUESTION.query, 0)]).toBe('dropped');
      // questionEnd 0 wins even when the buffer happens to hold a name.
      expect(zones.labels[zones.matchWire(queryPacket('cluster.local').query, 0)]).toBe('dropped');
    });

    it('a name cut short by questionEnd or the buffer counts as "dropped" instead of reading past it', () => {
      const { query, questionEnd } = queryPacket('web.svc.cluster.local');
      expect(zones.labels[zones.matchWire(query, questionEnd - 6)]).toBe('dropped');
      expect(zones.labels[zones.matchWire(query.subarray(0, 20), questionEnd)]).toBe('dropped');
    });

    it('reads the question only, wherever the packet continues', () => {
      const { query, questionEnd } = queryPacket('web.svc.cluster.local');
      const withAdditional = Buffer.concat([query, Buffer.from([0, 0, 41, 4, 208, 0, 0, 0, 0, 0, 0])]);
      expect(zones.labels[zones.matchWire(withAdditional, questionEnd)]).toBe('svc.cluster.local.');
    });

    it('a name with the most labels a 255-octet name can hold (127) is matched whole', () => {
      const deep = new ZoneLabels(['x.y']);
      const { query, questionEnd } = queryPacket(`${'b.'.repeat(125)}x.y`);
      expect(questionEnd - 12 - 4).toBe(255);
      expect(deep.labels[deep.matchWire(query, questionEnd)]).toBe('x.y.');
      const outside = queryPacket(`${'b.'.repeat(125)}x.z`);
      expect(deep.labels[deep.matchWire(outside.query, outside.questionEnd)]).toBe('.');
    });
  });

  it('type names and codes convert both ways', () => {
    expect(typeCode('aaaa')).toBe(28);
    expect(typeCode('TYPE65')).toBe(65);
    expect(typeCode('33')).toBe(33);
    expect(typeCode('bogus')).toBeNull();
    expect(typeName(99)).toBe('TYPE99');
  });
});

describe('counting many queries', () => {
  it('adds up thousands of queries exactly', async () => {
    const m = setUp();
    for (let i = 0; i < 2_500; i++) m.observe({ by: i % 5 === 0 ? 'cache' : 'resolver', rcode: i % 2 === 0 ? 0 : 3, answers: i % 2 === 0 ? 1 : 0, responseBytes: 100 + (i % 3) });
    const text = await m.scrape();
    expect(text).toContain('coredns_dns_requests_total{server="dns://:1053",zone="cluster.local.",view="",proto="udp",family="1",type="A"} 2500');
    expect(text).toContain('coredns_dns_responses_total{server="dns://:1053",zone="cluster.local.",view="",rcode="NOERROR",plugin="cache"} 250');
    expect(text).toContain('coredns_dns_responses_total{server="dns://:1053",zone="cluster.local.",view="",rcode="NXDOMAIN",plugin="kubernetes"} 1000');
    expect(text).toContain('coredns_cache_requests_total{server="dns://:1053",zones="cluster.local.,in-addr.arpa.,ip6.arpa.",view=""} 2500');
    expect(text).toContain('coredns_cache_hits_total{server="dns://:1053",type="success",zones="cluster.local.,in-addr.arpa.,ip6.arpa.",view=""} 250');
    expect(text).toContain('coredns_cache_hits_total{server="dns://:1053",type="denial",zones="cluster.local.,in-addr.arpa.,ip6.arpa.",view=""} 250');
    // Response sizes 100, 101, 102 in turn: their sum is exact.
    const sum = Array.from({ length: 2_500 }, (_, i) => 100 + (i % 3)).reduce((a, b) => a + b, 0);
    expect(text).toContain(`coredns_dns_response_size_bytes_sum{server="dns://:1053",zone="cluster.local.",view="",proto="udp"} ${sum}`);
  });

  it('shows each query in the counters as soon as they are read', () => {
    const m = setUp();
    m.observe({});
    expect(m.stats.totalRequests()).toBe(1);
    m.observe({ transport: 'tcp' });
    expect(m.stats.totalRequests()).toBe(2);
    expect(m.stats.cacheRequests).toBe(2);
  });
});
