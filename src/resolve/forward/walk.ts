// The one walk over an upstream reply, done once where it is received: every name (the question, the
// owners, and the names inside the RDATA of the types that carry them) with its compression pointers
// checked, every record inside the message, as many records as the header counts. Its spans (where each
// record and its TTL sit) are all the cache and the decoders need afterwards, so nothing walks twice.
import { RRClass, RRType } from '../message.js';
import { HEADER_SIZE } from './wire.js';

export const Section = { Answer: 0, Authority: 1, Additional: 2 } as const;
export type Section = (typeof Section)[keyof typeof Section];

const SECTION_NAMES = ['answer', 'authority', 'additional'] as const;

export interface RecordSpan {
  readonly section: Section;
  readonly nameOffset: number;
  readonly type: number;
  readonly class: number;
  readonly ttlOffset: number;
  readonly ttl: number;
  readonly rdataOffset: number;
  readonly rdataLength: number;
}

export type Walk =
  /** `end`: just past the last record the header counts; bytes after it belong to no record. */
  | { readonly ok: true; readonly spans: RecordSpan[]; readonly end: number }
  | { readonly ok: false; readonly problem: string };

const MAX_NAME = 255;

/**
 * Where names sit in the RDATA of the types that carry them: bytes before the first name, how many
 * names follow one another, and how many bytes must follow the last ('rest': any number). RFC 1035
 * types may compress these names; the later types must not, but a pointer there is still checked
 * like any other, and each of these names is a place later pointers may lead to.
 */
interface NamedRData {
  readonly before: number;
  readonly names: 1 | 2;
  readonly after: number | 'rest';
}

const ONE_NAME: NamedRData = { before: 0, names: 1, after: 0 };
const TWO_NAMES: NamedRData = { before: 0, names: 2, after: 0 };
const PREFERENCE_NAME: NamedRData = { before: 2, names: 1, after: 0 };

const NAMED_RDATA: ReadonlyMap<number, NamedRData> = new Map<number, NamedRData>([
  [RRType.NS, ONE_NAME], [3, ONE_NAME], [4, ONE_NAME], [RRType.CNAME, ONE_NAME], [7, ONE_NAME], [8, ONE_NAME],
  [9, ONE_NAME], [RRType.PTR, ONE_NAME], [39, ONE_NAME], // MD, MF, MB, MG, MR, DNAME
  [RRType.SOA, { before: 0, names: 2, after: 20 }],
  [14, TWO_NAMES], [17, TWO_NAMES], // MINFO, RP
  [RRType.MX, PREFERENCE_NAME], [18, PREFERENCE_NAME], [21, PREFERENCE_NAME], [36, PREFERENCE_NAME], // AFSDB, RT, KX
  [26, { before: 2, names: 2, after: 0 }], // PX
  [RRType.SRV, { before: 6, names: 1, after: 0 }],
  [24, { before: 18, names: 1, after: 'rest' }], [46, { before: 18, names: 1, after: 'rest' }], // SIG, RRSIG
  [47, { before: 0, names: 1, after: 'rest' }], // NSEC
]);

/**
 * Offset just past the name at `offset`, which must end by `limit`, or what is wrong with it.
 *
 * `starts[o]` is non-zero where a name read in full earlier starts or continues (a label, the pointer
 * or the root ending it) and holds the wire length of the name from there. A pointer may lead only to
 * such an offset: strictly backwards, to the start of a label of a name already whole — so never into
 * the name it belongs to, and never in a loop — and the length it adds is known without following it.
 */
function walkName(buf: Buffer, offset: number, limit: number, starts: Uint8Array): number | string {
  let pos = offset;
  let labels = 0; // wire bytes of the labels before the root or pointer
  let rest: number; // wire length of what ends the name: the root, or the name a pointer leads to
  let end: number;
  for (;;) {
    if (pos >= limit) return `name at ${offset} runs past ${limit === buf.length ? 'the end of the message' : 'its RDATA'}`;
    const len = buf[pos]!;
    if (len === 0) {
      rest = 1;
      end = pos + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (pos + 2 > limit) return `pointer at ${pos} cut off`;
      const target = ((len & 0x3f) << 8) | buf[pos + 1]!;
      if (target === pos) return `pointer at ${pos} points at itself`;
      if (target > pos) return `pointer at ${pos} points forward to ${target}`;
      rest = starts[target]!;
      if (rest === 0) return `pointer at ${pos} leads to ${target}, which does not start a label of an earlier name`;
      end = pos + 2;
      break;
    }
    if ((len & 0xc0) !== 0) return `label length byte 0x${len.toString(16)} at ${pos} (labels are at most 63 bytes)`;
    labels += len + 1;
    if (labels + 1 > MAX_NAME) return `name at ${offset} longer than ${MAX_NAME} bytes`;
    pos += len + 1;
  }
  const total = labels + rest;
  if (total > MAX_NAME) return `name at ${offset} longer than ${MAX_NAME} bytes`;
  for (let at = offset; at < pos; at += buf[at]! + 1) starts[at] = total - (at - offset);
  starts[pos] = rest;
  return end;
}

