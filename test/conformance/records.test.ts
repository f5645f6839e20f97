// The records of the Kubernetes DNS specification and CoreDNS's extensions, asked over the wire of
// the built server serving a small dual-stack cluster (support/shop.ts): SRV, endpoint names, PTR
// with CIDR reverse zones, ExternalName, dns-version.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RRType } from '../../src/resolve/message.js';
import { canonicalIP } from '../../src/cluster/ip.js';
import { loadCaseFile } from '../unit/resolve/helpers/coredns-cases.js';
import { UdpClient } from './support/client.js';
import { toYaml } from './support/manifests.js';
import { headlessService, namespace, slice } from './support/objects.js';
import { shopYaml } from './support/shop.js';
import { serveManifests } from './support/suite-server.js';
import { lines, RCODE } from './support/text.js';
import { startUpstreamStub, type UpstreamStub } from './support/upstream-stub.js';

const Z = 'shop.svc.cluster.local';
const V6_ZONE = '0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa';

/** The 32-nibble ip6.arpa name of a full IPv6 address written as 8 groups. */
function nibbles(groups: string): string {
  return groups.split(':').map((g) => g.padStart(4, '0')).join('').split('').reverse().join('.') + '.ip6.arpa';
}

let upstream: UpstreamStub;
let served: Awaited<ReturnType<typeof serveManifests>>;
let client: UdpClient;

beforeAll(async () => {
  upstream = await startUpstreamStub([
    { name: 'api.example.test.', type: 'A', ttl: 60, rdata: { address: '203.0.113.7' } },
    { name: 'api.example.test.', type: 'TXT', ttl: 60, rdata: { txt: ['hello'] } },
  ]);
  served = await serveManifests(shopYaml, [
    '--zone', '10.96.0.0/12', '--zone', 'cluster.local', '--zone', 'k8s.test.', '--zone', '10.244.0.0/16',
    '--zone', 'fd00::/48', '--zone', 'fd00:96::/32', '--ttl', '30', '--upstream', `127.0.0.1:${upstream.port}`,
  ]);
  client = new UdpClient('127.0.0.1', served.server.port);
});
afterAll(async () => {
  client?.close();
  await served?.stop();
  await upstream?.close();
});

const ask = async (name: string, type: number) => (await client.ask(name, type)).packet;

