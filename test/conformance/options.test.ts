// The options that change what exists, over the wire of the built server: pod records in the three
// modes, namespace exposure, --ignore-empty-service, --no-endpoints, --fallthrough, zone spelling,
// and the apex NS as CoreDNS builds it from our own address.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RRType } from '../../src/resolve/message.js';
import { UdpClient } from './support/client.js';
import { shopYaml } from './support/shop.js';
import { serveManifests } from './support/suite-server.js';
import { lines, RCODE } from './support/text.js';
import { startUpstreamStub, type UpstreamStub } from './support/upstream-stub.js';

const Z = 'shop.svc.cluster.local';

/** Starts a server over the shop cluster with `flags`, runs `body` with a client, stops it. */
async function withServer(flags: string[], body: (ask: (name: string, type: number) => ReturnType<UdpClient['ask']>) => Promise<void>, ipv6 = false): Promise<void> {
  const served = await serveManifests(shopYaml, flags.includes('--upstream') ? flags : [...flags, '--upstream', 'none'], { ipv6 });
  const client = new UdpClient('127.0.0.1', served.server.port);
  try {
    await body((name, type) => client.ask(name, type));
  } finally {
    client.close();
    await served.stop();
  }
}

describe('pod records', () => {
  it('disabled (the default): every name below pod.<zone> is NXDOMAIN, pod.<zone> itself NODATA', async () => {
    await withServer([], async (ask) => {
      expect((await ask('10-244-0-10.shop.pod.cluster.local', RRType.A)).packet.header.rcode).toBe(RCODE.NXDOMAIN);
      expect((await ask('shop.pod.cluster.local', RRType.A)).packet.header.rcode).toBe(RCODE.NXDOMAIN);
      const tree = (await ask('pod.cluster.local', RRType.A)).packet;
      expect([tree.header.rcode, tree.answers.length]).toEqual([RCODE.NOERROR, 0]);
    });
  });

  it('insecure: any address in an existing namespace, from the label alone', async () => {
    await withServer(['--pods', 'insecure'], async (ask) => {
      expect(lines((await ask('10-9-9-9.shop.pod.cluster.local', RRType.A)).packet.answers)).toEqual(['10-9-9-9.shop.pod.cluster.local 5 A 10.9.9.9']);
      expect(lines((await ask('fd00--9.shop.pod.cluster.local', RRType.AAAA)).packet.answers)).toEqual(['fd00--9.shop.pod.cluster.local 5 AAAA fd00::9']);
      const otherFamily = (await ask('10-9-9-9.shop.pod.cluster.local', RRType.AAAA)).packet;
      expect([otherFamily.header.rcode, otherFamily.answers.length]).toEqual([RCODE.NOERROR, 0]);
      expect((await ask('not-an-ip.shop.pod.cluster.local', RRType.A)).packet.header.rcode).toBe(RCODE.NXDOMAIN);
      expect((await ask('10-9-9-9.nsnoexist.pod.cluster.local', RRType.A)).packet.header.rcode).toBe(RCODE.NXDOMAIN);
      expect((await ask('shop.pod.cluster.local', RRType.A)).packet.header.rcode).toBe(RCODE.NOERROR);
    });
  });

  it('verified: only the address of a running Pod in that namespace, from the Pod objects in the files', async () => {
    await withServer(['--pods', 'verified'], async (ask) => {
      expect(lines((await ask('10-244-0-10.shop.pod.cluster.local', RRType.A)).packet.answers)).toEqual(['10-244-0-10.shop.pod.cluster.local 5 A 10.244.0.10']);
      for (const name of ['10-9-9-9.shop.pod.cluster.local', '10-244-0-10.other.pod.cluster.local', '10-244-0-99.shop.pod.cluster.local']) {
        expect((await ask(name, RRType.A)).packet.header.rcode, name).toBe(RCODE.NXDOMAIN);
      }
    });
  });
});

