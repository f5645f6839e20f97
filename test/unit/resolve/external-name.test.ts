// ExternalName CNAMEs: chased inside our zones (loop-safe, bounded), handed to the upstream outside.
import { describe, expect, it } from 'vitest';
import { Rcode, RRType, type UpstreamLookup } from '../../../src/resolve/message.js';
import { MAX_CNAME_CHAIN } from '../../../src/resolve/external-name.js';
import { serve, service, texts } from './helpers/serve.js';

const external = (name: string, target: string) => service('testns', name, { externalName: target });

describe('ExternalName in-zone chase', () => {
  it('puts the CNAME before the records of its target', () => {
    const answer = serve().askSync('external-to-service.testns.svc.cluster.local', 'A');
    expect(answer?.answer.map((r) => r.data.type)).toEqual([RRType.CNAME, RRType.A]);
  });

  it('follows a chain of ExternalNames to the end', () => {
    const { askSync } = serve({}, {}, [external('hop1', 'hop2.testns.svc.cluster.local'), external('hop2', 'svc6.testns.svc.cluster.local')]);
    const answer = askSync('hop1.testns.svc.cluster.local', 'AAAA');
    expect(answer?.answer.map((r) => `${r.name} ${r.data.type}`)).toEqual([
      `hop1.testns.svc.cluster.local ${RRType.CNAME}`,
      `hop2.testns.svc.cluster.local ${RRType.CNAME}`,
      `svc6.testns.svc.cluster.local ${RRType.AAAA}`,
    ]);
    expect(answer?.dependsOn).toEqual(['svc:testns/hop1', 'svc:testns/hop2', 'svc:testns/svc6']);
  });

  it('drops the CNAME and answers NODATA when the in-zone target yields nothing', () => {
    const { askSync } = serve({}, {}, [external('dangling', 'missing.testns.svc.cluster.local')]);
    const answer = askSync('dangling.testns.svc.cluster.local', 'A');
    expect(answer?.rcode).toBe(Rcode.NOERROR);
    expect(answer?.answer).toEqual([]);
    expect(answer?.dependsOn).toContain('svc:testns/missing');
    // Same when the target exists but lacks the family asked for.
    expect(serve().askSync('external-to-service.testns.svc.cluster.local', 'AAAA')?.answer).toEqual([]);
  });

  it('answers NODATA for a loop, including a CNAME to itself', () => {
    const { askSync } = serve({}, {}, [
      external('ping', 'pong.testns.svc.cluster.local'),
      external('pong', 'ping.testns.svc.cluster.local'),
      external('self', 'self.testns.svc.cluster.local'),
    ]);
    for (const name of ['ping', 'self']) {
      const answer = askSync(`${name}.testns.svc.cluster.local`, 'A');
      expect(answer?.rcode).toBe(Rcode.NOERROR);
      expect(answer?.answer).toEqual([]);
    }
  });

  it(`stops after ${MAX_CNAME_CHAIN} CNAMEs`, () => {
    const hops = Array.from({ length: MAX_CNAME_CHAIN + 1 }, (_, i) =>
      external(`h${i}`, i === MAX_CNAME_CHAIN ? 'svc1.testns.svc.cluster.local' : `h${i + 1}.testns.svc.cluster.local`));
    const { askSync } = serve({}, {}, hops);
    expect(askSync('h0.testns.svc.cluster.local', 'A')?.answer).toEqual([]);
    expect(askSync('h1.testns.svc.cluster.local', 'A')?.answer).toHaveLength(MAX_CNAME_CHAIN + 1);
  });

  it('answers the CNAME alone for CNAME queries', () => {
    const { askSync } = serve();
    expect(texts(askSync('external.testns.svc.cluster.local', 'CNAME')?.answer)).toEqual(['external.testns.svc.cluster.local 5 CNAME ext.interwebs.test']);
  });

  it('answers the CNAME for every other type too (RFC 1034 §3.6.2), chased for that type', () => {
    const { askSync } = serve();
    for (const type of ['TXT', 'SRV', 'MX']) {
      const answer = askSync('external.testns.svc.cluster.local', type);
      expect(answer?.rcode).toBe(Rcode.NOERROR);
      expect(texts(answer?.answer)).toEqual(['external.testns.svc.cluster.local 5 CNAME ext.interwebs.test']);
    }
    const srv = askSync('external-to-service.testns.svc.cluster.local', 'SRV');
    expect(texts(srv?.answer)).toEqual([
      'external-to-service.testns.svc.cluster.local 5 CNAME svc1.testns.svc.cluster.local',
      'svc1.testns.svc.cluster.local 5 SRV 0 100 80 svc1.testns.svc.cluster.local',
    ]);
    expect(texts(srv?.additional)).toEqual(['svc1.testns.svc.cluster.local 5 A 10.0.0.1']);
    // The in-zone target holds no TXT: the chain is dropped, NODATA, as for A/AAAA.
    expect(askSync('external-to-service.testns.svc.cluster.local', 'TXT')?.answer).toEqual([]);
  });

  it('asks the upstream for the type asked', async () => {
    const asked: string[] = [];
    const upstream: UpstreamLookup = {
      lookup: async (name, type) => {
        asked.push(`${name} ${type}`);
        return { rcode: Rcode.NOERROR, truncated: false, records: [{ name, ttl: 60, data: { type: RRType.TXT, strings: ['hello'] } }] };
      },
    };
    const answer = await serve({}, { upstream }).ask('external.testns.svc.cluster.local', 'TXT');
    expect(asked).toEqual([`ext.interwebs.test ${RRType.TXT}`]);
    expect(texts(answer?.answer)).toEqual(['ext.interwebs.test 60 TXT hello', 'external.testns.svc.cluster.local 5 CNAME ext.interwebs.test']);
  });
});

