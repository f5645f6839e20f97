// The walk every upstream reply gets where it is received: names and compression pointers (backwards
// only, to a label of a name already read, no loops, labels ≤ 63, names ≤ 255), each record inside the
// message, as many records as the header counts; and the screening built on it (our reply, QR, opcode,
// trailing bytes cut, a truncated reply that does not walk kept as header and question).
import { describe, expect, it } from 'vitest';
import { screenReply } from '../../../src/resolve/forward/screen.js';
import { Section, walkMessage } from '../../../src/resolve/forward/walk.js';
import { readQuestion } from '../../../src/resolve/forward/wire.js';
import { RRType } from '../../../src/resolve/message.js';
import { decode, message } from './support.js';

const bytes = (...parts: (Buffer | number[])[]): Buffer => Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))));
const u16 = (n: number): number[] => [n >> 8, n & 0xff];

/** Wire form of a dotted name, uncompressed. */
function name(dotted: string): Buffer {
  return bytes(...dotted.split('.').filter(Boolean).map((l) => bytes([l.length], Buffer.from(l, 'latin1'))), [0]);
}

const ptr = (offset: number): number[] => u16(0xc000 | offset);

function rr(owner: Buffer | number[], type: number, rdata: Buffer | number[], rrClass = 1): Buffer {
  const data = bytes(rdata);
  return bytes(owner, u16(type), u16(rrClass), [0, 0, 0, 60], u16(data.length), data);
}

/**
 * A response for www.example.com A: header, the question at 12 (ending at 33), then `records` as
 * given, with the counts given (by default: all of them answers).
 */
const QUESTION_END = 33;
function reply(records: Buffer[], counts: [number, number, number] = [records.length, 0, 0], flags = 0x8180): Buffer {
  return bytes(u16(0x1234), u16(flags), u16(1), u16(counts[0]), u16(counts[1]), u16(counts[2]), name('www.example.com'), u16(1), u16(1), ...records);
}

const addressRecord = (owner: Buffer | number[] = ptr(12)): Buffer => rr(owner, RRType.A, [192, 0, 2, 1]);

function problem(buf: Buffer): string {
  const walk = walkMessage(buf);
  return walk.ok ? 'walked' : walk.problem;
}

