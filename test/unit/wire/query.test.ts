import { describe, expect, it } from 'vitest';
import { RRType } from '../../../src/resolve/message.js';
import { parseQuery } from '../../../src/wire/query.js';
import { labels, nameBytes, optRecord, query } from '../../wire/support.js';

const NAME = labels('web.default.svc.cluster.local');

describe('parseQuery: well-formed queries', () => {
  it('reads id, flags, the question as sent and lower-cased, and where the question ends', () => {
    const buf = query({ id: 0xbeef, labels: labels('SvC1.TeStNs.svc.cLuStEr.local'), type: RRType.SRV, flags: 0x0110 });
    const parsed = parseQuery(buf);
    expect(parsed.status).toBe('ok');
    expect(parsed.id).toBe(0xbeef);
    expect(parsed.opcode).toBe(0);
    expect(parsed.rd).toBe(true);
    expect(parsed.cd).toBe(true);
    expect(parsed.question).toEqual({
      labels: ['SvC1', 'TeStNs', 'svc', 'cLuStEr', 'local'],
      lower: ['svc1', 'testns', 'svc', 'cluster', 'local'],
      type: RRType.SRV,
      class: 1,
    });
    expect(parsed.questionEnd).toBe(buf.length);
    expect(parsed.edns).toBeNull();
  });

  it('lower-cases ASCII letters only (RFC 4343), leaving bytes above 0x7F alone', () => {
    const parsed = parseQuery(query({ labels: ['A\u00c0b', 'local'] }));
    expect(parsed.question?.lower).toEqual(['a\u00c0b', 'local']);
    expect(parsed.question?.labels).toEqual(['A\u00c0b', 'local']);
  });

  it('reads the root name as no labels', () => {
    const parsed = parseQuery(query({ labels: [], type: RRType.NS }));
    expect(parsed.status).toBe('ok');
    expect(parsed.question?.labels).toEqual([]);
    expect(parsed.questionEnd).toBe(17);
  });

  it('reads EDNS: UDP size, version and the DO bit', () => {
    const parsed = parseQuery(query({ labels: NAME, edns: { udpSize: 4096, dnssecOk: true } }));
    expect(parsed.status).toBe('ok');
    expect(parsed.edns).toEqual({ udpSize: 4096, version: 0, dnssecOk: true });
    expect(parsed.questionEnd).toBe(12 + nameBytes(NAME).length + 4);
  });

  it('accepts OPT options that fill the RDATA exactly (a cookie)', () => {
    const cookie = Buffer.from([0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]);
    const parsed = parseQuery(query({ labels: NAME, edns: { options: cookie } }));
    expect(parsed.status).toBe('ok');
    expect(parsed.edns?.udpSize).toBe(1232);
  });

  it('skips other additional records (compressed owner) and still finds the OPT', () => {
    const other = Buffer.concat([Buffer.from([0xc0, 0x0c, 0, 16, 0, 1, 0, 0, 0, 0, 0, 2, 1, 0x61])]);
    const parsed = parseQuery(query({ labels: NAME, additional: [other], edns: { udpSize: 2048 } }));
    expect(parsed.status).toBe('ok');
    expect(parsed.edns?.udpSize).toBe(2048);
  });
});

describe('parseQuery: what is dropped without an answer', () => {
  it('drops anything shorter than a header', () => {
    expect(parseQuery(Buffer.alloc(0)).status).toBe('drop');
    expect(parseQuery(Buffer.from('hello')).status).toBe('drop');
    expect(parseQuery(Buffer.alloc(11)).status).toBe('drop');
  });

  it('drops responses (QR=1), so two servers can never answer each other in a loop', () => {
    expect(parseQuery(query({ labels: NAME, flags: 0x8180 })).status).toBe('drop');
  });
});

