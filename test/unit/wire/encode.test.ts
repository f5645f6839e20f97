// The encoder, checked by decoding its output with dns2 (an independent decoder) and by bytes.
import { Packet } from 'dns2';
import { describe, expect, it } from 'vitest';
import type { Answer, ResourceRecord } from '../../../src/resolve/message.js';
import { RRType } from '../../../src/resolve/message.js';
import { AnswerEncoder, EncodeError, buildAnswerReply, parseQuery } from '../../../src/wire/codec.js';
import { aRecord, answer, labels, nameBytes, query, soaRecord } from '../../wire/support.js';

function reply(name: string, a: Answer, type: number = RRType.A): Buffer {
  const q = query({ labels: labels(name), type });
  const parsed = parseQuery(q);
  const encoded = new AnswerEncoder().encode(a, parsed.question!.labels, parsed.questionEnd);
  return buildAnswerReply(q, parsed, encoded, 0, 65535, 1232);
}

function decode(buf: Buffer): Packet {
  const packet = Packet.parse(buf);
  expect(packet.errors).toEqual([]);
  return packet;
}

const SVC = 'svc1.testns.svc.cluster.local';

describe('encoder: records decode to what the resolver gave (dns2 as the reference decoder)', () => {
  it('encodes A, AAAA, CNAME, PTR, NS, SRV, TXT and SOA', () => {
    const records: ResourceRecord[] = [
      aRecord(SVC, '10.96.0.1', 30),
      { name: SVC, ttl: 30, data: { type: RRType.AAAA, address: 'fd00::1' } },
      { name: SVC, ttl: 30, data: { type: RRType.CNAME, target: 'other.testns.svc.cluster.local' } },
      { name: SVC, ttl: 30, data: { type: RRType.PTR, target: 'a.b.c' } },
      { name: SVC, ttl: 30, data: { type: RRType.NS, target: 'ns.dns.cluster.local' } },
      { name: SVC, ttl: 30, data: { type: RRType.SRV, priority: 0, weight: 100, port: 8080, target: 'pod-1.svc1.testns.svc.cluster.local' } },
      { name: SVC, ttl: 30, data: { type: RRType.TXT, strings: ['hello', 'world'] } },
    ];
    const packet = decode(reply(SVC, answer({ answer: records, authority: [soaRecord('cluster.local')] })));
    expect(packet.header.qr).toBe(1);
    expect(packet.header.aa).toBe(1);
    expect(packet.questions).toHaveLength(1);
    expect(packet.answers.map((r) => [r.name, r.type, r.class, r.ttl])).toEqual(records.map((r) => [SVC, r.data.type, 1, 30]));
    expect(packet.answers[0]!.address).toBe('10.96.0.1');
    expect(packet.answers[1]!.address).toBe('fd00::1');
    expect(packet.answers[2]!.domain).toBe('other.testns.svc.cluster.local');
    expect(packet.answers[3]!.domain).toBe('a.b.c');
    expect(packet.answers[4]!.ns).toBe('ns.dns.cluster.local');
    expect(packet.answers[5]).toMatchObject({ priority: 0, weight: 100, port: 8080, target: 'pod-1.svc1.testns.svc.cluster.local' });
    expect(packet.answers[6]!.data).toEqual(['hello', 'world']);
    expect(packet.authorities[0]).toMatchObject({
      name: 'cluster.local', type: RRType.SOA, primary: 'ns.dns.cluster.local', admin: 'hostmaster.cluster.local',
      serial: 1700000000, refresh: 7200, retry: 1800, expiration: 86400, minimum: 5,
    });
  });

  it('writes IPv6 addresses in every textual form, including an embedded IPv4 tail', () => {
    const forms: [string, string][] = [
      ['::', '::'],
      ['::1', '::1'],
      ['2001:0db8:0:0:8:800:200C:417A', '2001:db8::8:800:200c:417a'],
      ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
      ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
      ['::ffff:10.0.0.1', '::ffff:a00:1'],
      ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
    ];
    const records = forms.map(([address]) => ({ name: SVC, ttl: 5, data: { type: RRType.AAAA as 28, address } }));
    const packet = decode(reply(SVC, answer({ answer: records }), RRType.AAAA));
    expect(packet.answers.map((r) => r.address)).toEqual(forms.map(([, decoded]) => decoded));
  });

  it('refuses addresses that are not addresses, with an EncodeError', () => {
    const encoder = new AnswerEncoder();
    const bad = ['10.0.0', '10.0.0.256', '10.0.0.1.2', 'a.b.c.d', ''];
    for (const address of bad) {
      expect(() => encoder.encode(answer({ answer: [aRecord(SVC, address)] }), null, 12)).toThrow(EncodeError);
    }
    const badV6 = ['1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', 'g::1', '1:2:3:4:5:6:7:8::', 'fe80::1%eth0', '10.0.0.1'];
    for (const address of badV6) {
      const record = { name: SVC, ttl: 5, data: { type: RRType.AAAA as 28, address } };
      expect(() => encoder.encode(answer({ answer: [record] }), null, 12), address).toThrow(EncodeError);
    }
  });

  it('refuses labels over 63 octets, empty labels and names over 255 octets', () => {
    const encoder = new AnswerEncoder();
    const names = [`${'a'.repeat(64)}.local`, 'a..local', '.local', Array.from({ length: 6 }, () => 'x'.repeat(45)).join('.')];
    for (const name of names) {
      expect(() => encoder.encode(answer({ answer: [aRecord(name, '10.0.0.1')] }), null, 12)).toThrow(EncodeError);
    }
  });

  it('copies raw RDATA of other types byte for byte, never looking inside', () => {
    const raw = Uint8Array.from([0, 1, 0, 0, 1, 0, 3, 0x68, 0x32, 0x33]);
    const record: ResourceRecord = { name: SVC, ttl: 60, data: { type: 65, raw } };
    const buf = reply(SVC, answer({ answer: [record] }), 65);
    expect(buf.subarray(buf.length - raw.length)).toEqual(Buffer.from(raw));
    expect(buf.readUInt16BE(buf.length - raw.length - 2)).toBe(raw.length);
    expect(decode(buf).answers[0]!.type).toBe(65);
  });

  it('splits a TXT string over 255 bytes into character-strings of at most 255', () => {
    const long = 'x'.repeat(300);
    const record: ResourceRecord = { name: SVC, ttl: 5, data: { type: RRType.TXT, strings: [long, ''] } };
    const packet = decode(reply(SVC, answer({ answer: [record] }), RRType.TXT));
    expect(packet.answers[0]!.data).toEqual(['x'.repeat(255), 'x'.repeat(45), '']);
  });

  it('writes the root name as a single zero octet', () => {
    const buf = reply('', answer({ answer: [{ name: '', ttl: 5, data: { type: RRType.NS, target: 'a.root-servers.net' } }] }), RRType.NS);
    const packet = decode(buf);
    expect(packet.answers[0]).toMatchObject({ name: '', ns: 'a.root-servers.net' });
  });

  it('clamps TTLs into 0..2^31-1', () => {
    const packet = decode(reply(SVC, answer({ answer: [aRecord(SVC, '10.0.0.1', -5), aRecord(SVC, '10.0.0.2', 2 ** 40)] })));
    expect(packet.answers.map((r) => r.ttl)).toEqual([0, 2 ** 31 - 1]);
  });
});

