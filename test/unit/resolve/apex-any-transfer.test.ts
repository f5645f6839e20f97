// The apex NS as CoreDNS builds it, ANY (RFC 8482), zonal names, and the zone-transfer listing.
import { describe, expect, it } from 'vitest';
import { Rcode, RRType } from '../../../src/resolve/message.js';
import { loadCaseFile } from './helpers/coredns-cases.js';
import { serve, service, texts } from './helpers/serve.js';
import { question } from './helpers/coredns-cases.js';

describe('apex NS', () => {
  it('names the ClusterIP service whose ready endpoints include our address, its cluster IPs as glue', () => {
    const { askSync } = serve({}, { nsAddresses: ['172.0.0.100'] });
    const ns = askSync('cluster.local', 'NS');
    expect(texts(ns?.answer)).toEqual(['cluster.local 5 NS kubedns.kube-system.svc.cluster.local']);
    expect(texts(ns?.additional)).toEqual(['kubedns.kube-system.svc.cluster.local 5 A 10.0.0.10']);
    expect(ns?.dependsOn).toEqual(['ip:172.0.0.100', 'svc:kube-system/kubedns']);
    expect(texts(askSync('ns.dns.cluster.local', 'A')?.answer)).toEqual(['ns.dns.cluster.local 5 A 10.0.0.10']);
    expect(askSync('ns.dns.cluster.local', 'AAAA')?.answer).toEqual([]);
  });

  it('names each endpoint of a headless service that selects us, with the endpoint addresses', () => {
    const ns = serve({}, { nsAddresses: ['172.0.0.2'] }).askSync('cluster.local', 'NS');
    expect(texts(ns?.answer)).toEqual([
      'cluster.local 5 NS 172-0-0-2.hdls1.testns.svc.cluster.local',
      'cluster.local 5 NS 172-0-0-3.hdls1.testns.svc.cluster.local',
      'cluster.local 5 NS 5678-abcd--1.hdls1.testns.svc.cluster.local',
      'cluster.local 5 NS 5678-abcd--2.hdls1.testns.svc.cluster.local',
      'cluster.local 5 NS dup-name.hdls1.testns.svc.cluster.local',
    ]);
    expect(ns?.additional).toHaveLength(6);
  });

  it('falls back to ns.dns.<zone> with our own addresses when no exposed service fronts us, or without endpoints', () => {
    for (const served of [
      serve({ namespaces: ['testns'] }, { nsAddresses: ['172.0.0.100', 'fd00::53'] }),
      serve({ noendpoints: true }, { nsAddresses: ['172.0.0.100', 'fd00::53'] }),
    ]) {
      const ns = served.askSync('Cluster.Local', 'NS');
      expect(texts(ns?.answer)).toEqual(['Cluster.Local 5 NS ns.dns.Cluster.Local']);
      expect(texts(ns?.additional)).toEqual(['ns.dns.Cluster.Local 5 A 172.0.0.100', 'ns.dns.Cluster.Local 5 AAAA fd00::53']);
    }
  });

  it('follows the fronting service when its cluster IP changes', () => {
    const { askSync, index } = serve({}, { nsAddresses: ['172.0.0.100'] });
    index.upsert(service('kube-system', 'kubedns', { clusterIPs: ['10.0.0.53', 'fd00::a'], ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }));
    expect(texts(askSync('cluster.local', 'NS')?.additional)).toEqual([
      'kubedns.kube-system.svc.cluster.local 5 A 10.0.0.53', 'kubedns.kube-system.svc.cluster.local 5 AAAA fd00::a',
    ]);
  });
});

describe('ANY (RFC 8482)', () => {
  const { askSync } = serve({ zones: ['cluster.local', 'in-addr.arpa'] });

  it('answers one HINFO "RFC8482" at a name that exists, cacheable like the name', () => {
    for (const name of ['svc1.testns.svc.cluster.local', 'hdls1.testns.svc.cluster.local', 'cluster.local', 'dns-version.cluster.local', '1.0.0.10.in-addr.arpa']) {
      const answer = askSync(name, 'ANY');
      expect(answer?.rcode, name).toBe(Rcode.NOERROR);
      expect(answer?.answer.map((r) => [r.name, r.data.type])).toEqual([[name, RRType.HINFO]]);
      const data = answer?.answer[0]?.data;
      expect(data !== undefined && 'raw' in data ? [...data.raw] : []).toEqual([7, ...Buffer.from('RFC8482'), 0]);
    }
    expect(askSync('svc1.testns.svc.cluster.local', 'ANY')?.dependsOn).toEqual(['svc:testns/svc1']);
  });

  it('is NXDOMAIN where the name does not exist, and the CNAME alone at an ExternalName', () => {
    expect(askSync('svc0.testns.svc.cluster.local', 'ANY')?.rcode).toBe(Rcode.NXDOMAIN);
    expect(askSync('9.9.9.9.in-addr.arpa', 'ANY')?.rcode).toBe(Rcode.NXDOMAIN);
    expect(texts(askSync('external.testns.svc.cluster.local', 'ANY')?.answer)).toEqual(['external.testns.svc.cluster.local 5 CNAME ext.interwebs.test']);
  });
});

