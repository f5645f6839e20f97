// Which records each name gives: SRV weights and de-duplication, NODATA versus NXDOMAIN, the CoreDNS
// quirks as decided, pods and the filtering options.
import { describe, expect, it } from 'vitest';
import { Rcode } from '../../../src/resolve/message.js';
import { serve, service, texts } from './helpers/serve.js';

const twoPorts = service('test-1', 'svc-1-a', {
  clusterIPs: ['10.96.0.100'],
  ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'https', port: 443, protocol: 'TCP' }],
});
const testNamespace = { kind: 'namespace', obj: { name: 'test-1', labels: {} } } as const;

describe('SRV', () => {
  const { askSync } = serve({}, {}, [testNamespace, twoPorts]);

  it('answers every port on the bare name, weight floor(100/N)', () => {
    const answer = askSync('svc-1-a.test-1.svc.cluster.local', 'SRV');
    expect(texts(answer?.answer)).toEqual([
      'svc-1-a.test-1.svc.cluster.local 5 SRV 0 50 443 svc-1-a.test-1.svc.cluster.local',
      'svc-1-a.test-1.svc.cluster.local 5 SRV 0 50 80 svc-1-a.test-1.svc.cluster.local',
    ]);
    expect(texts(answer?.additional)).toEqual(['svc-1-a.test-1.svc.cluster.local 5 A 10.96.0.100']);
  });

  it('computes the weight before removing duplicate (target, port) pairs', () => {
    const bare = askSync('hdls1.testns.svc.cluster.local', 'SRV');
    expect(bare?.answer).toHaveLength(5);
    expect(bare?.answer.every((r) => 'weight' in r.data && r.data.weight === 16)).toBe(true);
    const endpoint = askSync('dup-name.hdls1.testns.svc.cluster.local', 'SRV');
    expect(texts(endpoint?.answer)).toEqual(['dup-name.hdls1.testns.svc.cluster.local 5 SRV 0 50 80 dup-name.hdls1.testns.svc.cluster.local']);
    expect(endpoint?.additional).toHaveLength(2);
  });

  it('is NXDOMAIN for an unknown port or protocol, NODATA for portless slices', () => {
    expect(askSync('_https._tcp.svc1.testns.svc.cluster.local', 'SRV')?.rcode).toBe(Rcode.NXDOMAIN);
    expect(askSync('_http._udp.svc1.testns.svc.cluster.local', 'SRV')?.rcode).toBe(Rcode.NXDOMAIN);
    const portless = askSync('hdlsprtls.testns.svc.cluster.local', 'SRV');
    expect(portless?.rcode).toBe(Rcode.NOERROR);
    expect(portless?.answer).toEqual([]);
  });

  it('matches port and protocol case-insensitively, with or without underscores', () => {
    expect(askSync('_HTTP._TCP.svc1.testns.svc.cluster.local', 'SRV')?.answer).toHaveLength(1);
    expect(askSync('http.tcp.svc1.testns.svc.cluster.local', 'SRV')?.answer).toHaveLength(1);
  });
});

describe('existence decides NODATA versus NXDOMAIN', () => {
  const { askSync } = serve();

  it.each([
    ['svc1.testns.svc.cluster.local', 'HINFO', Rcode.NOERROR],
    ['svc1.testns.svc.cluster.local', 'MX', Rcode.NOERROR],
    ['svc1.testns.svc.cluster.local', 'CNAME', Rcode.NOERROR],
    ['svc0.testns.svc.cluster.local', 'HINFO', Rcode.NXDOMAIN],
    ['hdls1.testns.svc.cluster.local', 'MX', Rcode.NOERROR],
    ['ep1a.svc1.testns.svc.cluster.local', 'TXT', Rcode.NOERROR],
    ['bogus.svc1.testns.svc.cluster.local', 'TXT', Rcode.NXDOMAIN],
    ['a.b.c.svc1.testns.svc.cluster.local', 'A', Rcode.NXDOMAIN],
    ['_http._tcp.external.testns.svc.cluster.local', 'SRV', Rcode.NXDOMAIN],
  ])('%s %s', (name, type, rcode) => {
    const answer = askSync(name, type);
    expect(answer?.rcode).toBe(rcode);
    expect(answer?.answer).toEqual([]);
    expect(answer?.authority).toHaveLength(1);
  });

  it('answers NXDOMAIN for every type of a headless service without ready endpoints', () => {
    const { askSync: ask } = serve({}, {}, [
      service('testns', 'unready', {}),
      { kind: 'endpointslice', obj: { namespace: 'testns', name: 'unready-x', serviceName: 'unready', addressType: 'IPv4', ports: null, endpoints: [{ addresses: ['10.9.0.1'], ready: false }] } },
    ]);
    for (const type of ['A', 'AAAA', 'SRV', 'TXT', 'HINFO']) {
      expect(ask('unready.testns.svc.cluster.local', type)?.rcode).toBe(Rcode.NXDOMAIN);
    }
  });

  it('answers NXDOMAIN for an ExternalName that is an IP address', () => {
    const { askSync: ask } = serve({}, {}, [service('testns', 'byip', { externalName: '10.1.2.3' })]);
    expect(ask('byip.testns.svc.cluster.local', 'A')?.rcode).toBe(Rcode.NXDOMAIN);
    expect(ask('byip.testns.svc.cluster.local', 'CNAME')?.rcode).toBe(Rcode.NXDOMAIN);
  });
});

