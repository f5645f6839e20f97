// Names invalid whatever their labels (the search-path expansions of ndots:5) are answered from
// their shape: byte for byte what the resolver's path gives, for every name, type, letter case and
// EDNS form; never for a name the grammar could hold; always with the zone's current SOA.
import { describe, expect, it } from 'vitest';
import { LiveResolver } from '../../../src/config/live-resolver.js';
import { createLogger } from '../../../src/logger.js';
import { Rcode, RRType, type Client, type Resolver } from '../../../src/resolve/message.js';
import { invalidByShape, parseClusterName, type TreeLabel } from '../../../src/resolve/name-grammar.js';
import { ClusterResolver, type ResolverOptions } from '../../../src/resolve/resolver.js';
import { Dispatcher, type AnsweredBy } from '../../../src/wire/dispatcher.js';
import { ReplyScratch } from '../../../src/wire/response.js';
import { ZoneIndex } from '../../../src/zone/index.js';
import { labels, query, type QuerySpec } from '../../wire/support.js';

const UDP: Client = { address: '10.0.0.7', port: 40000, transport: 'udp' };
const TCP: Client = { address: '10.0.0.7', port: 40000, transport: 'tcp' };

const OPTIONS: ResolverOptions = {
  zones: ['cluster.local', '10.in-addr.arpa'], ttl: 5, pods: 'insecure', namespaces: [], ignoreEmptyService: false,
  noEndpoints: false, fallthrough: null, nsAddresses: [],
};

function setUp(options: Partial<ResolverOptions> = {}, synced = true) {
  const clock = { ms: 1_700_000_000_000 };
  const zone = new ZoneIndex({ endpointPodNames: false, requiredKinds: ['service'], now: () => clock.ms });
  zone.upsert({
    kind: 'service',
    obj: {
      namespace: 'ns', name: 'web', kind: 'ClusterIP', clusterIPs: ['10.96.0.10'],
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }], hasSelector: true,
    },
  });
  if (synced) zone.forceSynced();
  const live = new LiveResolver(new ClusterResolver(zone, { ...OPTIONS, ...options }), zone);
  const by: AnsweredBy[] = [];
  const fast = new Dispatcher({ resolver: live, generations: live, logger: createLogger('silent'), observer: { observe: (e) => by.push(e.answeredBy) } });
  // The same resolver without its NameShapes, and no cache: every reply is built by the resolver.
  const plain: Resolver = { resolve: (q, client) => live.resolve(q, client) };
  const reference = new Dispatcher({ resolver: plain, generations: live, logger: createLogger('silent'), cacheEntries: 0 });
  return { zone, clock, live, fast, reference, by };
}

type Setup = ReturnType<typeof setUp>;

function reply(dispatcher: Dispatcher, buf: Buffer, client: Client = UDP, scratch?: ReplyScratch): Buffer {
  const out = dispatcher.handle(buf, client, scratch);
  if (!Buffer.isBuffer(out)) throw new Error('expected a synchronous reply');
  return Buffer.from(out);
}

/** Asks both dispatchers; expects the same bytes and returns who answered on the fast one. */
function compare(s: Setup, spec: QuerySpec, client: Client = UDP): AnsweredBy {
  const buf = query(spec);
  const expected = reply(s.reference, buf, client);
  const got = reply(s.fast, buf, client, client.transport === 'udp' ? new ReplyScratch() : undefined);
  expect(got.toString('hex'), `${spec.labels.join('.')} type ${spec.type ?? 1}`).toBe(expected.toString('hex'));
  return s.by.at(-1)!;
}

const IMPOSSIBLE = [
  'web.ns.svc.cluster.local.ns.svc.cluster.local',
  'web.ns.svc.cluster.local.svc.cluster.local',
  'web.ns.svc.cluster.local.cluster.local',
  'www.example.com.cluster.local',
  'foo.cluster.local',
  'a.b.c.d.pod.cluster.local',
  'x.dns-version.cluster.local',
  'WEB.NS.SVC.Cluster.LOCAL.svc.cLuStEr.local',
  'a.b.c.d.e.SVC.CLUSTER.LOCAL',
];

const POSSIBLE = [
  'cluster.local', 'svc.cluster.local', 'pod.cluster.local', 'ns.svc.cluster.local', 'nope.svc.cluster.local',
  'web.ns.svc.cluster.local', 'Web.Ns.Svc.Cluster.Local', 'nope.ns.svc.cluster.local', 'x.web.ns.svc.cluster.local',
  '_http._tcp.web.ns.svc.cluster.local', 'a.b.web.ns.svc.cluster.local', 'www.example.com.ns.svc.cluster.local',
  '10-0-0-1.ns.pod.cluster.local', 'ns.dns.cluster.local', 'dns-version.cluster.local', 'dns.cluster.local',
  '10.0.96.10.in-addr.arpa', 'x.y.10.0.96.10.in-addr.arpa',
];

/** Names the template's own SOA names could be compressed into: the resolver's path answers them. */
const SPELLED = ['x.ns.dns.cluster.local', 'a.b.c.dns.cluster.local', 'a.hostmaster.cluster.local', 'a.HostMaster.cluster.local'];

const TYPES = [RRType.A, RRType.AAAA, RRType.SRV, RRType.TXT, RRType.PTR, RRType.ANY, RRType.SOA, RRType.NS, 15, 257];
const EDNS: QuerySpec['edns'][] = [
  null,
  { udpSize: 4096, dnssecOk: true },
  { udpSize: 512, options: Buffer.from([0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]) },
  // Padding longer than the reply: the query cannot be copied in whole.
  { udpSize: 1232, options: Buffer.concat([Buffer.from([0, 12, 0x01, 0x90]), Buffer.alloc(400)]) },
];