describe('ExternalName outside the zone', () => {
  it('answers the CNAME alone, cacheably, when no upstream is configured', () => {
    const answer = serve().askSync('external.testns.svc.cluster.local', 'A');
    expect(texts(answer?.answer)).toEqual(['external.testns.svc.cluster.local 5 CNAME ext.interwebs.test']);
    expect(answer?.dependsOn).toEqual(['svc:testns/external']);
  });

  it('appends the upstream records after the CNAME, never cached with ours', async () => {
    const asked: string[] = [];
    const upstream: UpstreamLookup = {
      lookup: async (name, type) => {
        asked.push(`${name} ${type}`);
        return { rcode: Rcode.NOERROR, truncated: false, records: [{ name, ttl: 60, data: { type: RRType.A, address: '1.2.3.4' } }] };
      },
    };
    const { resolver, ask } = serve({}, { upstream });
    expect(resolver.resolve({ labels: ['external', 'testns', 'svc', 'cluster', 'local'], lower: ['external', 'testns', 'svc', 'cluster', 'local'], type: RRType.A, class: 1 }, { address: '::1', port: 1, transport: 'udp' })).toBeInstanceOf(Promise);
    const answer = await ask('external.testns.svc.cluster.local', 'A');
    expect(asked).toContain(`ext.interwebs.test ${RRType.A}`);
    expect(texts(answer?.answer)).toEqual(['ext.interwebs.test 60 A 1.2.3.4', 'external.testns.svc.cluster.local 5 CNAME ext.interwebs.test']);
    expect(answer?.answer[0]?.data.type).toBe(RRType.CNAME);
    expect(answer?.dependsOn).toBeNull();
  });

  it('keeps the CNAME alone (NOERROR) when the upstream answers with an error', async () => {
    const upstream: UpstreamLookup = { lookup: async () => ({ rcode: Rcode.NXDOMAIN, truncated: false, records: [] }) };
    const answer = await serve({}, { upstream }).ask('external.testns.svc.cluster.local', 'A');
    expect(answer?.rcode).toBe(Rcode.NOERROR);
    expect(texts(answer?.answer)).toEqual(['external.testns.svc.cluster.local 5 CNAME ext.interwebs.test']);
  });

  it('drops the CNAME (NODATA) when the lookup itself fails', async () => {
    for (const lookup of [async () => null, async () => Promise.reject(new Error('timeout')), () => { throw new Error('sync'); }]) {
      const answer = await serve({}, { upstream: { lookup } as UpstreamLookup }).ask('external.testns.svc.cluster.local', 'A');
      expect(answer?.rcode).toBe(Rcode.NOERROR);
      expect(answer?.answer).toEqual([]);
      expect(answer?.authority).toHaveLength(1);
      expect(answer?.dependsOn).toBeNull();
    }
  });

  it('passes on the truncation of the upstream reply', async () => {
    const upstream: UpstreamLookup = { lookup: async () => ({ rcode: Rcode.NOERROR, truncated: true, records: [] }) };
    expect((await serve({}, { upstream }).ask('external.testns.svc.cluster.local', 'A'))?.truncated).toBe(true);
  });
});