describe('zonal names beyond the CoreDNS cases', () => {
  const zonal = (config = {}, options = {}) => serve({ namespaces: ['testns'], ...config }, { zonal: true, ...options }, [], 'unit-zonal');

  it('narrows AAAA too and answers NODATA for a family the zone lacks', () => {
    const { askSync } = zonal();
    const answer = askSync('us-west-2a.pin._zone.hdls.testns.svc.cluster.local', 'AAAA');
    expect([answer?.rcode, answer?.answer.length]).toEqual([Rcode.NOERROR, 0]);
  });

  it('matches the topology zone case-insensitively and echoes the name as asked', () => {
    const answer = zonal().askSync('US-WEST-2A.Pin._zone.hdls.testns.svc.cluster.local', 'A');
    expect(texts(answer?.answer)).toEqual(['US-WEST-2A.Pin._zone.hdls.testns.svc.cluster.local 5 A 172.0.0.1']);
  });

  it('is NXDOMAIN without the option, in a hidden namespace, and without endpoints', () => {
    const name = 'us-west-2a.pin._zone.hdls.testns.svc.cluster.local';
    expect(zonal({}, { zonal: false }).askSync(name, 'A')?.rcode).toBe(Rcode.NXDOMAIN);
    expect(zonal({ namespaces: ['other'] }).askSync(name, 'A')?.rcode).toBe(Rcode.NXDOMAIN);
    expect(zonal({ noendpoints: true }).askSync(name, 'A')?.rcode).toBe(Rcode.NXDOMAIN);
  });
});

describe('zone-transfer listing', () => {
  // Expectations from CoreDNS plugin/kubernetes xfr_test.go, Apache-2.0, via shared/reference/conformance.
  const listing = loadCaseFile().zone_transfer;

  it("lists the data file's zone_transfer in its exact order (SOA serial aside)", () => {
    const { resolver } = serve({ namespaces: listing.config.namespaces }, { nsAddresses: listing.config.local_ips });
    const records = resolver.transfer(question('cluster.local', 'AXFR')) ?? [];
    const expected = listing.records.map((r) => {
      const line = r.literal ?? '';
      return line.replace(/\.(\s|$)/g, '$1').replace(/ IN /, ' ').replace(/ SOA (\S+) (\S+) \d+ /, ' SOA $1 $2 ');
    });
    const actual = records.map((r) => {
      const d = r.data;
      const head = `${r.name} ${r.ttl}`;
      if ('address' in d) return `${head} ${d.type === RRType.A ? 'A' : 'AAAA'} ${d.address}`;
      if ('priority' in d) return `${head} SRV ${d.priority} ${d.weight} ${d.port} ${d.target}`;
      if ('mname' in d) return `${head} SOA ${d.mname} ${d.rname} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}`;
      if ('target' in d) return `${head} ${d.type === RRType.NS ? 'NS' : 'CNAME'} ${d.target}`;
      return `${head} ?`;
    });
    expect(actual).toEqual(expected);
  });

  it('is only for the apex of a forward zone', () => {
    const { resolver } = serve({ zones: ['cluster.local', 'in-addr.arpa'] });
    expect(resolver.transfer(question('svc.cluster.local', 'AXFR'))).toBeNull();
    expect(resolver.transfer(question('in-addr.arpa', 'AXFR'))).toBeNull();
    expect(resolver.transfer(question('example.com', 'AXFR'))).toBeNull();
    expect(resolver.transfer(question('Cluster.Local', 'AXFR'))?.[0]?.data.type).toBe(RRType.SOA);
  });

  it('leaves out hidden namespaces, endpoints under --no-endpoints, and ExternalNames that are addresses', () => {
    const { resolver } = serve({ noendpoints: true }, {}, [service('testns', 'byip', { externalName: '10.1.2.3' })]);
    const owners = new Set((resolver.transfer(question('cluster.local', 'AXFR')) ?? []).map((r) => r.name));
    expect(owners.has('hdls1.testns.svc.cluster.local')).toBe(false);
    expect(owners.has('byip.testns.svc.cluster.local')).toBe(false);
    expect(owners.has('svc1.unexposedns.svc.cluster.local')).toBe(true);
    const hidden = serve({ namespaces: ['testns'] }).resolver.transfer(question('cluster.local', 'AXFR')) ?? [];
    expect(hidden.some((r) => r.name.endsWith('.unexposedns.svc.cluster.local'))).toBe(false);
  });
});
