// Protocol rules over the wire (behaviour §3.1, §3.6, §3.11): opcodes, classes, question counts,
// types the zone does not hold, ANY (RFC 8482), EDNS, header bits, and IPv6 listening.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rcode, RRType } from '../../src/resolve/message.js';
import { dig } from '../helpers/dig.js';
import { loadCaseFile } from '../unit/resolve/helpers/coredns-cases.js';
import { query } from '../wire/support.js';
import { askTcp, labelsOf, UdpClient } from './support/client.js';
import { withoutOpt } from './support/compare.js';
import { fixtureManifests, namespacesFor, toYaml } from './support/manifests.js';
import { serveManifests } from './support/suite-server.js';
import { Packet } from 'dns2';

const fixture = loadCaseFile().fixture['unit-serve']!;
const SVC1 = 'svc1.testns.svc.cluster.local';
const OPCODE_SHIFT = 11;
const CLASS_CH = 3;
const CLASS_HS = 4;
const CLASS_ANY = 255;
const CAA = 257;
const HTTPS = 65;
const SVCB = 64;
const NAPTR = 35;

let served: Awaited<ReturnType<typeof serveManifests>>;
let client: UdpClient;

beforeAll(async () => {
  served = await serveManifests(toYaml(fixtureManifests(fixture, namespacesFor(fixture, [], ['cluster.local']))), [
    '--zone', 'cluster.local', '--zone', '10.0.0.0/8', '--upstream', 'none',
  ], { ipv6: true });
  client = new UdpClient('127.0.0.1', served.server.port);
});
afterAll(async () => {
  client?.close();
  await served?.stop();
});

async function raw(message: Buffer, id: number): Promise<Packet> {
  const reply = await client.exchange(message, id);
  if (reply === null) throw new Error('no reply');
  return Packet.parse(reply);
}

describe('header and question rules', () => {
  it.each([[1, 'IQUERY'], [2, 'STATUS'], [4, 'NOTIFY'], [5, 'UPDATE']])('answers opcode %i (%s) with NOTIMP, echoing the opcode', async (opcode) => {
    const id = client.takeId();
    const reply = await raw(query({ id, labels: labelsOf(SVC1), flags: opcode << OPCODE_SHIFT }), id);
    expect(reply.header).toMatchObject({ qr: 1, opcode, rcode: Rcode.NOTIMP });
    expect(reply.answers).toEqual([]);
  });

  it.each([[CLASS_CH, 'CH'], [CLASS_HS, 'HS'], [CLASS_ANY, 'ANY']])('refuses class %i (%s)', async (qclass) => {
    const reply = await client.ask(SVC1, RRType.A, { qclass });
    expect(reply.packet.header.rcode).toBe(Rcode.REFUSED);
    expect(reply.packet.answers).toEqual([]);
    const version = await client.ask('version.bind', RRType.TXT, { qclass: CLASS_CH });
    expect(version.packet.header.rcode).toBe(Rcode.REFUSED);
  });

  it.each([0, 2])('answers FORMERR to a query with %i questions', async (qdcount) => {
    const id = client.takeId();
    const reply = await raw(query({ id, labels: labelsOf(SVC1), qdcount }), id);
    expect(reply.header.rcode).toBe(Rcode.FORMERR);
  });

  it('sets AA, leaves RA clear and copies RD', async () => {
    for (const flags of [0x0000, 0x0100]) {
      const id = client.takeId();
      const reply = await raw(query({ id, labels: labelsOf(SVC1), flags }), id);
      expect(reply.header).toMatchObject({ qr: 1, aa: 1, ra: 0, rd: flags === 0x0100 ? 1 : 0 });
    }
  });
});

describe('types the zone holds no records of', () => {
  it.each([['MX', RRType.MX], ['CAA', CAA], ['HTTPS', HTTPS], ['SVCB', SVCB], ['NAPTR', NAPTR], ['HINFO', RRType.HINFO]])(
    '%s is NODATA at a name that exists and NXDOMAIN at one that does not, SOA in authority', async (_name, type) => {
      for (const [name, rcode] of [[SVC1, Rcode.NOERROR], ['hdls1.testns.svc.cluster.local', Rcode.NOERROR], ['svc0.testns.svc.cluster.local', Rcode.NXDOMAIN]] as const) {
        const reply = (await client.ask(name, type)).packet;
        expect(reply.header.rcode, name).toBe(rcode);
        expect(reply.answers).toEqual([]);
        expect(reply.authorities.map((r) => [r.name, r.type])).toEqual([['cluster.local', RRType.SOA]]);
      }
    },
  );
});