describe('encoder: name compression is byte for byte, letter case included', () => {
  const ASKED = 'SvC1.TeStNs.svc.cluster.local';

  it('points an owner equal to the question name at offset 12, so the client reads its own case', () => {
    const buf = reply(ASKED, answer({ answer: [aRecord(ASKED, '10.96.0.1')] }));
    const questionEnd = 12 + nameBytes(labels(ASKED)).length + 4;
    expect(buf.subarray(questionEnd, questionEnd + 2)).toEqual(Buffer.from([0xc0, 0x0c]));
    expect(decode(buf).answers[0]!.name).toBe(ASKED);
  });

  it('does not point a differently cased name at the question: it is written out in its own case', () => {
    const lowerOwner = 'svc1.testns.svc.cluster.local';
    const buf = reply(ASKED, answer({ answer: [aRecord(lowerOwner, '10.96.0.1')] }));
    const questionEnd = 12 + nameBytes(labels(ASKED)).length + 4;
    // svc1 and testns are written; "svc.cluster.local" matches the question's suffix byte for byte.
    expect(buf.subarray(questionEnd, questionEnd + 12)).toEqual(Buffer.from('\x04svc1\x06testns', 'latin1'));
    expect(buf.readUInt16BE(questionEnd + 12)).toBe(0xc000 | (12 + 5 + 7));
    expect(decode(buf).answers[0]!.name).toBe(lowerOwner);
  });

  it('writes the zone suffix in the case the query used when the resolver gives it so (SOA owner)', () => {
    const asked = 'nothere.TeStNs.svc.cLuStEr.LoCaL';
    const buf = reply(asked, answer({ rcode: 3, authority: [soaRecord('cLuStEr.LoCaL')] }));
    const packet = decode(buf);
    expect(packet.authorities[0]!.name).toBe('cLuStEr.LoCaL');
    expect(packet.authorities[0]!.primary).toBe('ns.dns.cLuStEr.LoCaL');
    const questionEnd = 12 + nameBytes(labels(asked)).length + 4;
    expect(buf.readUInt16BE(questionEnd)).toBe(0xc000 | (12 + 8 + 7 + 4));
  });

  it('never compresses an SRV target (RFC 2782), even when its suffix is already in the message', () => {
    const target = 'pod-1.svc1.testns.svc.cluster.local';
    const srv: ResourceRecord = { name: SVC, ttl: 5, data: { type: RRType.SRV, priority: 0, weight: 100, port: 80, target } };
    const buf = reply(SVC, answer({ answer: [srv] }), RRType.SRV);
    const rdata = buf.subarray(buf.length - (6 + nameBytes(labels(target)).length));
    expect(rdata.subarray(6)).toEqual(nameBytes(labels(target)));
    expect(buf.readUInt16BE(buf.length - rdata.length - 2)).toBe(rdata.length);
  });

  it('lets later names point at an SRV target written in full (additional A records)', () => {
    const target = 'pod-1.svc1.testns.svc.cluster.local';
    const srv: ResourceRecord = { name: SVC, ttl: 5, data: { type: RRType.SRV, priority: 0, weight: 100, port: 80, target } };
    const buf = reply(SVC, answer({ answer: [srv], additional: [aRecord(target, '10.1.0.1')] }), RRType.SRV);
    const packet = decode(buf);
    expect(packet.additionals[0]).toMatchObject({ name: target, address: '10.1.0.1' });
    // The additional record: 2-byte pointer owner + 10 fixed + 4 address.
    expect(buf.length - (buf.indexOf(nameBytes(labels(target))) + nameBytes(labels(target)).length)).toBe(16);
  });

  it('compresses names inside CNAME, PTR, NS and SOA RDATA against earlier names', () => {
    const cname: ResourceRecord = { name: SVC, ttl: 5, data: { type: RRType.CNAME, target: 'x.testns.svc.cluster.local' } };
    const buf = reply(SVC, answer({ answer: [cname] }), RRType.CNAME);
    // RDATA: "\x01x" + pointer to "testns.svc.cluster.local" inside the question.
    expect(buf.subarray(buf.length - 4)).toEqual(Buffer.from([1, 0x78, 0xc0, 12 + 5]));
  });
});

