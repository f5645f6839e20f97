// Reply assembly: header bits, the OPT record, truncation by whole records, rotation before the cut.
import { Packet } from 'dns2';
import { describe, expect, it } from 'vitest';
import type { Answer } from '../../../src/resolve/message.js';
import { Rcode, RRType } from '../../../src/resolve/message.js';
import { AnswerEncoder, ReplyScratch, buildAnswerReply, buildErrorReply, parseQuery } from '../../../src/wire/codec.js';
import { aRecord, addressList, answer, labels, query, soaRecord, type QuerySpec } from '../../wire/support.js';

const NAME = 'big.default.svc.cluster.local';

function build(spec: QuerySpec, a: Answer, options: { shift?: number; limit?: number } = {}): Buffer {
  const q = query(spec);
  const parsed = parseQuery(q);
  const encoded = new AnswerEncoder().encode(a, parsed.question!.labels, parsed.questionEnd);
  return buildAnswerReply(q, parsed, encoded, options.shift ?? 0, options.limit ?? 65535, 1232);
}

function decode(buf: Buffer): Packet {
  const packet = Packet.parse(buf);
  expect(packet.errors).toEqual([]);
  return packet;
}

const tcBit = (buf: Buffer): boolean => (buf[2]! & 0x02) !== 0;

describe('reply header', () => {
  it("copies the query's ID, opcode, RD and CD; sets QR and AA; leaves RA, Z and AD clear", () => {
    const buf = build({ id: 0x4242, labels: labels(NAME), flags: 0x0110 }, answer({ answer: [aRecord(NAME, '10.0.0.1')] }));
    expect(buf.readUInt16BE(0)).toBe(0x4242);
    expect(buf[2]).toBe(0x80 | 0x04 | 0x01);
    expect(buf[3]).toBe(0x10);
    const noRd = build({ labels: labels(NAME), flags: 0 }, answer({ authoritative: false }));
    expect(noRd[2]).toBe(0x80);
    expect(noRd[3]).toBe(0);
  });

  it("echoes the query's question bytes unchanged (the client's letter case)", () => {
    const spec = { labels: labels('BiG.DeFaUlT.svc.cluster.local') };
    const buf = build(spec, answer({ rcode: Rcode.NXDOMAIN, authority: [soaRecord('cluster.local')] }));
    const q = query(spec);
    expect(buf.subarray(12, q.length)).toEqual(q.subarray(12));
    expect(decode(buf).header.rcode).toBe(Rcode.NXDOMAIN);
  });
});

describe('OPT record in replies', () => {
  it('is added when the query had EDNS: our UDP size, version 0, DO echoed', () => {
    const packet = decode(build({ labels: labels(NAME), edns: { udpSize: 4096, dnssecOk: true } }, answer({ answer: [aRecord(NAME, '10.0.0.1')] })));
    const opt = packet.additionals.find((r) => r.type === 41);
    expect(opt).toMatchObject({ name: '', class: 1232, version: 0, doFlag: true });
    const plain = decode(build({ labels: labels(NAME), edns: { dnssecOk: false } }, answer({})));
    expect(plain.additionals.find((r) => r.type === 41)?.doFlag).toBe(false);
  });

  it('is absent when the query had none', () => {
    const packet = decode(build({ labels: labels(NAME) }, answer({ answer: [aRecord(NAME, '10.0.0.1')] })));
    expect(packet.additionals).toEqual([]);
  });

  it('carries the upper bits of an extended rcode (BADVERS = 16)', () => {
    const q = query({ labels: labels(NAME), edns: { version: 1 } });
    const buf = buildErrorReply(q, parseQuery(q), Rcode.BADVERS, 1232);
    expect(buf[3]! & 0x0f).toBe(0);
    const packet = decode(buf);
    expect(packet.header.rcode).toBe(Rcode.BADVERS);
    expect(packet.additionals[0]).toMatchObject({ type: 41, version: 0 });
  });
});