describe('CoreDNS quirks, as decided (docs/compatibility.md)', () => {
  const { askSync } = serve({ zones: ['cluster.local', 'in-addr.arpa'] });

  it('TXT at names without records of their own is NODATA like A, not NXDOMAIN (RFC 8020)', () => {
    for (const name of ['cluster.local', 'svc.cluster.local', 'pod.cluster.local', 'testns.svc.cluster.local']) {
      for (const type of ['TXT', 'A']) {
        const answer = askSync(name, type);
        expect(answer?.rcode, `${name} ${type}`).toBe(Rcode.NOERROR);
        expect(answer?.answer).toEqual([]);
        expect(answer?.authority).toHaveLength(1);
      }
    }
    expect(askSync('nsnoexist.svc.cluster.local', 'TXT')?.rcode).toBe(Rcode.NXDOMAIN);
  });

  it('dns-version holds only the TXT; other types there are NODATA', () => {
    expect(texts(askSync('dns-version.cluster.local', 'TXT')?.answer)).toEqual(['dns-version.cluster.local 28800 TXT 1.1.0']);
    for (const type of ['A', 'AAAA', 'SRV']) {
      const answer = askSync('dns-version.cluster.local', type);
      expect(answer?.rcode).toBe(Rcode.NOERROR);
      expect(answer?.answer).toEqual([]);
    }
  });

  it('SOA below the apex is NODATA where the name exists and NXDOMAIN where it does not', () => {
    expect(askSync('svc1.testns.svc.cluster.local', 'SOA')?.rcode).toBe(Rcode.NOERROR);
    expect(askSync('testns.svc.cluster.local', 'SOA')?.rcode).toBe(Rcode.NOERROR);
    expect(askSync('nothing.here.svc.cluster.local', 'SOA')?.rcode).toBe(Rcode.NXDOMAIN);
    expect(askSync('svc0.testns.svc.cluster.local', 'SOA')?.rcode).toBe(Rcode.NXDOMAIN);
  });

  it('a reverse name with a PTR is NODATA for other types; without one, and a partial name, NXDOMAIN', () => {
    expect(askSync('1.0.0.10.in-addr.arpa', 'PTR')?.rcode).toBe(Rcode.NOERROR);
    for (const type of ['A', 'TXT', 'SOA']) {
      const answer = askSync('1.0.0.10.in-addr.arpa', type);
      expect(answer?.rcode).toBe(Rcode.NOERROR);
      expect(answer?.answer).toEqual([]);
      expect(answer?.authority[0]?.name).toBe('in-addr.arpa');
    }
    expect(askSync('9.9.9.10.in-addr.arpa', 'A')?.rcode).toBe(Rcode.NXDOMAIN);
    expect(askSync('0.10.in-addr.arpa', 'PTR')?.rcode).toBe(Rcode.NXDOMAIN);
    expect(texts(askSync('in-addr.arpa', 'SOA')?.answer)).toEqual(['in-addr.arpa 5 SOA ns.dns.in-addr.arpa hostmaster.in-addr.arpa 7200 1800 86400 5']);
  });

  it('a port-shaped name also answers A with the cluster IP, as in CoreDNS', () => {
    expect(texts(askSync('_http._tcp.svc1.testns.svc.cluster.local', 'A')?.answer)).toEqual(['_http._tcp.svc1.testns.svc.cluster.local 5 A 10.0.0.1']);
  });
});

