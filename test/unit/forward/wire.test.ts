// Byte-level helpers: questions and EDNS read from real messages (dns2-encoded), names with pointers,
// cache keys, replies made a client's own, and answer records decoded.
import { describe, expect, it } from 'vitest';
import { decodeAnswers } from '../../../src/resolve/forward/records.js';
import { walkMessage, type RecordSpan } from '../../../src/resolve/forward/walk.js';
import { buildQuery, cacheKey, readName, readQuestion, refusedReply, replyForClient } from '../../../src/resolve/forward/wire.js';
import { Rcode, RRType } from '../../../src/resolve/message.js';
import { decode, message } from './support.js';

function spansOf(reply: Buffer): RecordSpan[] {
  const walk = walkMessage(reply);
  if (!walk.ok) throw new Error(walk.problem);
  return walk.spans;
}

describe('readQuestion', () => {
  it('reads ID, type, class, the name lower-cased and the EDNS size and DO bit', () => {
    const q = readQuestion(message({ id: 77, name: 'WwW.Example.COM', type: RRType.AAAA, edns: { udp: 4096, do: true } }))!;
    expect(q).toMatchObject({ id: 77, type: RRType.AAAA, class: 1, edns: { udpSize: 4096, dnssecOk: true } });
    expect(q.nameKey).toBe('\x03www\x07example\x03com\x00');
    expect(readQuestion(message({ name: 'a.example', type: RRType.A }))!.edns).toBeNull();
  });

  it('folds only ASCII letters: a name already in lower case is read as it is, other bytes keep their value', () => {
    expect(readQuestion(message({ name: 'www.example.com', type: RRType.A }))!.nameKey).toBe('\x03www\x07example\x03com\x00');
    // 0xC9 ('É' in latin1) is not a letter to DNS (RFC 4343): it must not meet 0xE9 ('é').
    const upper = message({ name: 'xx.example', type: RRType.A });
    upper[13] = 0xc9;
    upper[14] = 0x41;
    expect(readQuestion(upper)!.nameKey).toBe('\x02\xc9a\x07example\x00');
  });

  it('rejects what is not one readable question', () => {
    const good = message({ name: 'a.example', type: RRType.A });
    expect(readQuestion(good.subarray(0, 11))).toBeNull();
    expect(readQuestion(good.subarray(0, good.length - 2))).toBeNull();
    const two = Buffer.from(good);
    two.writeUInt16BE(2, 4);
    expect(readQuestion(two)).toBeNull();
    const pointer = Buffer.from(good);
    pointer[12] = 0xc0;
    expect(readQuestion(pointer)).toBeNull();
  });

  it('keys the cache on the name in any case, type, class, EDNS presence, DO and CD', () => {
    const key = (name: string, edns?: { do?: boolean }) => cacheKey(readQuestion(message({ name, type: RRType.A, ...(edns ? { edns } : {}) }))!);
    expect(key('WWW.example.com')).toBe(key('www.EXAMPLE.com'));
    expect(key('www.example.com')).not.toBe(key('www.example.com', {}));
    expect(key('www.example.com', {})).not.toBe(key('www.example.com', { do: true }));
  });
});

describe('readName', () => {
  it('follows compression pointers and refuses pointer loops', () => {
    const reply = message({
      name: 'www.example.com', type: RRType.CNAME, response: true,
      answers: [{ name: 'www.example.com', type: RRType.CNAME, ttl: 5, domain: 'edge.example.com' }],
    });
    const spans = spansOf(reply);
    expect(readName(reply, spans[0]!.rdataOffset)?.labels).toEqual(['edge', 'example', 'com']);
    const loop = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xc0, 12]);
    expect(readName(loop, 12)).toBeNull();
  });
});