describe('error replies', () => {
  it('echo a readable question and carry no records', () => {
    const q = query({ labels: labels(NAME), qclass: 3 });
    const packet = decode(buildErrorReply(q, parseQuery(q), Rcode.REFUSED, 1232));
    expect(packet.header.rcode).toBe(Rcode.REFUSED);
    expect(packet.header.aa).toBe(0);
    expect(packet.questions[0]).toMatchObject({ name: NAME, class: 3 });
    expect(packet.answers).toEqual([]);
  });

  it('carry no question when it was not readable', () => {
    const q = query({ labels: labels(NAME), qdcount: 2 });
    const buf = buildErrorReply(q, parseQuery(q), Rcode.FORMERR, 1232);
    expect(buf.length).toBe(12);
    expect(buf.readUInt16BE(4)).toBe(0);
    expect(buf[3]! & 0x0f).toBe(Rcode.FORMERR);
  });
});

describe('truncation by whole records', () => {
  const hundred = answer({ answer: addressList(100).map((ip) => aRecord(NAME, ip)) });

  it('fits 100 A records in 65535 bytes without TC', () => {
    const buf = build({ labels: labels(NAME) }, hundred);
    expect(tcBit(buf)).toBe(false);
    expect(decode(buf).answers).toHaveLength(100);
  });

  it('drops answer records from the end to fit 512 bytes and sets TC', () => {
    const buf = build({ labels: labels(NAME) }, hundred, { limit: 512 });
    expect(buf.length).toBeLessThanOrEqual(512);
    expect(tcBit(buf)).toBe(true);
    const packet = decode(buf);
    // 47-byte header+question, 16 bytes per record: 29 records.
    expect(packet.answers.map((r) => r.address)).toEqual(addressList(29));
  });

  it('keeps the OPT record after the cut and counts its bytes', () => {
    const buf = build({ labels: labels(NAME), edns: { udpSize: 512 } }, hundred, { limit: 512 });
    const packet = decode(buf);
    expect(buf.length).toBeLessThanOrEqual(512);
    expect(packet.answers).toHaveLength(28);
    expect(packet.additionals.map((r) => r.type)).toEqual([41]);
  });

  it('drops Additional first, then Authority, then Answer, and sets TC even when only Additional lost a record', () => {
    const a = answer({
      answer: addressList(3).map((ip) => aRecord(NAME, ip)),
      authority: [soaRecord('cluster.local')],
      additional: [aRecord('x.cluster.local', '10.9.0.1'), aRecord('y.cluster.local', '10.9.0.2')],
    });
    const full = build({ labels: labels(NAME) }, a);
    const fullPacket = decode(full);
    expect(fullPacket.additionals).toHaveLength(2);
    const lastAdditionalSize = 2 + 10 + 4 + 2; // "y" label + pointer, fixed part, address
    const oneLess = build({ labels: labels(NAME) }, a, { limit: full.length - 1 });
    expect(full.length - oneLess.length).toBe(lastAdditionalSize);
    expect(tcBit(oneLess)).toBe(true);
    expect(decode(oneLess).additionals.map((r) => r.name)).toEqual(['x.cluster.local']);

    const noAdditional = decode(build({ labels: labels(NAME) }, a, { limit: full.length - 2 * lastAdditionalSize }));
    expect([noAdditional.answers.length, noAdditional.authorities.length, noAdditional.additionals.length]).toEqual([3, 1, 0]);
    const noAuthority = decode(build({ labels: labels(NAME) }, a, { limit: full.length - 2 * lastAdditionalSize - 1 }));
    expect([noAuthority.answers.length, noAuthority.authorities.length, noAuthority.additionals.length]).toEqual([3, 0, 0]);
  });

  it('sets TC when the answer says so, whatever the size', () => {
    const buf = build({ labels: labels(NAME) }, answer({ answer: [aRecord(NAME, '10.0.0.1')], truncated: true }));
    expect(tcBit(buf)).toBe(true);
    expect(decode(buf).answers).toHaveLength(1);
  });
});