describe('walkMessage: what walks', () => {
  it('a dns2-encoded reply, compressed against the question and names inside CNAME, SOA, MX and SRV RDATA, walks to its end', () => {
    const buf = message({
      name: 'www.example.com', type: RRType.ANY, response: true,
      answers: [
        { name: 'www.example.com', type: RRType.CNAME, ttl: 60, domain: 'edge.example.com' },
        { name: 'edge.example.com', type: RRType.MX, ttl: 60, priority: 10, exchange: 'mail.edge.example.com' },
        { name: 'edge.example.com', type: RRType.SRV, ttl: 60, priority: 1, weight: 2, port: 443, target: 'srv.mail.edge.example.com' },
        { name: 'srv.mail.edge.example.com', type: RRType.TXT, ttl: 60, data: ['v=1', 'hello'] },
      ],
      authorities: [{ name: 'example.com', type: RRType.SOA, ttl: 60, primary: 'ns.example.com', admin: 'hostmaster.example.com', serial: 1, refresh: 2, retry: 3, expiration: 4, minimum: 5 }],
      edns: { udp: 1232, options: [{ ednsCode: 10, data: Buffer.alloc(8, 7) }] },
    });
    expect(buf.includes(Buffer.from([0xc0]))).toBe(true);
    const walk = walkMessage(buf);
    expect(walk).toMatchObject({ ok: true, end: buf.length });
    if (!walk.ok) return;
    expect(walk.spans.map((s) => [s.section, s.type])).toEqual([
      [Section.Answer, RRType.CNAME], [Section.Answer, RRType.MX], [Section.Answer, RRType.SRV], [Section.Answer, RRType.TXT],
      [Section.Authority, RRType.SOA], [Section.Additional, RRType.OPT],
    ]);
    expect(walk.spans.every((s) => buf.readUInt32BE(s.ttlOffset) === s.ttl)).toBe(true);
  });

  it('a pointer may lead to any label of an earlier name (a suffix), to its root, or to a pointer ending it', () => {
    const suffix = addressRecord(ptr(16)); // example.com inside the question
    expect(problem(reply([suffix]))).toBe('walked');
    const root = addressRecord(ptr(QUESTION_END - 5)); // the root byte ending the question name
    expect(problem(reply([root]))).toBe('walked');
    const first = addressRecord(bytes([1, 0x61], ptr(12))); // a.www.example.com at 33; its pointer at 35
    expect(problem(reply([first, addressRecord(ptr(35)), addressRecord(ptr(QUESTION_END))]))).toBe('walked');
  });

  it('a name of exactly 255 bytes walks', () => {
    const long = name(['a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(61)].join('.'));
    expect(long.length).toBe(255);
    expect(problem(reply([addressRecord(long)]))).toBe('walked');
  });
});

describe('walkMessage: malformed shapes fail', () => {
  it('a record cut off, in its fixed fields or its RDATA', () => {
    const whole = reply([addressRecord(), addressRecord()]);
    expect(problem(whole.subarray(0, whole.length - 2))).toMatch(/answer record 2 of 2: RDLENGTH 4 runs 2 bytes past the end/);
    expect(problem(whole.subarray(0, whole.length - 9))).toMatch(/answer record 2 of 2 cut off/);
    expect(problem(whole.subarray(0, QUESTION_END + 16 + 1))).toMatch(/answer record 2 of 2: pointer at 49 cut off/);
    expect(problem(whole.subarray(0, QUESTION_END + 16))).toMatch(/answer record 2 of 2 missing: the message ends before it/);
  });

  it('a pointer forward, beyond the message or not', () => {
    expect(problem(reply([addressRecord(ptr(60))]))).toMatch(/pointer at 33 points forward to 60/);
    expect(problem(reply([addressRecord(ptr(4000))]))).toMatch(/points forward to 4000/);
  });

  it('a pointer at itself', () => {
    expect(problem(reply([addressRecord(ptr(QUESTION_END))]))).toMatch(/pointer at 33 points at itself/);
  });

  it('a pointer loop: a name whose pointer leads back to its own first label', () => {
    expect(problem(reply([addressRecord(bytes([1, 0x61], ptr(QUESTION_END)))]))).toMatch(/pointer at 35 leads to 33, which does not start a label of an earlier name/);
  });

  it('a pointer into the middle of a label, into the question type, or into record data', () => {
    expect(problem(reply([addressRecord(ptr(13))]))).toMatch(/leads to 13/);
    expect(problem(reply([addressRecord(ptr(QUESTION_END - 4))]))).toMatch(/leads to 29/);
    const rdata = QUESTION_END + 12; // the address of the first record
    expect(problem(reply([addressRecord(), addressRecord(ptr(rdata))]))).toMatch(/leads to 45/);
  });

  it('a label over 63 bytes, and a name over 255 bytes (written out or through a pointer)', () => {
    expect(problem(reply([addressRecord(bytes([64], Buffer.alloc(64, 0x61), [0]))]))).toMatch(/label length byte 0x40 at 33/);
    const long = name(['a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(62)].join('.'));
    expect(problem(reply([addressRecord(long)]))).toMatch(/longer than 255 bytes/);
    const full = name(['a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(61)].join('.'));
    expect(problem(reply([addressRecord(full), addressRecord(bytes([1, 0x78], ptr(QUESTION_END)))]))).toMatch(/answer record 2 of 2: name at .* longer than 255 bytes/);
  });

  it('an RDLENGTH running past the end of the message', () => {
    const overrun = Buffer.from(reply([addressRecord()]));
    overrun.writeUInt16BE(200, QUESTION_END + 10);
    expect(problem(overrun)).toMatch(/RDLENGTH 200 runs 196 bytes past the end/);
  });

  it('counts larger than the records present, in any section', () => {
    expect(problem(reply([addressRecord()], [2, 0, 0]))).toMatch(/answer record 2 of 2 missing/);
    expect(problem(reply([addressRecord()], [1, 1, 0]))).toMatch(/authority record 1 of 1 missing/);
    expect(problem(reply([addressRecord()], [0, 0, 3]))).toMatch(/additional record 2 of 3 missing/);
  });

  it('RDATA that does not match its type: A and AAAA sizes, a CNAME with bytes after its name, a TXT string overrun, a bad pointer inside', () => {
    expect(problem(reply([rr(ptr(12), RRType.A, [1, 2, 3, 4, 5])]))).toMatch(/A record with 5 bytes/);
    expect(problem(reply([rr(ptr(12), RRType.AAAA, [1, 2, 3, 4])]))).toMatch(/AAAA record with 4 bytes/);
    expect(problem(reply([rr(ptr(12), RRType.CNAME, bytes(ptr(16), [9]))]))).toMatch(/does not fit its names/);
    expect(problem(reply([rr(ptr(12), RRType.TXT, [5, 0x61, 0x62])]))).toMatch(/TXT character-string/);
    expect(problem(reply([rr(ptr(12), RRType.CNAME, ptr(60))]))).toMatch(/type 5 RDATA: pointer at 45 points forward/);
    expect(problem(reply([rr(ptr(12), RRType.MX, [0])]))).toMatch(/too short for its name/);
  });

  it('an OPT record outside the additional section, a second one, or options overrunning it', () => {
    const opt = (rdata: number[] = []): Buffer => rr([0], RRType.OPT, rdata, 1232);
    expect(problem(reply([opt()], [1, 0, 0]))).toMatch(/OPT record in the answer section/);
    expect(problem(reply([opt(), opt()], [0, 0, 2]))).toMatch(/a second OPT record/);
    expect(problem(reply([opt([0, 10, 0, 8, 1, 2])], [0, 0, 1]))).toMatch(/EDNS option runs past its RDATA/);
    expect(problem(reply([rr(ptr(12), RRType.OPT, [])], [0, 0, 1]))).toMatch(/owned by a name other than the root/);
  });

  it('fewer than 12 bytes', () => {
    expect(problem(Buffer.alloc(11))).toMatch(/only 11 bytes/);
  });
});

describe('walkMessage: bytes after the last record', () => {
  it('are no record: the walk ends where the records the header counts end', () => {
    const sound = reply([addressRecord()]);
    const walk = walkMessage(bytes(sound, [1, 2, 3, 0xc0, 0xff]));
    expect(walk).toMatchObject({ ok: true, end: sound.length });
  });
});

describe('screenReply', () => {
  const query = message({ id: 0x1234, name: 'www.example.com', type: RRType.A });
  const asked = readQuestion(query)!;
  const sound = reply([addressRecord()]);

  it('a sound reply is ours as it came, with the spans of its records', () => {
    const screened = screenReply(sound, 0x1234, asked);
    expect(screened).toMatchObject({ kind: 'reply', reply: sound });
    if (screened.kind === 'reply') expect(screened.spans.map((s) => s.type)).toEqual([RRType.A]);
  });

  it('another ID or another question is stray (not ours: keep waiting)', () => {
    expect(screenReply(sound, 0x4321, asked).kind).toBe('stray');
    const other = message({ id: 0x1234, name: 'www.example.org', type: RRType.A, response: true });
    expect(screenReply(other, 0x1234, asked).kind).toBe('stray');
  });

  it('trailing bytes are cut, in a copy', () => {
    const junk = bytes(sound, Buffer.alloc(40, 0xee));
    const screened = screenReply(junk, 0x1234, asked);
    expect(screened.kind).toBe('reply');
    if (screened.kind !== 'reply') return;
    junk.fill(0);
    expect(screened.reply).toEqual(sound);
  });

  it('QR clear (a query coming back, not a response) is malformed', () => {
    expect(screenReply(reply([addressRecord()], [1, 0, 0], 0x0100), 0x1234, asked)).toEqual({ kind: 'malformed', problem: 'QR is not set: a query, not a response' });
  });

  it('a response with another opcode than the query is malformed', () => {
    const status = reply([addressRecord()], [1, 0, 0], 0x8180 | (2 << 11));
    expect(screenReply(status, 0x1234, asked)).toEqual({ kind: 'malformed', problem: 'opcode 2 in reply to opcode 0' });
  });

  it('a reply that does not walk is malformed, with the walk saying why', () => {
    expect(screenReply(reply([addressRecord(ptr(QUESTION_END))]), 0x1234, asked)).toEqual({
      kind: 'malformed', problem: 'answer record 1 of 1: pointer at 33 points at itself',
    });
  });

  it('a truncated reply cut inside a record keeps its header and question only, TC set: still "retry over TCP"', () => {
    const cut = reply([addressRecord(), addressRecord()], [2, 0, 0], 0x8380).subarray(0, QUESTION_END + 20);
    const screened = screenReply(cut, 0x1234, asked);
    expect(screened).toMatchObject({ kind: 'reply', spans: [] });
    if (screened.kind !== 'reply') return;
    const p = decode(screened.reply);
    expect(p.header).toMatchObject({ id: 0x1234, qr: 1, tc: 1 });
    expect(p.questions[0]!.name).toBe('www.example.com');
    expect([p.answers.length, p.authorities.length, p.additionals.length]).toEqual([0, 0, 0]);
    expect(walkMessage(screened.reply)).toMatchObject({ ok: true, end: screened.reply.length });
  });
});