/** What is wrong with the RDATA of one record, or null. */
function rdataProblem(buf: Buffer, type: number, rrClass: number, from: number, to: number, starts: Uint8Array): string | null {
  const length = to - from;
  if (rrClass === RRClass.IN && type === RRType.A && length !== 4) return `A record with ${length} bytes of RDATA`;
  if (rrClass === RRClass.IN && type === RRType.AAAA && length !== 16) return `AAAA record with ${length} bytes of RDATA`;
  if (type === RRType.TXT) return textProblem(buf, from, to);
  const layout = NAMED_RDATA.get(type);
  if (layout === undefined) return null;
  let pos = from + layout.before;
  if (pos >= to) return `type ${type} RDATA of ${length} bytes too short for its name`;
  for (let i = 0; i < layout.names; i++) {
    const end = walkName(buf, pos, to, starts);
    if (typeof end === 'string') return `type ${type} RDATA: ${end}`;
    pos = end;
  }
  const after = to - pos;
  if (layout.after !== 'rest' && after !== layout.after) return `type ${type} RDATA of ${length} bytes does not fit its names`;
  return null;
}

/** TXT RDATA is character-strings, the last ending where the RDATA ends. */
function textProblem(buf: Buffer, from: number, to: number): string | null {
  let pos = from;
  while (pos < to) pos += 1 + buf[pos]!;
  return pos === to ? null : 'TXT character-string runs past its RDATA';
}

/** What is wrong with an OPT record (RFC 6891 §6.1.1), or null. */
function optProblem(buf: Buffer, section: Section, owner: number, seen: boolean, from: number, to: number): string | null {
  if (section !== Section.Additional) return `OPT record in the ${SECTION_NAMES[section]} section`;
  if (seen) return 'a second OPT record';
  if (buf[owner] !== 0) return 'OPT record owned by a name other than the root';
  for (let pos = from; pos < to; ) {
    if (pos + 4 > to) return 'EDNS option header cut off';
    pos += 4 + buf.readUInt16BE(pos + 2);
    if (pos > to) return 'EDNS option runs past its RDATA';
  }
  return null;
}

/** Every question and record the header counts, checked; the spans of the records. */
export function walkMessage(buf: Buffer): Walk {
  const fail = (problem: string): Walk => ({ ok: false, problem });
  if (buf.length < HEADER_SIZE) return fail(`only ${buf.length} bytes`);
  const starts = new Uint8Array(buf.length);
  let pos = HEADER_SIZE;
  const questions = buf.readUInt16BE(4);
  for (let i = 1; i <= questions; i++) {
    const end = walkName(buf, pos, buf.length, starts);
    if (typeof end === 'string') return fail(`question ${i}: ${end}`);
    if (end + 4 > buf.length) return fail(`question ${i} cut off`);
    pos = end + 4;
  }
  const spans: RecordSpan[] = [];
  let optSeen = false;
  for (const section of [Section.Answer, Section.Authority, Section.Additional]) {
    const count = buf.readUInt16BE(6 + 2 * section);
    for (let i = 1; i <= count; i++) {
      const where = `${SECTION_NAMES[section]} record ${i} of ${count}`;
      if (pos >= buf.length) return fail(`${where} missing: the message ends before it`);
      const nameEnd = walkName(buf, pos, buf.length, starts);
      if (typeof nameEnd === 'string') return fail(`${where}: ${nameEnd}`);
      if (nameEnd + 10 > buf.length) return fail(`${where} cut off`);
      const type = buf.readUInt16BE(nameEnd);
      const rrClass = buf.readUInt16BE(nameEnd + 2);
      const rdataOffset = nameEnd + 10;
      const rdataLength = buf.readUInt16BE(nameEnd + 8);
      const rdataEnd = rdataOffset + rdataLength;
      if (rdataEnd > buf.length) return fail(`${where}: RDLENGTH ${rdataLength} runs ${rdataEnd - buf.length} bytes past the end`);
      const problem = type === RRType.OPT
        ? optProblem(buf, section, pos, optSeen, rdataOffset, rdataEnd)
        : rdataProblem(buf, type, rrClass, rdataOffset, rdataEnd, starts);
      if (problem !== null) return fail(`${where}: ${problem}`);
      optSeen ||= type === RRType.OPT;
      spans.push({
        section, nameOffset: pos, type, class: rrClass, ttlOffset: nameEnd + 4, ttl: buf.readUInt32BE(nameEnd + 4), rdataOffset, rdataLength,
      });
      pos = rdataEnd;
    }
  }
  return { ok: true, spans, end: pos };
}