describe('buildQuery', () => {
  it('builds a query dns2 reads back, with RD and an OPT record when asked', () => {
    const p = decode(buildQuery('ext.example.com.', RRType.A, { recursionDesired: true, edns: true })!);
    expect(p.questions[0]).toMatchObject({ name: 'ext.example.com', type: RRType.A, class: 1 });
    expect(p.header.rd).toBe(1);
    expect(p.additionals.map((r) => r.type)).toEqual([RRType.OPT]);
    expect(decode(buildQuery('.', RRType.NS, { recursionDesired: false, edns: false })!).questions[0]).toMatchObject({ name: '', type: RRType.NS });
  });

  it('refuses names with empty or over-long labels', () => {
    expect(buildQuery('a..b', RRType.A, { recursionDesired: true, edns: false })).toBeNull();
    expect(buildQuery(`${'x'.repeat(64)}.example`, RRType.A, { recursionDesired: true, edns: false })).toBeNull();
  });
});

describe('replies for a client', () => {
  it("REFUSED carries the client's ID, question and an OPT when the query had one", () => {
    const query = message({ id: 5, name: 'Mixed.Case', type: RRType.TXT, edns: { do: true } });
    const p = decode(refusedReply(query, readQuestion(query)!));
    expect(p.header).toMatchObject({ id: 5, qr: 1, rcode: Rcode.REFUSED });
    expect(p.questions[0]!.name).toBe('Mixed.Case');
    expect(p.additionals.find((r) => r.type === RRType.OPT)?.doFlag).toBe(true);
  });

  it('copies ID, RD, CD and question bytes onto an upstream reply', () => {
    const query = message({ id: 9, name: 'WWW.example.com', type: RRType.A, rd: false });
    const upstream = message({ id: 1, name: 'www.example.com', type: RRType.A, response: true, answers: [{ name: 'www.example.com', type: RRType.A, ttl: 5, address: '192.0.2.1' }] });
    const p = decode(replyForClient(upstream, query, readQuestion(query)!, 512));
    expect(p.header).toMatchObject({ id: 9, rd: 0, qr: 1 });
    expect(p.questions[0]!.name).toBe('WWW.example.com');
    expect(p.answers[0]!.address).toBe('192.0.2.1');
  });

  it("gives each reply memory of its own, never a slice of Node's shared Buffer pool (a pooled reply per query kept promoting pools)", () => {
    const query = message({ id: 9, name: 'www.example.com', type: RRType.A });
    const upstream = message({ id: 1, name: 'www.example.com', type: RRType.A, response: true, answers: [{ name: 'www.example.com', type: RRType.A, ttl: 5, address: '192.0.2.1' }] });
    const reply = replyForClient(upstream, query, readQuestion(query)!, 512);
    expect(reply.buffer.byteLength).toBe(reply.length);
    expect(reply.byteOffset).toBe(0);
    expect(reply.buffer).not.toBe(upstream.buffer);
  });
});

describe('decodeAnswers', () => {
  it('decodes SOA and NS with compressed names, and keeps MX as raw bytes with its name expanded', () => {
    const reply = message({
      name: 'example.com', type: RRType.ANY, response: true,
      answers: [
        { name: 'example.com', type: RRType.SOA, ttl: 60, primary: 'ns.example.com', admin: 'hostmaster.example.com', serial: 7, refresh: 1, retry: 2, expiration: 3, minimum: 4 },
        { name: 'example.com', type: RRType.NS, ttl: 60, ns: 'ns.example.com' },
        { name: 'example.com', type: RRType.MX, ttl: 60, priority: 10, exchange: 'mail.example.com' },
      ],
    });
    const records = decodeAnswers(reply, spansOf(reply));
    expect(records.map((r) => r.data)).toEqual([
      { type: RRType.SOA, mname: 'ns.example.com', rname: 'hostmaster.example.com', serial: 7, refresh: 1, retry: 2, expire: 3, minimum: 4 },
      { type: RRType.NS, target: 'ns.example.com' },
      { type: RRType.MX, raw: new Uint8Array([0, 10, 4, ...Buffer.from('mail'), 7, ...Buffer.from('example'), 3, ...Buffer.from('com'), 0]) },
    ]);
  });
});
