// Resolver behaviour around the answers: letter case, rotation, sync state, cache dependencies,
// fallthrough and what is not ours to answer.
import { describe, expect, it } from 'vitest';
import { Rcode, RRType } from '../../../src/resolve/message.js';
import { serve, service, texts } from './helpers/serve.js';

describe('letter case', () => {
  const { askSync } = serve();

  it('echoes the question name as asked and builds object names with the zone as asked', () => {
    const a = askSync('SvC1.TeStNs.SvC.cLuStEr.LoCaL', 'A');
    expect(texts(a?.answer)).toEqual(['SvC1.TeStNs.SvC.cLuStEr.LoCaL 5 A 10.0.0.1']);
    const srv = askSync('HDLS1.testns.svc.Cluster.Local', 'SRV');
    expect(srv?.answer.every((r) => r.name === 'HDLS1.testns.svc.Cluster.Local')).toBe(true);
    expect(texts(srv?.additional)).toContain('dup-name.hdls1.testns.svc.Cluster.Local 5 A 172.0.0.4');
  });

  it('owns the SOA of a negative answer by the zone as asked', () => {
    const answer = askSync('nothing.TESTNS.svc.CLUSTER.local', 'A');
    expect(answer?.rcode).toBe(Rcode.NXDOMAIN);
    expect(texts(answer?.authority)).toEqual(['CLUSTER.local 5 SOA ns.dns.CLUSTER.local hostmaster.CLUSTER.local 7200 1800 86400 5']);
  });

  it('names the records of an in-zone CNAME target by the zone as asked', () => {
    const answer = askSync('External-To-Service.testns.svc.CLUSTER.LOCAL', 'A');
    expect(answer?.answer.map((r) => r.name)).toEqual(['External-To-Service.testns.svc.CLUSTER.LOCAL', 'svc1.testns.svc.CLUSTER.LOCAL']);
  });

  it('keeps PTR targets in the lower-case primary zone', () => {
    const { askSync: ask } = serve({ zones: ['Cluster.Local', 'in-addr.arpa'] });
    expect(texts(ask('1.0.0.10.IN-ADDR.ARPA', 'PTR')?.answer)).toEqual(['1.0.0.10.IN-ADDR.ARPA 5 PTR svc1.testns.svc.cluster.local']);
  });
});

describe('rotation', () => {
  const { askSync } = serve();

  it('marks answers with several addresses for rotation, single addresses not', () => {
    expect(askSync('hdls1.testns.svc.cluster.local', 'A')?.rotate).toBe(true);
    expect(askSync('dup-name.hdls1.testns.svc.cluster.local', 'A')?.rotate).toBe(true);
    expect(askSync('svc1.testns.svc.cluster.local', 'A')?.rotate).toBe(false);
    expect(askSync('hdls1.testns.svc.cluster.local', 'SRV')?.rotate).toBe(false);
  });
});

describe('before the first sync', () => {
  it('answers SERVFAIL with the SOA instead of NXDOMAIN, and does not let it be cached', () => {
    const { askSync } = serve({ synced: false });
    const answer = askSync('svc0.testns.svc.cluster.local', 'A');
    expect(answer?.rcode).toBe(Rcode.SERVFAIL);
    expect(answer?.authority.map((r) => r.data.type)).toEqual([RRType.SOA]);
    expect(answer?.dependsOn).toBeNull();
  });

  it('still answers what the partial data has, and NODATA', () => {
    const { askSync } = serve({ synced: false });
    expect(askSync('svc1.testns.svc.cluster.local', 'A')?.rcode).toBe(Rcode.NOERROR);
    expect(askSync('svc1.testns.svc.cluster.local', 'AAAA')?.rcode).toBe(Rcode.NOERROR);
  });

  it('answers NXDOMAIN once synced, or once the start-up timeout forced it', () => {
    const served = serve({ synced: false });
    served.index.forceSynced();
    expect(served.askSync('svc0.testns.svc.cluster.local', 'A')?.rcode).toBe(Rcode.NXDOMAIN);
  });
});