describe('rotation of the address run', () => {
  const four = answer({ answer: addressList(4).map((ip) => aRecord(NAME, ip)), rotate: true });

  it('turns the run left by the shift, keeping every record intact', () => {
    const order = [0, 1, 2, 3].map((shift) => decode(build({ labels: labels(NAME) }, four, { shift })).answers.map((r) => r.address));
    const ips = addressList(4);
    expect(order).toEqual([
      ips,
      [ips[1], ips[2], ips[3], ips[0]],
      [ips[2], ips[3], ips[0], ips[1]],
      [ips[3], ips[0], ips[1], ips[2]],
    ]);
  });

  it('keeps records around the run in place (a CNAME before, an SOA after)', () => {
    const target = 'real.default.svc.cluster.local';
    const a = answer({
      answer: [{ name: NAME, ttl: 5, data: { type: RRType.CNAME, target } }, ...addressList(3).map((ip) => aRecord(target, ip))],
      authority: [soaRecord('cluster.local')],
      rotate: true,
    });
    const packet = decode(build({ labels: labels(NAME) }, a, { shift: 2 }));
    expect(packet.answers[0]!.type).toBe(RRType.CNAME);
    expect(packet.answers.slice(1).map((r) => [r.name, r.address])).toEqual([[target, '10.1.0.3'], [target, '10.1.0.1'], [target, '10.1.0.2']]);
    expect(packet.authorities[0]!.type).toBe(RRType.SOA);
  });

  it('happens before truncation: a cut reply carries the rotated prefix', () => {
    const hundred = answer({ answer: addressList(100).map((ip) => aRecord(NAME, ip)), rotate: true });
    const packet = decode(build({ labels: labels(NAME) }, hundred, { shift: 90, limit: 512 }));
    const ips = addressList(100);
    expect(packet.answers.map((r) => r.address)).toEqual([...ips.slice(90), ...ips.slice(0, 19)]);
  });

  it('rotates a record section larger than a message (5,000 records, 80 KB) and cuts it to 64 KB', () => {
    const many = answer({ answer: addressList(5000).map((ip) => aRecord(NAME, ip)), rotate: true });
    const packet = decode(build({ labels: labels(NAME) }, many, { shift: 4990, limit: 65535 }));
    const ips = addressList(5000);
    // 47 bytes of header and question, 16 bytes a record: 4,093 records fit in 65,535 bytes.
    expect(packet.answers.map((r) => r.address)).toEqual([...ips.slice(4990), ...ips.slice(0, 4083)]);
  });
});

describe('reply scratch (UDP replies built into reused memory)', () => {
  it('gives a view of exactly the asked length, one shared memory under every length', () => {
    const scratch = new ReplyScratch();
    const first = scratch.take(100);
    first.fill(0x11);
    const second = scratch.take(60);
    expect(first.length).toBe(100);
    expect(second.length).toBe(60);
    expect(second[0]).toBe(0x11);
    expect(scratch.take(100)).toBe(first);
  });

  it('gives a reply longer than its memory a buffer of its own', () => {
    const scratch = new ReplyScratch();
    const small = scratch.take(10).fill(0x44);
    const large = scratch.take(8000).fill(0x55);
    expect(large.length).toBe(8000);
    expect([...small]).toEqual(new Array(10).fill(0x44));
  });

  it('builds the same bytes as a reply of its own, truncated and rotated ones included', () => {
    const hundred = answer({ answer: addressList(100).map((ip) => aRecord(NAME, ip)), rotate: true });
    const q = query({ labels: labels(NAME), edns: { udpSize: 1232 } });
    const parsed = parseQuery(q);
    const encoded = new AnswerEncoder().encode(hundred, parsed.question!.labels, parsed.questionEnd);
    const scratch = new ReplyScratch();
    for (const [shift, limit] of [[0, 512], [7, 1232], [99, 65535]] as const) {
      const own = buildAnswerReply(q, parsed, encoded, shift, limit, 1232);
      const shared = buildAnswerReply(q, parsed, encoded, shift, limit, 1232, scratch);
      expect(Buffer.compare(shared, own)).toBe(0);
    }
  });
});