describe('ANY, answered minimally (RFC 8482)', () => {
  const hinfo = Buffer.from([7, ...Buffer.from('RFC8482'), 0]);

  it('gives one synthesized HINFO "RFC8482" at a name that exists', async () => {
    for (const name of [SVC1, 'hdls1.testns.svc.cluster.local', 'cluster.local', 'testns.svc.cluster.local', '1.0.0.10.in-addr.arpa']) {
      const reply = (await client.ask(name, RRType.ANY)).packet;
      expect(reply.header.rcode, name).toBe(Rcode.NOERROR);
      expect(reply.answers, name).toHaveLength(1);
      expect(reply.answers[0]).toMatchObject({ name, type: RRType.HINFO, ttl: 5 });
      expect(Buffer.from((reply.answers[0] as unknown as { data: Buffer }).data)).toEqual(hinfo);
    }
  });

  it('is NXDOMAIN where the name does not exist, and the CNAME alone at an ExternalName', async () => {
    expect((await client.ask('svc0.testns.svc.cluster.local', RRType.ANY)).packet.header.rcode).toBe(Rcode.NXDOMAIN);
    expect((await client.ask('9.9.9.10.in-addr.arpa', RRType.ANY)).packet.header.rcode).toBe(Rcode.NXDOMAIN);
    const external = (await client.ask('external.testns.svc.cluster.local', RRType.ANY)).packet;
    expect(external.answers.map((r) => [r.type, (r as unknown as { domain: string }).domain])).toEqual([[RRType.CNAME, 'ext.interwebs.test']]);
  });

  it('shows dig the HINFO record', async () => {
    const result = await dig(SVC1, 'ANY', { port: served.server.port });
    expect(result.answer.map((r) => `${r.type} ${r.data}`)).toEqual(['HINFO "RFC8482" ""']);
  });
});

describe('EDNS', () => {
  it('echoes an OPT record with our UDP size and the DO bit as sent', async () => {
    for (const dnssecOk of [true, false]) {
      const reply = (await client.ask(SVC1, RRType.A, { dnssecOk })).packet;
      const opt = reply.additionals.filter((r) => r.type === RRType.OPT);
      expect(opt).toHaveLength(1);
      expect(opt[0]).toMatchObject({ class: 1232, version: 0, doFlag: dnssecOk });
    }
  });

  it('sends no OPT record to a query without one', async () => {
    const reply = (await client.ask(SVC1, RRType.A, { udpSize: null })).packet;
    expect(reply.additionals).toEqual([]);
    expect(reply.answers).toHaveLength(1);
  });

  it('answers BADVERS to an EDNS version it does not know, with an OPT of version 0', async () => {
    const id = client.takeId();
    const reply = await raw(query({ id, labels: labelsOf(SVC1), edns: { version: 1 } }), id);
    expect(reply.header.rcode).toBe(Rcode.BADVERS);
    expect(reply.additionals[0]).toMatchObject({ type: RRType.OPT, version: 0 });
    expect(reply.answers).toEqual([]);
  });
});

describe('dual stack', () => {
  it('answers on [::1] over UDP and TCP', async () => {
    const v6 = new UdpClient('::1', served.ipv6Port);
    try {
      const udp = (await v6.ask(SVC1, RRType.A)).packet;
      expect(udp.answers.map((r) => (r as unknown as { address: string }).address)).toEqual(['10.0.0.1']);
    } finally {
      v6.close();
    }
    const tcp = (await askTcp('::1', served.ipv6Port, SVC1, RRType.A)).packet;
    expect(tcp.answers).toHaveLength(1);
    const viaDig = await dig(SVC1, 'A', { server: '::1', port: served.ipv6Port });
    expect(viaDig.answer.map((r) => r.data)).toEqual(['10.0.0.1']);
  });

  it('answers both families of a dual-stack service and merges the IPv4 and IPv6 slices of a headless one', async () => {
    const address = (r: unknown): string => (r as { address: string }).address;
    expect((await client.ask('svc-dual-stack.testns.svc.cluster.local', RRType.A)).packet.answers.map(address)).toEqual(['10.0.0.3']);
    expect((await client.ask('svc-dual-stack.testns.svc.cluster.local', RRType.AAAA)).packet.answers.map(address)).toEqual(['10::3']);
    const v4 = (await client.ask('hdls1.testns.svc.cluster.local', RRType.A)).packet.answers.map(address).sort();
    const v6 = (await client.ask('hdls1.testns.svc.cluster.local', RRType.AAAA)).packet.answers.map(address).sort();
    expect(v4).toEqual(['172.0.0.2', '172.0.0.3', '172.0.0.4', '172.0.0.5']);
    expect(v6).toEqual(['5678:abcd::1', '5678:abcd::2']);
    const srv = (await client.ask('_http._tcp.hdls1.testns.svc.cluster.local', RRType.SRV)).packet;
    expect(srv.answers).toHaveLength(5);
    expect(withoutOpt(srv.additionals)).toHaveLength(6);
  });
});