describe('apex and name server', () => {
  const { askSync } = serve({}, { nsAddresses: ['10.96.0.10', 'fd00::10'] });

  it('answers NS with ns.dns.<zone> and our addresses as glue, and ns.dns A/AAAA', () => {
    const ns = askSync('cluster.local', 'NS');
    expect(texts(ns?.answer)).toEqual(['cluster.local 5 NS ns.dns.cluster.local']);
    expect(texts(ns?.additional)).toEqual(['ns.dns.cluster.local 5 A 10.96.0.10', 'ns.dns.cluster.local 5 AAAA fd00::10']);
    expect(texts(askSync('ns.dns.cluster.local', 'AAAA')?.answer)).toEqual(['ns.dns.cluster.local 5 AAAA fd00::10']);
  });

  it('caps the SOA TTL at 300 and sets the minimum to the record TTL', () => {
    const soa = serve({ ttl: 3600 }).askSync('cluster.local', 'SOA');
    expect(texts(soa?.answer)).toEqual(['cluster.local 300 SOA ns.dns.cluster.local hostmaster.cluster.local 7200 1800 86400 3600']);
  });
});

describe('pods', () => {
  it('insecure: builds the address from the label, NODATA for the other family', () => {
    const { askSync } = serve({ pods: 'insecure' });
    expect(texts(askSync('fd00--1.podns.pod.cluster.local', 'AAAA')?.answer)).toEqual(['fd00--1.podns.pod.cluster.local 5 AAAA fd00::1']);
    expect(askSync('10-240-0-1.podns.pod.cluster.local', 'AAAA')?.rcode).toBe(Rcode.NOERROR);
    expect(askSync('10-240-0-1.podns.pod.cluster.local', 'AAAA')?.answer).toEqual([]);
    expect(askSync('10-240-0-1.nsnoexist.pod.cluster.local', 'A')?.rcode).toBe(Rcode.NXDOMAIN);
  });

  it('disabled: even the namespace level is NXDOMAIN, the pod tree NODATA', () => {
    const { askSync } = serve();
    expect(askSync('podns.pod.cluster.local', 'A')?.rcode).toBe(Rcode.NXDOMAIN);
    expect(askSync('pod.cluster.local', 'A')?.rcode).toBe(Rcode.NOERROR);
  });
});

describe('options', () => {
  it('ignoreEmptyService hides a ClusterIP service without ready endpoints for every type', () => {
    const { askSync } = serve({ ignore_empty_service: true });
    expect(askSync('svcempty.testns.svc.cluster.local', 'SRV')?.rcode).toBe(Rcode.NXDOMAIN);
    expect(askSync('svc1.testns.svc.cluster.local', 'A')?.rcode).toBe(Rcode.NOERROR);
  });

  it('noEndpoints makes headless and endpoint names, and endpoint PTRs, NXDOMAIN', () => {
    const { askSync } = serve({ noendpoints: true, zones: ['cluster.local', 'in-addr.arpa'] });
    expect(askSync('hdls1.testns.svc.cluster.local', 'A')?.rcode).toBe(Rcode.NXDOMAIN);
    expect(askSync('ep1a.svc1.testns.svc.cluster.local', 'A')?.rcode).toBe(Rcode.NXDOMAIN);
    expect(askSync('svc1.testns.svc.cluster.local', 'A')?.rcode).toBe(Rcode.NOERROR);
    expect(askSync('2.0.0.172.in-addr.arpa', 'PTR')?.rcode).toBe(Rcode.NXDOMAIN);
  });

  it('namespaces hides other namespaces from names and PTRs', () => {
    const { askSync } = serve({ namespaces: ['kube-system'], zones: ['cluster.local', 'in-addr.arpa'] });
    expect(askSync('svc1.testns.svc.cluster.local', 'A')?.rcode).toBe(Rcode.NXDOMAIN);
    expect(askSync('1.0.0.10.in-addr.arpa', 'PTR')?.rcode).toBe(Rcode.NXDOMAIN);
    expect(texts(askSync('10.0.0.10.in-addr.arpa', 'PTR')?.answer)).toEqual(['10.0.0.10.in-addr.arpa 5 PTR kubedns.kube-system.svc.cluster.local']);
  });

  it('endpoint PTRs name every service selecting the address, once per target', () => {
    const { askSync } = serve({ zones: ['cluster.local', 'in-addr.arpa'] });
    expect(texts(askSync('2.0.0.172.in-addr.arpa', 'PTR')?.answer)).toEqual(['2.0.0.172.in-addr.arpa 5 PTR 172-0-0-2.hdls1.testns.svc.cluster.local']);
  });
});