describe('names invalid whatever their labels', () => {
  it('are answered from their shape, byte for byte as the resolver answers them', () => {
    const s = setUp();
    for (const name of IMPOSSIBLE) {
      for (const type of TYPES) {
        for (const edns of EDNS) {
          expect(compare(s, { labels: labels(name), type, edns, flags: 0x0110 })).toBe('shape');
          expect(compare(s, { labels: labels(name), type, edns, flags: 0 }, TCP)).toBe('shape');
        }
      }
    }
    const first = query({ labels: labels(IMPOSSIBLE[0]!) });
    expect(reply(s.fast, first)[3]! & 0x0f).toBe(Rcode.NXDOMAIN);
  });

  it('include names with unusual bytes: a dot inside a label, bytes above 0x7f, a 255-byte name', () => {
    const s = setUp();
    const long = [...Array<string>(3).fill('x'.repeat(63)), 'y'.repeat(47), 'cluster', 'local'];
    expect(long.reduce((n, l) => n + l.length + 1, 1)).toBe(255);
    for (const name of [['a.b', 'c', 'cluster', 'local'], ['\u00e9t\u00e9', 'cluster', 'local'], long]) {
      expect(compare(s, { labels: name })).toBe('shape');
    }
  });

  it('never include a name the grammar could hold, nor one the SOA could point into', () => {
    const s = setUp();
    for (const name of [...POSSIBLE, ...SPELLED]) {
      for (const type of [RRType.A, RRType.AAAA, RRType.SRV, RRType.PTR]) {
        expect(compare(s, { labels: labels(name), type })).not.toBe('shape');
      }
    }
    for (const type of [RRType.AXFR, RRType.IXFR]) expect(compare(s, { labels: labels(IMPOSSIBLE[0]!), type })).not.toBe('shape');
  });

  it('carry the SOA serial of the zone as it is now', () => {
    const s = setUp();
    const name = { labels: labels(IMPOSSIBLE[2]!) };
    const before = reply(s.fast, query(name));
    s.clock.ms += 60_000;
    s.zone.upsert({
      kind: 'service',
      obj: { namespace: 'ns', name: 'api', kind: 'ClusterIP', clusterIPs: ['10.96.0.11'], ports: [], hasSelector: true },
    });
    const after = reply(s.fast, query(name));
    expect(after.equals(before)).toBe(false);
    expect(after.readUInt32BE(after.length - 20)).toBe(s.zone.serial);
    expect(compare(s, name)).toBe('shape');
  });

  it('are SERVFAIL from the resolver until the zone has synced (an answer no cache may keep)', () => {
    const s = setUp({}, false);
    const name = { labels: labels(IMPOSSIBLE[0]!) };
    expect(compare(s, name)).toBe('resolver');
    expect(reply(s.fast, query(name))[3]! & 0x0f).toBe(Rcode.SERVFAIL);
    s.zone.forceSynced();
    expect(compare(s, name)).toBe('shape');
    expect(reply(s.fast, query(name))[3]! & 0x0f).toBe(Rcode.NXDOMAIN);
  });

  it('go the resolver\'s way under --fallthrough, and from the moment a reload turns it on', () => {
    const s = setUp({ fallthrough: [] });
    expect(compare(s, { labels: labels(IMPOSSIBLE[0]!) })).not.toBe('shape');

    const t = setUp();
    expect(compare(t, { labels: labels(IMPOSSIBLE[0]!) })).toBe('shape');
    t.live.replace(new ClusterResolver(t.zone, { ...OPTIONS, fallthrough: [] }));
    expect(compare(t, { labels: labels(IMPOSSIBLE[0]!) })).not.toBe('shape');
  });

  it('leave long names to the resolver under the zonal option', () => {
    const s = setUp({ zonal: true });
    expect(compare(s, { labels: labels('a.b.pin._zone.web.ns.svc.cluster.local') })).not.toBe('shape');
    expect(compare(s, { labels: labels(IMPOSSIBLE[0]!) })).not.toBe('shape');
    expect(compare(s, { labels: labels(IMPOSSIBLE[2]!) })).toBe('shape');
  });
});

describe('invalidByShape', () => {
  // Random names over the grammar's own words: every shape verdict must be one parseClusterName shares.
  const WORDS = ['svc', 'pod', 'dns', 'dns-version', 'ns', 'web', '_http', '_tcp', 'pin', 'prefer', '_zone', 'x', '1-2-3-4'];
  const TREES: Record<string, TreeLabel> = { svc: 'svc', pod: 'pod', dns: 'dns', 'dns-version': 'dns-version' };
  let seed = 7;
  const random = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };

  for (const zonal of [false, true]) {
    it(`never calls a name invalid that parseClusterName can read (zonal ${zonal})`, () => {
      let verdicts = 0;
      for (let i = 0; i < 50_000; i++) {
        const rest = 1 + random(9);
        const lower = Array.from({ length: rest }, () => WORDS[random(WORDS.length)]!);
        const tree = TREES[lower[rest - 1]!] ?? 'other';
        if (!invalidByShape(rest, tree, zonal)) continue;
        verdicts++;
        expect(parseClusterName(lower, rest, zonal).kind, lower.join('.')).toBe('invalid');
      }
      expect(verdicts).toBeGreaterThan(10_000);
    });
  }

  it('has no verdict on the apex', () => {
    for (const tree of ['svc', 'pod', 'dns', 'dns-version', 'other'] as const) expect(invalidByShape(0, tree, false)).toBe(false);
  });
});