describe('cache dependencies', () => {
  const { askSync, index } = serve({ pods: 'verified', zones: ['cluster.local', 'in-addr.arpa'] });

  it('lists the service key of a service answer and of an NXDOMAIN for a service not yet created', () => {
    expect(askSync('svc1.testns.svc.cluster.local', 'A')?.dependsOn).toEqual(['svc:testns/svc1']);
    expect(askSync('svc0.testns.svc.cluster.local', 'A')?.dependsOn).toEqual(['svc:testns/svc0']);
    const before = index.generation('svc:testns/svc0');
    index.upsert(service('testns', 'svc0', { clusterIPs: ['10.0.0.50'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }));
    expect(index.generation('svc:testns/svc0')).not.toBe(before);
    expect(texts(askSync('svc0.testns.svc.cluster.local', 'A')?.answer)).toEqual(['svc0.testns.svc.cluster.local 5 A 10.0.0.50']);
  });

  it('lists the address key of a PTR, the pod key of a verified pod, and both services of a CNAME chase', () => {
    expect(askSync('1.0.0.10.in-addr.arpa', 'PTR')?.dependsOn).toEqual(['ip:10.0.0.1']);
    expect(askSync('10-240-0-1.podns.pod.cluster.local', 'A')?.dependsOn).toEqual(['pod:podns/10.240.0.1']);
    expect(askSync('external-to-service.testns.svc.cluster.local', 'A')?.dependsOn).toEqual(['svc:testns/external-to-service', 'svc:testns/svc1']);
  });

  it('lets the apex SOA follow the serial, and static names depend on nothing', () => {
    expect(askSync('cluster.local', 'SOA')?.dependsOn).toEqual(['soa']);
    expect(askSync('dns-version.cluster.local', 'TXT')?.dependsOn).toEqual([]);
    expect(askSync('testns.svc.cluster.local', 'A')?.dependsOn).toEqual([]);
  });

  it('carries the index serial in the SOA', () => {
    const soa = askSync('cluster.local', 'SOA')?.answer[0]?.data;
    expect(soa && 'serial' in soa ? soa.serial : undefined).toBe(index.serial);
  });
});

describe('fallthrough', () => {
  it('returns null for NXDOMAIN in a fallthrough zone so the query is forwarded', () => {
    const { askSync } = serve({ zones: ['cluster.local', 'in-addr.arpa'], fallthrough: ['in-addr.arpa'] });
    expect(askSync('4.3.2.1.in-addr.arpa', 'PTR')).toBeNull();
    expect(askSync('svc0.testns.svc.cluster.local', 'A')?.rcode).toBe(Rcode.NXDOMAIN);
    expect(askSync('1.0.0.10.in-addr.arpa', 'PTR')?.rcode).toBe(Rcode.NOERROR);
  });

  it('with no zones listed covers every zone, but never NODATA', () => {
    const { askSync } = serve({ fallthrough: [] });
    expect(askSync('svc0.testns.svc.cluster.local', 'A')).toBeNull();
    expect(askSync('svc1.testns.svc.cluster.local', 'AAAA')?.rcode).toBe(Rcode.NOERROR);
  });

  it('is checked before the not-synced rule', () => {
    const { askSync } = serve({ fallthrough: [], synced: false });
    expect(askSync('svc0.testns.svc.cluster.local', 'A')).toBeNull();
  });
});

describe('what is not ours', () => {
  const { askSync } = serve({ zones: ['cluster.local', '0.10.in-addr.arpa'] });

  it('returns null for names outside every zone', () => {
    expect(askSync('example.com', 'A')).toBeNull();
    expect(askSync('local', 'SOA')).toBeNull();
    expect(askSync('1.1.168.192.in-addr.arpa', 'PTR')).toBeNull();
  });

  it('refuses zone transfers for now', () => {
    expect(askSync('cluster.local', RRType.AXFR)?.rcode).toBe(Rcode.REFUSED);
    expect(askSync('cluster.local', RRType.IXFR)?.rcode).toBe(Rcode.REFUSED);
  });

  it('uses the longest matching zone', () => {
    const { askSync: ask } = serve({ zones: ['local', 'cluster.local'] });
    expect(texts(ask('svc1.testns.svc.cluster.local', 'A')?.answer)).toEqual(['svc1.testns.svc.cluster.local 5 A 10.0.0.1']);
    expect(ask('svc1.testns.svc.cluster.local', 'AAAA')?.authority[0]?.name).toBe('cluster.local');
  });
});