describe('SRV', () => {
  it('answers _port._proto of a ClusterIP service with the service as target, priority 0, weight floor(100/N), its addresses in Additional', async () => {
    const reply = await ask(`_http._tcp.web.${Z}`, RRType.SRV);
    // N = 2: one port over two cluster IPs; the (target, port) duplicate is removed after weighing.
    expect(lines(reply.answers)).toEqual([`_http._tcp.web.${Z} 30 SRV 0 50 80 web.${Z}`]);
    expect(lines(reply.additionals)).toEqual([`web.${Z} 30 A 10.96.0.20`, `web.${Z} 30 AAAA fd00:96::20`]);
  });

  it('answers every port on the bare name, unnamed ports included', async () => {
    expect(lines((await ask(`web.${Z}`, RRType.SRV)).answers)).toEqual([
      `web.${Z} 30 SRV 0 25 80 web.${Z}`, `web.${Z} 30 SRV 0 25 9100 web.${Z}`,
    ]);
    expect(lines((await ask(`single.${Z}`, RRType.SRV)).answers)).toEqual([`single.${Z} 30 SRV 0 100 8080 single.${Z}`]);
    expect((await ask(`_http._tcp.single.${Z}`, RRType.SRV)).header.rcode).toBe(RCODE.NXDOMAIN);
  });

  it('answers one SRV per endpoint of a headless service, targets named by endpoint, merged over slices and de-duplicated', async () => {
    const reply = await ask(`_postgres._tcp.db.${Z}`, RRType.SRV);
    // N = 6 items (3 + 2 + the skewed duplicate of db-0): weight 16; 4 distinct targets.
    expect(lines(reply.answers)).toEqual([
      `_postgres._tcp.db.${Z} 30 SRV 0 16 5432 10-244-1-3.db.${Z}`,
      `_postgres._tcp.db.${Z} 30 SRV 0 16 5432 db-0.db.${Z}`,
      `_postgres._tcp.db.${Z} 30 SRV 0 16 5432 db-1.db.${Z}`,
      `_postgres._tcp.db.${Z} 30 SRV 0 16 5432 fd00-0-0-1--0.db.${Z}`,
    ]);
    expect(lines(reply.additionals)).toEqual([
      `10-244-1-3.db.${Z} 30 A 10.244.1.3`, `db-0.db.${Z} 30 A 10.244.1.1`, `db-0.db.${Z} 30 AAAA fd00::1`,
      `db-1.db.${Z} 30 A 10.244.1.2`, `fd00-0-0-1--0.db.${Z} 30 AAAA fd00:0:0:1::`,
    ]);
  });

  it("answers an endpoint name's own ports, from its slice (target ports), under a ClusterIP service too", async () => {
    const db0 = await ask(`db-0.db.${Z}`, RRType.SRV);
    expect(lines(db0.answers)).toEqual([`db-0.db.${Z} 30 SRV 0 33 5432 db-0.db.${Z}`]);
    expect(lines(db0.additionals)).toEqual([`db-0.db.${Z} 30 A 10.244.1.1`, `db-0.db.${Z} 30 AAAA fd00::1`]);
    expect(lines((await ask(`ep1.web.${Z}`, RRType.SRV)).answers)).toEqual([
      `ep1.web.${Z} 30 SRV 0 50 8080 ep1.web.${Z}`, `ep1.web.${Z} 30 SRV 0 50 9100 ep1.web.${Z}`,
    ]);
  });

  it('targets the zone the question matched, in the case it was asked', async () => {
    expect(lines((await ask('_HTTP._TCP.web.shop.svc.K8S.test', RRType.SRV)).answers)).toEqual([
      '_HTTP._TCP.web.shop.svc.K8S.test 30 SRV 0 50 80 web.shop.svc.K8S.test',
    ]);
  });

  it('is NXDOMAIN for an unknown port or protocol and NODATA for a portless slice', async () => {
    expect((await ask(`_http._udp.web.${Z}`, RRType.SRV)).header.rcode).toBe(RCODE.NXDOMAIN);
    expect((await ask(`_grpc._tcp.web.${Z}`, RRType.SRV)).header.rcode).toBe(RCODE.NXDOMAIN);
    const portless = await ask(`portless.${Z}`, RRType.SRV);
    expect([portless.header.rcode, portless.answers.length]).toEqual([RCODE.NOERROR, 0]);
    expect(lines((await ask(`portless.${Z}`, RRType.A)).answers)).toEqual([`portless.${Z} 30 A 10.244.4.2`]);
  });
});

describe('endpoint names', () => {
  it('answers a hostname with every address that carries it, across families and slices, once each', async () => {
    expect(lines((await ask(`db-0.db.${Z}`, RRType.A)).answers)).toEqual([`db-0.db.${Z} 30 A 10.244.1.1`]);
    expect(lines((await ask(`db-0.db.${Z}`, RRType.AAAA)).answers)).toEqual([`db-0.db.${Z} 30 AAAA fd00::1`]);
  });

  it('names an endpoint without hostname by its dashed IP: IPv6 compressed, `:` as `-`, a trailing 0', async () => {
    expect(lines((await ask(`10-244-1-3.db.${Z}`, RRType.A)).answers)).toEqual([`10-244-1-3.db.${Z} 30 A 10.244.1.3`]);
    expect(lines((await ask(`fd00-0-0-1--0.db.${Z}`, RRType.AAAA)).answers)).toEqual([`fd00-0-0-1--0.db.${Z} 30 AAAA fd00:0:0:1::`]);
    expect(lines((await ask('FD00-0-0-1--0.DB.shop.svc.cluster.local', RRType.AAAA)).answers)).toEqual(['FD00-0-0-1--0.DB.shop.svc.cluster.local 30 AAAA fd00:0:0:1::']);
  });

  it('answers endpoint names under a ClusterIP service too, and never for unready endpoints', async () => {
    expect(lines((await ask(`ep1.web.${Z}`, RRType.A)).answers)).toEqual([`ep1.web.${Z} 30 A 10.244.0.11`]);
    expect(lines((await ask(`10-244-0-10.web.${Z}`, RRType.A)).answers)).toEqual([`10-244-0-10.web.${Z} 30 A 10.244.0.10`]);
    expect((await ask(`web-0.web.${Z}`, RRType.A)).header.rcode).toBe(RCODE.NXDOMAIN);
    expect((await ask(`10-244-1-4.db.${Z}`, RRType.A)).header.rcode).toBe(RCODE.NXDOMAIN);
  });

  it('answers every type of a headless service without ready endpoints with NXDOMAIN', async () => {
    for (const type of [RRType.A, RRType.AAAA, RRType.SRV, RRType.TXT]) {
      expect((await ask(`unready.${Z}`, type)).header.rcode).toBe(RCODE.NXDOMAIN);
    }
  });
});