describe('--namespaces', () => {
  it('exposes only the namespaces listed: the others are NXDOMAIN, their PTRs too', async () => {
    await withServer(['--namespaces', 'shop,kube-system', '--zone', 'cluster.local', '--zone', '10.0.0.0/8'], async (ask) => {
      expect(lines((await ask(`web.${Z}`, RRType.A)).packet.answers)).toEqual([`web.${Z} 5 A 10.96.0.20`]);
      expect((await ask('hidden.other.svc.cluster.local', RRType.A)).packet.header.rcode).toBe(RCODE.NXDOMAIN);
      expect((await ask('other.svc.cluster.local', RRType.A)).packet.header.rcode).toBe(RCODE.NXDOMAIN);
      expect((await ask('shop.svc.cluster.local', RRType.A)).packet.header.rcode).toBe(RCODE.NOERROR);
      expect((await ask('30.0.96.10.in-addr.arpa', RRType.PTR)).packet.header.rcode).toBe(RCODE.NXDOMAIN);
      expect((await ask('1.2.244.10.in-addr.arpa', RRType.PTR)).packet.header.rcode).toBe(RCODE.NXDOMAIN);
    });
  });
});

describe('--ignore-empty-service and --no-endpoints', () => {
  it('ignore-empty-service: a ClusterIP service without ready endpoints is NXDOMAIN for every type', async () => {
    await withServer([], async (ask) => {
      expect(lines((await ask(`lonely.${Z}`, RRType.A)).packet.answers)).toEqual([`lonely.${Z} 5 A 10.96.0.22`]);
    });
    await withServer(['--ignore-empty-service'], async (ask) => {
      for (const type of [RRType.A, RRType.SRV, RRType.TXT]) expect((await ask(`lonely.${Z}`, type)).packet.header.rcode).toBe(RCODE.NXDOMAIN);
      expect(lines((await ask(`web.${Z}`, RRType.A)).packet.answers)).toEqual([`web.${Z} 5 A 10.96.0.20`]);
      expect((await ask(`ext.${Z}`, RRType.CNAME)).packet.answers).toHaveLength(1);
    });
  });

  it('no-endpoints: headless and endpoint names and endpoint PTRs are NXDOMAIN, cluster IPs still answer', async () => {
    await withServer(['--no-endpoints', '--zone', 'cluster.local', '--zone', '10.0.0.0/8', '--pod-ip', '10.244.5.5'], async (ask) => {
      expect(lines((await ask(`web.${Z}`, RRType.A)).packet.answers)).toEqual([`web.${Z} 5 A 10.96.0.20`]);
      for (const name of [`db.${Z}`, `ep1.web.${Z}`, `db-0.db.${Z}`]) expect((await ask(name, RRType.A)).packet.header.rcode, name).toBe(RCODE.NXDOMAIN);
      expect((await ask('1.1.244.10.in-addr.arpa', RRType.PTR)).packet.header.rcode).toBe(RCODE.NXDOMAIN);
      expect(lines((await ask('20.0.96.10.in-addr.arpa', RRType.PTR)).packet.answers)).toEqual([`20.0.96.10.in-addr.arpa 5 PTR web.${Z}`]);
      // Without endpoints nothing fronts us: the apex NS falls back to ns.dns.<zone>.
      expect(lines((await ask('cluster.local', RRType.NS)).packet.answers)).toEqual(['cluster.local 5 NS ns.dns.cluster.local']);
    });
  });
});

describe('--fallthrough', () => {
  let upstream: UpstreamStub;
  beforeAll(async () => {
    upstream = await startUpstreamStub([
      { name: '4.3.2.1.in-addr.arpa.', type: 'PTR', ttl: 20, rdata: { ptr: 'host.example.test.' } },
      { name: '9.9.0.10.in-addr.arpa.', type: 'PTR', ttl: 20, rdata: { ptr: 'elsewhere.example.test.' } },
      { name: 'svc0.shop.svc.cluster.local.', type: 'A', ttl: 20, rdata: { address: '192.0.2.50' } },
    ]);
  });
  afterAll(async () => upstream?.close());

  it('passes NXDOMAIN in the listed zones (names with or without the dot, or CIDRs) to the upstream; NODATA never', async () => {
    const flags = ['--zone', 'cluster.local.', '--zone', 'in-addr.arpa', '--zone', '10.0.0.0/8', '--fallthrough=1.in-addr.arpa.,10.0.0.0/8', '--upstream', `127.0.0.1:${upstream.port}`];
    await withServer(flags, async (ask) => {
      expect(lines((await ask('4.3.2.1.in-addr.arpa', RRType.PTR)).packet.answers)).toEqual(['4.3.2.1.in-addr.arpa 20 PTR host.example.test']);
      expect(lines((await ask('9.9.0.10.in-addr.arpa', RRType.PTR)).packet.answers)).toEqual(['9.9.0.10.in-addr.arpa 20 PTR elsewhere.example.test']);
      // Our own answers stay ours; NXDOMAIN outside the fallthrough zones too.
      expect(lines((await ask('20.0.96.10.in-addr.arpa', RRType.PTR)).packet.answers)).toEqual([`20.0.96.10.in-addr.arpa 5 PTR web.${Z}`]);
      expect((await ask('4.3.2.2.in-addr.arpa', RRType.PTR)).packet.header.rcode).toBe(RCODE.NXDOMAIN);
      expect((await ask('svc0.shop.svc.cluster.local', RRType.A)).packet.header.rcode).toBe(RCODE.NXDOMAIN);
    });
  });

  it('with no zones listed covers every zone, and still keeps NODATA', async () => {
    await withServer(['--fallthrough', '--upstream', `127.0.0.1:${upstream.port}`], async (ask) => {
      expect(lines((await ask('svc0.shop.svc.cluster.local', RRType.A)).packet.answers)).toEqual(['svc0.shop.svc.cluster.local 20 A 192.0.2.50']);
      const nodata = (await ask(`single.${Z}`, RRType.AAAA)).packet;
      expect([nodata.header.rcode, nodata.answers.length, nodata.authorities[0]?.name]).toEqual([RCODE.NOERROR, 0, 'cluster.local']);
    });
  });
});