describe('parseQuery: error statuses', () => {
  it('answers NOTIMP to opcodes other than QUERY, keeping the question for the echo', () => {
    const notify = parseQuery(query({ labels: NAME, flags: 4 << 11, type: RRType.SOA }));
    expect(notify.status).toBe('notimp');
    expect(notify.opcode).toBe(4);
    expect(notify.question?.labels).toEqual(NAME);
    expect(parseQuery(query({ labels: NAME, flags: 2 << 11 })).status).toBe('notimp');
    expect(parseQuery(query({ labels: NAME, flags: 5 << 11, qdcount: 0 })).status).toBe('notimp');
  });

  it('answers FORMERR when QDCOUNT is not 1', () => {
    const none = parseQuery(query({ labels: NAME, qdcount: 0 }));
    expect(none.status).toBe('formerr');
    expect(none.question).toBeNull();
    expect(parseQuery(query({ labels: NAME, qdcount: 2 })).status).toBe('formerr');
  });

  it('answers FORMERR to a label length above 63 (0x40 and 0x80 label types)', () => {
    const buf = query({ labels: ['abc', 'local'] });
    buf[12] = 0x40;
    expect(parseQuery(buf).status).toBe('formerr');
    buf[12] = 0x83;
    expect(parseQuery(buf).status).toBe('formerr');
  });

  it('answers FORMERR to a name longer than 255 octets', () => {
    const long = Array.from({ length: 5 }, () => 'x'.repeat(50)); // 5 × 51 + 1 = 256 octets
    expect(parseQuery(query({ labels: long })).status).toBe('formerr');
    const fits = Array.from({ length: 5 }, (_, i) => 'x'.repeat(i === 4 ? 49 : 50)); // 255 octets
    expect(parseQuery(query({ labels: fits })).status).toBe('ok');
  });

  it('answers FORMERR to a compression pointer in the question name', () => {
    const header = query({ labels: [] }).subarray(0, 12);
    const buf = Buffer.concat([header, Buffer.from([3, 0x77, 0x77, 0x77, 0xc0, 0x0c, 0, 1, 0, 1])]);
    expect(parseQuery(buf).status).toBe('formerr');
  });

  it('answers FORMERR to a truncated name and to a missing type or class', () => {
    const buf = query({ labels: NAME });
    expect(parseQuery(buf.subarray(0, 20)).status).toBe('formerr');
    expect(parseQuery(buf.subarray(0, buf.length - 4)).status).toBe('formerr');
    expect(parseQuery(buf.subarray(0, buf.length - 1)).status).toBe('formerr');
  });

  it('answers FORMERR to an OPT whose options overrun its RDATA', () => {
    const parsed = parseQuery(query({ labels: NAME, edns: { options: Buffer.from([0, 10, 0, 9, 1, 2]) } }));
    expect(parsed.status).toBe('formerr');
    expect(parsed.question?.labels).toEqual(NAME);
    expect(parsed.edns).toBeNull();
  });

  it('answers FORMERR to an OPT whose RDATA runs past the message', () => {
    const buf = query({ labels: NAME, edns: {} });
    buf.writeUInt16BE(20, buf.length - 2);
    expect(parseQuery(buf).status).toBe('formerr');
  });

  it('answers FORMERR to two OPT records', () => {
    const opt = optRecord({});
    expect(parseQuery(query({ labels: NAME, additional: [opt], edns: {} })).status).toBe('formerr');
  });

  it('answers FORMERR to an OPT owned by a name other than the root', () => {
    const opt = Buffer.concat([Buffer.from([1, 0x61]), optRecord({})]);
    expect(parseQuery(query({ labels: NAME, additional: [opt] })).status).toBe('formerr');
  });

  it('answers FORMERR when ARCOUNT promises more records than the message holds', () => {
    const buf = query({ labels: NAME });
    buf.writeUInt16BE(1, 10);
    expect(parseQuery(buf).status).toBe('formerr');
  });

  it('answers BADVERS to EDNS versions above 0', () => {
    const parsed = parseQuery(query({ labels: NAME, edns: { version: 1, dnssecOk: true } }));
    expect(parsed.status).toBe('badvers');
    expect(parsed.edns).toEqual({ udpSize: 1232, version: 1, dnssecOk: true });
  });

  it('answers REFUSED to classes other than IN (CH, ANY)', () => {
    expect(parseQuery(query({ labels: labels('version.bind'), type: RRType.TXT, qclass: 3 })).status).toBe('refused');
    expect(parseQuery(query({ labels: NAME, qclass: 255 })).status).toBe('refused');
  });
});