describe('endpoint names with --endpoint-pod-names', () => {
  it('uses the pod name when there is no hostname and it fits in a label', async () => {
    const named = await serveManifests(shopYaml, ['--endpoint-pod-names', '--zone', 'cluster.local', '--zone', '10.244.0.0/16', '--upstream', 'none']);
    const c = new UdpClient('127.0.0.1', named.server.port);
    try {
      const a = async (name: string) => (await c.ask(name, RRType.A)).packet;
      expect(lines((await a(`web-0.web.${Z}`)).answers)).toEqual([`web-0.web.${Z} 5 A 10.244.0.10`]);
      expect((await a(`10-244-0-10.web.${Z}`)).header.rcode).toBe(RCODE.NXDOMAIN);
      expect(lines((await a(`ep1.web.${Z}`)).answers)).toEqual([`ep1.web.${Z} 5 A 10.244.0.11`]);
      expect(lines((await a(`10-244-0-12.web.${Z}`)).answers)).toEqual([`10-244-0-12.web.${Z} 5 A 10.244.0.12`]);
      expect(lines((await c.ask('10.0.244.10.in-addr.arpa', RRType.PTR)).packet.answers)).toEqual([`10.0.244.10.in-addr.arpa 5 PTR web-0.web.${Z}`]);
    } finally {
      c.close();
      await named.stop();
    }
  });

  // Expectations from CoreDNS plugin/kubernetes kubernetes_test.go (TestEndpointHostname), Apache-2.0,
  // via shared/reference/conformance `endpoint_hostname_cases`: one service per case.
  const hostnameCases = loadCaseFile().endpoint_hostname_cases.cases;
  it.each([false, true])('chooses the label as CoreDNS does for every data-file case (endpoint_pod_names %s)', async (podNames) => {
    const cases = hostnameCases.map((c, i) => ({ ...c, service: `label-case-${i}` })).filter((c) => c.endpoint_pod_names === podNames);
    const objects = [namespace('names'), ...cases.flatMap((c) => [
      headlessService('names', c.service),
      slice('names', `${c.service}-1`, c.service, c.ip.includes(':') ? 'IPv6' : 'IPv4', [{
        addresses: [c.ip],
        ...(c.hostname !== null ? { hostname: c.hostname } : {}),
        ...(c.targetRefPodName !== null ? { pod: c.targetRefPodName } : {}),
      }]),
    ])];
    const named = await serveManifests(toYaml(objects), [...(podNames ? ['--endpoint-pod-names'] : []), '--upstream', 'none']);
    const c = new UdpClient('127.0.0.1', named.server.port);
    try {
      for (const hc of cases) {
        const reply = (await c.ask(`${hc.expected}.${hc.service}.names.svc.cluster.local`, hc.ip.includes(':') ? RRType.AAAA : RRType.A)).packet;
        expect(reply.answers.map((r) => canonicalIP((r as unknown as { address: string }).address)), `${hc.expected} ${hc.ip}`).toEqual([canonicalIP(hc.ip)]);
      }
    } finally {
      c.close();
      await named.stop();
    }
  });
});