describe('zone names', () => {
  it('accepts zones in any case, with or without the trailing dot', async () => {
    await withServer(['--zone', 'CLUSTER.Local.', '--zone', 'k8s.test'], async (ask) => {
      expect(lines((await ask(`web.${Z}`, RRType.A)).packet.answers)).toEqual([`web.${Z} 5 A 10.96.0.20`]);
      expect(lines((await ask('web.shop.svc.k8s.test', RRType.A)).packet.answers)).toEqual(['web.shop.svc.k8s.test 5 A 10.96.0.20']);
    });
  });
});

describe('NS at the apex, as CoreDNS builds it', () => {
  it('names the ClusterIP service whose endpoints include our address, its cluster IPs as glue', async () => {
    await withServer(['--pod-ip', '10.244.5.5'], async (ask) => {
      const ns = (await ask('cluster.local', RRType.NS)).packet;
      expect(lines(ns.answers)).toEqual(['cluster.local 5 NS kube-dns.kube-system.svc.cluster.local']);
      expect(lines(ns.additionals)).toEqual(['kube-dns.kube-system.svc.cluster.local 5 A 10.96.0.10']);
      expect(lines((await ask('ns.dns.cluster.local', RRType.A)).packet.answers)).toEqual(['ns.dns.cluster.local 5 A 10.96.0.10']);
      // The SOA still names ns.dns.<zone>.
      expect(lines((await ask('cluster.local', RRType.SOA)).packet.answers)).toEqual(['cluster.local 5 SOA ns.dns.cluster.local hostmaster.cluster.local']);
    });
  });

  it('names each endpoint of a headless service that selects us, the endpoint addresses as glue', async () => {
    await withServer(['--pod-ip', '10.244.5.6'], async (ask) => {
      const ns = (await ask('cluster.local', RRType.NS)).packet;
      expect(lines(ns.answers)).toEqual([
        'cluster.local 5 NS dns-a.dns-peers.kube-system.svc.cluster.local',
        'cluster.local 5 NS dns-b.dns-peers.kube-system.svc.cluster.local',
      ]);
      expect(lines(ns.additionals)).toEqual([
        'dns-a.dns-peers.kube-system.svc.cluster.local 5 A 10.244.5.6',
        'dns-b.dns-peers.kube-system.svc.cluster.local 5 A 10.244.5.7',
      ]);
    });
  });

  it('otherwise names ns.dns.<zone> with the addresses we listen on, IPv4 and IPv6, and answers them for ns.dns', async () => {
    await withServer([], async (ask) => {
      const ns = (await ask('cluster.local', RRType.NS)).packet;
      expect(lines(ns.answers)).toEqual(['cluster.local 5 NS ns.dns.cluster.local']);
      expect(lines(ns.additionals)).toEqual(['ns.dns.cluster.local 5 A 127.0.0.1', 'ns.dns.cluster.local 5 AAAA ::1']);
      expect(lines((await ask('ns.dns.cluster.local', RRType.AAAA)).packet.answers)).toEqual(['ns.dns.cluster.local 5 AAAA ::1']);
    }, true);
  });
});
