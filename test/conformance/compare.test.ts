// The case comparison itself: it must fail every reply CoreDNS's tests would fail, and only those.
import type { Packet } from 'dns2';
import { describe, expect, it } from 'vitest';
import { loadCaseFile, type Case } from '../unit/resolve/helpers/coredns-cases.js';
import { caseProblems } from './support/compare.js';

const file = loadCaseFile();
const byId = (id: string): Case => {
  const found = file.cases.find((c) => c.id === id);
  if (found === undefined) throw new Error(`no case ${id}`);
  return found;
};

type Section = Record<string, unknown>[];

function packet(rcode: number, answers: Section, authorities: Section = [], additionals: Section = [], tc = 0): Packet {
  return { header: { rcode, tc }, answers, authorities, additionals } as unknown as Packet;
}

const soa = (name: string, ttl = 5, primary = `ns.dns.${name}`): Record<string, unknown> => ({
  name, type: 6, ttl, primary, admin: `hostmaster.${name}`, serial: 1, refresh: 7200, retry: 1800, expiration: 86400, minimum: 5,
});

describe('comparing a reply with a case as CoreDNS does', () => {
  const srv = byId('unit/handler/common/2'); // svc1 SRV: one SRV, one A in additional
  const good = (): Packet => packet(0,
    [{ name: 'svc1.testns.svc.cluster.local', type: 33, ttl: 5, priority: 0, weight: 100, port: 80, target: 'svc1.testns.svc.cluster.local' }],
    [],
    [{ name: 'svc1.testns.svc.cluster.local', type: 1, ttl: 5, address: '10.0.0.1' }, { name: '', type: 41, ttl: 0 }]);

  it('passes the expected reply, ignoring the OPT record', () => {
    expect(caseProblems(srv, good())).toEqual([]);
  });

  it('fails a wrong rcode, a wrong TTL, a wrong weight, an extra record', () => {
    const wrongRcode = good();
    wrongRcode.header.rcode = 3;
    expect(caseProblems(srv, wrongRcode).join()).toMatch(/rcode/);
    const wrongTtl = good();
    (wrongTtl.answers[0] as unknown as { ttl: number }).ttl = 30;
    expect(caseProblems(srv, wrongTtl).join()).toMatch(/answer: missing/);
    const wrongWeight = good();
    (wrongWeight.answers[0] as unknown as { weight: number }).weight = 50;
    expect(caseProblems(srv, wrongWeight)).not.toEqual([]);
    const extra = good();
    extra.additionals.push({ name: 'svc1.testns.svc.cluster.local', type: 28, ttl: 5, address: '::1' } as never);
    expect(caseProblems(srv, extra).join()).toMatch(/additional: expected 1 records, got 2/);
  });

  it('compares owner names case-sensitively', () => {
    const mixed = byId('unit/case/1'); // SvC1.TeStNs.SvC.cLuStEr.LoCaL. A
    const echoed = packet(0, [{ name: 'SvC1.TeStNs.SvC.cLuStEr.LoCaL', type: 1, ttl: 5, address: '10.0.0.1' }]);
    expect(caseProblems(mixed, echoed)).toEqual([]);
    const lowered = packet(0, [{ name: 'svc1.testns.svc.cluster.local', type: 1, ttl: 5, address: '10.0.0.1' }]);
    expect(caseProblems(mixed, lowered)).not.toEqual([]);
  });

  it('checks the SOA by owner, TTL and mname only', () => {
    const nodata = byId('unit/handler/common/9'); // svc1 AAAA: NODATA
    const other = { ...soa('cluster.local'), admin: 'someone.else', serial: 99, refresh: 1 };
    expect(caseProblems(nodata, packet(0, [], [other]))).toEqual([]);
    expect(caseProblems(nodata, packet(0, [], [soa('cluster.local', 300)]))).not.toEqual([]);
    expect(caseProblems(nodata, packet(0, [], [soa('cluster.local', 5, 'ns1.cluster.local')]))).not.toEqual([]);
    expect(caseProblems(nodata, packet(0, [], [soa('Cluster.local')]))).not.toEqual([]);
  });

  it('treats sections as multisets but requires a CNAME before its target', () => {
    const chase = byId('unit/handler/dns/10'); // external-to-service A: CNAME then A
    const cname = { name: 'external-to-service.testns.svc.cluster.local', type: 5, ttl: 5, domain: 'svc1.testns.svc.cluster.local' };
    const a = { name: 'svc1.testns.svc.cluster.local', type: 1, ttl: 5, address: '10.0.0.1' };
    expect(caseProblems(chase, packet(0, [cname, a]))).toEqual([]);
    expect(caseProblems(chase, packet(0, [a, cname])).join()).toMatch(/CNAME .* comes after its target/);
  });

  it('checks TC where the case gives it', () => {
    const truncated = byId('unit/handler/dns/9');
    const answers = [
      { name: 'external.testns.svc.cluster.local', type: 5, ttl: 5, domain: 'ext.interwebs.test' },
      { name: 'ext.interwebs.test', type: 1, ttl: 5, address: '1.2.3.4' },
    ];
    expect(caseProblems(truncated, packet(0, answers, [], [], 1))).toEqual([]);
    expect(caseProblems(truncated, packet(0, answers, [], [], 0)).join()).toMatch(/TC/);
  });

  it('compares IPv6 addresses in canonical form', () => {
    const aaaa = byId('unit/handler/common/18'); // svc6 AAAA 1234:abcd::1
    expect(caseProblems(aaaa, packet(0, [{ name: 'svc6.testns.svc.cluster.local', type: 28, ttl: 5, address: '1234:abcd:0:0:0:0:0:1' }]))).toEqual([]);
  });
});