describe('PTR', () => {
  it('names the first service owning a cluster IP, IPv4 and IPv6, in the primary zone', async () => {
    expect(lines((await ask('20.0.96.10.in-addr.arpa', RRType.PTR)).answers)).toEqual([`20.0.96.10.in-addr.arpa 30 PTR web.${Z}`]);
    const v6 = nibbles('fd00:0096:0:0:0:0:0:0020');
    expect(lines((await ask(v6, RRType.PTR)).answers)).toEqual([`${v6} 30 PTR web.${Z}`]);
  });

  it('names every service an endpoint address belongs to, once per target', async () => {
    expect(lines((await ask('1.1.244.10.in-addr.arpa', RRType.PTR)).answers)).toEqual([
      `1.1.244.10.in-addr.arpa 30 PTR 10-244-1-1.db-read.${Z}`,
      `1.1.244.10.in-addr.arpa 30 PTR db-0.db.${Z}`,
    ]);
    expect(lines((await ask('11.0.244.10.in-addr.arpa', RRType.PTR)).answers)).toEqual([`11.0.244.10.in-addr.arpa 30 PTR ep1.web.${Z}`]);
    const v6 = nibbles('fd00:0:0:1:0:0:0:0');
    expect(lines((await ask(v6, RRType.PTR)).answers)).toEqual([`${v6} 30 PTR fd00-0-0-1--0.db.${Z}`]);
    const db0 = nibbles('fd00:0:0:0:0:0:0:1');
    expect(lines((await ask(db0, RRType.PTR)).answers)).toEqual([`${db0} 30 PTR db-0.db.${Z}`]);
  });

  it('turns CIDR zones into octet and nibble zones, and owns the SOA of a miss by the zone matched', async () => {
    const soaOwner = async (name: string) => {
      const reply = await ask(name, RRType.PTR);
      expect(reply.header.rcode, name).toBe(RCODE.NXDOMAIN);
      return reply.authorities.map((r) => `${r.name} ${(r as unknown as { primary: string }).primary}`);
    };
    expect(await soaOwner('99.99.100.10.in-addr.arpa')).toEqual(['100.10.in-addr.arpa ns.dns.100.10.in-addr.arpa']);
    expect(await soaOwner('4.1.244.10.in-addr.arpa')).toEqual(['244.10.in-addr.arpa ns.dns.244.10.in-addr.arpa']);
    expect(await soaOwner(nibbles('fd00:0:0:9:0:0:0:9'))).toEqual([`${V6_ZONE} ns.dns.${V6_ZONE}`]);
  });
});

describe('ExternalName', () => {
  it('answers CNAME with the CNAME', async () => {
    expect(lines((await ask(`ext.${Z}`, RRType.CNAME)).answers)).toEqual([`ext.${Z} 30 CNAME api.example.test`]);
  });

  it('chases a target outside the zone through the upstream, the CNAME first', async () => {
    const reply = await ask(`ext.${Z}`, RRType.A);
    expect(reply.answers.map((r) => r.type)).toEqual([RRType.CNAME, RRType.A]);
    expect(reply.answers[1]).toMatchObject({ name: 'api.example.test', address: '203.0.113.7' });
    expect(upstream.asked).toContain('api.example.test');
    // Nothing of that type upstream: the CNAME alone, NOERROR.
    expect(lines((await ask(`ext.${Z}`, RRType.AAAA)).answers)).toEqual([`ext.${Z} 30 CNAME api.example.test`]);
  });

  it('chases a target inside the zone, following chains, the CNAMEs in order', async () => {
    expect(lines((await ask(`alias.${Z}`, RRType.AAAA)).answers)).toEqual([`alias.${Z} 30 CNAME web.${Z}`, `web.${Z} 30 AAAA fd00:96::20`]);
    const chain = await ask(`hop1.${Z}`, RRType.A);
    expect(chain.answers.map((r) => r.name)).toEqual([`hop1.${Z}`, `hop2.${Z}`, `alias.${Z}`, `web.${Z}`]);
    expect(chain.answers.at(-1)).toMatchObject({ type: RRType.A, address: '10.96.0.20' });
  });

  it('answers a loop with NODATA, an IP address externalName and names below an ExternalName with NXDOMAIN', async () => {
    const loop = await ask(`loop1.${Z}`, RRType.A);
    expect([loop.header.rcode, loop.answers.length]).toEqual([RCODE.NOERROR, 0]);
    for (const [name, type] of [[`byip.${Z}`, RRType.A], [`byip.${Z}`, RRType.CNAME], [`x.ext.${Z}`, RRType.A], [`_http._tcp.ext.${Z}`, RRType.SRV]] as const) {
      expect((await ask(name, type)).header.rcode, name).toBe(RCODE.NXDOMAIN);
    }
  });
});

describe('dns-version', () => {
  it('answers TXT "1.1.0" with TTL 28800 whatever --ttl says, in every forward zone', async () => {
    expect(lines((await ask('dns-version.cluster.local', RRType.TXT)).answers)).toEqual(['dns-version.cluster.local 28800 TXT 1.1.0']);
    expect(lines((await ask('dns-version.k8s.test', RRType.TXT)).answers)).toEqual(['dns-version.k8s.test 28800 TXT 1.1.0']);
  });
});