describe('encoder: bookkeeping for truncation and rotation', () => {
  it('records the end offset of every record and the count per section', () => {
    const encoded = new AnswerEncoder().encode(
      answer({ answer: [aRecord(SVC, '10.0.0.1'), aRecord(SVC, '10.0.0.2')], authority: [soaRecord('cluster.local')], additional: [aRecord('x.cluster.local', '10.0.0.3')] }),
      labels(SVC), 12 + nameBytes(labels(SVC)).length + 4,
    );
    expect(encoded.answerCount).toBe(2);
    expect(encoded.authorityCount).toBe(1);
    expect(encoded.additionalCount).toBe(1);
    expect(encoded.ends.slice(0, 2)).toEqual([16, 32]);
    expect(encoded.ends.at(-1)).toBe(encoded.records.length);
    expect(encoded.rotation).toBeNull();
  });

  it('marks the run of same-size A records after a CNAME as rotatable, when the answer asks for rotation', () => {
    const target = 'real.testns.svc.cluster.local';
    const records: ResourceRecord[] = [
      { name: SVC, ttl: 5, data: { type: RRType.CNAME, target } },
      aRecord(target, '10.0.0.1'), aRecord(target, '10.0.0.2'), aRecord(target, '10.0.0.3'),
    ];
    const encoded = new AnswerEncoder().encode(answer({ answer: records, rotate: true }), labels(SVC), 12 + nameBytes(labels(SVC)).length + 4);
    expect(encoded.rotation).toEqual({ start: encoded.ends[0], count: 3, size: 16 });
  });

  it('does not rotate a single record, nor records whose owner is not a bare pointer', () => {
    const encoder = new AnswerEncoder();
    const base = 12 + nameBytes(labels(SVC)).length + 4;
    expect(encoder.encode(answer({ answer: [aRecord(SVC, '10.0.0.1')], rotate: true }), labels(SVC), base).rotation).toBeNull();
    // The first owner is written in full; only the two after it point at it.
    const other = 'other.cluster.local';
    const encoded = encoder.encode(answer({ answer: [aRecord(other, '10.0.0.1'), aRecord(other, '10.0.0.2'), aRecord(other, '10.0.0.3')], rotate: true }), labels(SVC), base);
    expect(encoded.rotation).toEqual({ start: encoded.ends[0], count: 2, size: 16 });
  });
});
