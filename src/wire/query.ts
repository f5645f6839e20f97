// Hot-path query parser: header, the one question, and the OPT record, read by hand.
// It never throws: every malformed input maps to a status the dispatcher answers (or drops).
import type { Question } from '../resolve/message.js';
import { RRClass, RRType } from '../resolve/message.js';

/**
 * What to do with a query: `ok` to answer, `drop` to send nothing (too short to answer, or a response:
 * answering responses invites reflection loops), otherwise the error rcode to reply with.
 */
export type ParseStatus = 'ok' | 'drop' | 'formerr' | 'notimp' | 'refused' | 'badvers';

export interface Edns {
  /** Advertised UDP payload size as sent (below 512 means 512, RFC 6891 §6.2.5). */
  readonly udpSize: number;
  readonly version: number;
  /** The DO bit, echoed in the reply. */
  readonly dnssecOk: boolean;
}

export interface ParsedQuery {
  readonly status: ParseStatus;
  readonly id: number;
  readonly opcode: number;
  readonly rd: boolean;
  readonly cd: boolean;
  /** The question when it was readable (also for most error statuses, so replies can echo it). */
  readonly question: Question | null;
  /** Offset just past the question (12 when there is no readable question). */
  readonly questionEnd: number;
  /** The OPT record's content when the query had a well-formed one. */
  readonly edns: Edns | null;
}

const HEADER_SIZE = 12;
const MAX_NAME_WIRE_LENGTH = 255;

/** ASCII-only lower-casing (RFC 4343): bytes above 0x7F are left as they are. */
function lowerLabel(buf: Buffer, start: number, end: number, label: string): string {
  let upper = false;
  let high = false;
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b >= 0x41 && b <= 0x5a) upper = true;
    else if (b > 0x7f) high = true;
  }
  if (!upper) return label;
  if (!high) return label.toLowerCase();
  let lowered = '';
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    lowered += String.fromCharCode(b >= 0x41 && b <= 0x5a ? b | 0x20 : b);
  }
  return lowered;
}

interface NameRead {
  labels: string[];
  lower: string[];
  end: number;
}

/**
 * The question name: uncompressed labels only (a pointer here is FORMERR). Null when malformed.
 * A name already in lower case (the usual case) gets one array for both `labels` and `lower`.
 */
function readQuestionName(buf: Buffer, offset: number): NameRead | null {
  const labels: string[] = [];
  let lower: string[] | null = null;
  let wireLength = 1;
  let at = offset;
  for (;;) {
    if (at >= buf.length) return null;
    const length = buf[at]!;
    if (length === 0) return { labels, lower: lower ?? labels, end: at + 1 };
    // 0xC0 is a pointer, 0x40 and 0x80 are extended label types: none belongs in a question.
    if (length > 63) return null;
    const start = at + 1;
    const end = start + length;
    wireLength += length + 1;
    if (end > buf.length || wireLength > MAX_NAME_WIRE_LENGTH) return null;
    const label = buf.toString('latin1', start, end);
    const lowered = lowerLabel(buf, start, end, label);
    if (lower === null && lowered !== label) lower = labels.slice();
    labels.push(label);
    lower?.push(lowered);
    at = end;
  }
}

/**
 * The question name of a message, labels as sent, and the offset after its zero byte; null when it
 * is not a well-formed uncompressed name (for readers outside the query path, such as query logs).
 */
export function questionNameLabels(buf: Buffer): { readonly labels: readonly string[]; readonly end: number } | null {
  return readQuestionName(buf, HEADER_SIZE);
}

/** Skips a possibly compressed name in a record; returns the offset after it, or -1. */
function skipName(buf: Buffer, offset: number): number {
  let at = offset;
  let wireLength = 1;
  for (;;) {
    if (at >= buf.length) return -1;
    const length = buf[at]!;
    if (length === 0) return at + 1;
    if ((length & 0xc0) === 0xc0) return at + 2 <= buf.length ? at + 2 : -1;
    if (length > 63) return -1;
    wireLength += length + 1;
    if (wireLength > MAX_NAME_WIRE_LENGTH) return -1;
    at += length + 1;
  }
}

/** Option list of an OPT record: each option's length must land exactly on the RDATA's end. */
function optionsWellFormed(buf: Buffer, start: number, end: number): boolean {
  let at = start;
  while (at < end) {
    if (at + 4 > end) return false;
    at += 4 + buf.readUInt16BE(at + 2);
  }
  return at === end;
}

interface RecordsRead {
  edns: Edns | null;
  malformed: boolean;
}

/** Walks answer, authority and additional records (queries rarely have any) to find the one OPT. */
function readRecords(buf: Buffer, offset: number, count: number, additionalFrom: number): RecordsRead {
  let edns: Edns | null = null;
  let at = offset;
  for (let i = 0; i < count; i++) {
    const nameStart = at;
    at = skipName(buf, at);
    if (at < 0 || at + 10 > buf.length) return { edns, malformed: true };
    const type = buf.readUInt16BE(at);
    const rdLength = buf.readUInt16BE(at + 8);
    const rdStart = at + 10;
    const rdEnd = rdStart + rdLength;
    if (rdEnd > buf.length) return { edns, malformed: true };
    if (type === RRType.OPT) {
      // One OPT, owned by the root, in the additional section (RFC 6891 §6.1.1).
      if (edns !== null || i < additionalFrom || at !== nameStart + 1) return { edns, malformed: true };
      if (!optionsWellFormed(buf, rdStart, rdEnd)) return { edns, malformed: true };
      edns = {
        udpSize: buf.readUInt16BE(at + 2),
        version: buf[at + 5]!,
        dnssecOk: (buf[at + 6]! & 0x80) !== 0,
      };
    }
    at = rdEnd;
  }
  return { edns, malformed: false };
}

function result(
  status: ParseStatus, id: number, opcode: number, flags: number,
  question: Question | null, questionEnd: number, edns: Edns | null,
): ParsedQuery {
  return { status, id, opcode, rd: (flags & 0x0100) !== 0, cd: (flags & 0x0010) !== 0, question, questionEnd, edns };
}

const DROPPED: ParsedQuery = { status: 'drop', id: 0, opcode: 0, rd: false, cd: false, question: null, questionEnd: HEADER_SIZE, edns: null };

export function parseQuery(buf: Buffer): ParsedQuery {
  if (buf.length < HEADER_SIZE) return DROPPED;
  const flags = buf.readUInt16BE(2);
  if ((flags & 0x8000) !== 0) return DROPPED;
  const id = buf.readUInt16BE(0);
  const opcode = (flags >> 11) & 0x0f;
  const unsupported: ParseStatus = opcode === 0 ? 'formerr' : 'notimp';
  if (buf.readUInt16BE(4) !== 1) return result(unsupported, id, opcode, flags, null, HEADER_SIZE, null);

  const name = readQuestionName(buf, HEADER_SIZE);
  if (name === null || name.end + 4 > buf.length) return result(unsupported, id, opcode, flags, null, HEADER_SIZE, null);
  const questionEnd = name.end + 4;
  const qclass = buf.readUInt16BE(name.end + 2);
  const question: Question = { labels: name.labels, lower: name.lower, type: buf.readUInt16BE(name.end), class: qclass };

  const answers = buf.readUInt16BE(6);
  const authorities = buf.readUInt16BE(8);
  const additionals = buf.readUInt16BE(10);
  let edns: Edns | null = null;
  if (answers + authorities + additionals > 0) {
    const records = readRecords(buf, questionEnd, answers + authorities + additionals, answers + authorities);
    if (records.malformed) return result('formerr', id, opcode, flags, question, questionEnd, null);
    edns = records.edns;
  }

  let status: ParseStatus = 'ok';
  if (opcode !== 0) status = 'notimp';
  else if (edns !== null && edns.version > 0) status = 'badvers';
  else if (qclass !== RRClass.IN) status = 'refused';
  return result(status, id, opcode, flags, question, questionEnd, edns);
}

/**
 * What a reply needs of its query besides the question bytes: the header fields it echoes, where the
 * question ends, and the EDNS record. ParsedQuery has these; so has the hot path's QueryHead.
 */
export type ReplyHead = Pick<ParsedQuery, 'id' | 'opcode' | 'rd' | 'cd' | 'questionEnd' | 'edns'>;

/** A ReplyHead that scanQuery refills for every query, so the cache path allocates nothing for it. */
export interface QueryHead extends ReplyHead {
  id: number;
  rd: boolean;
  cd: boolean;
  questionEnd: number;
  edns: Edns | null;
  /** Offsets of the question name's length bytes, first label first (labelCount of them). */
  readonly labelStarts: Int32Array;
  labelCount: number;
}

/**
 * A name has at most 127 labels (255 wire bytes); the scan stores a 128th before its length check
 * turns the name down.
 */
const MAX_LABELS = 128;

export function newQueryHead(): QueryHead {
  return { id: 0, opcode: 0, rd: false, cd: false, questionEnd: HEADER_SIZE, edns: null, labelStarts: new Int32Array(MAX_LABELS), labelCount: 0 };
}

const OPT_FIXED_SIZE = 11;

/**
 * The common query, read without creating strings: opcode QUERY, one question of class IN, no answer
 * or authority records, at most one additional record which is a version-0 OPT. Fills `head` and
 * returns true for such a query, which parseQuery would read as `ok` with the same fields; returns
 * false for everything else (malformed, unusual or not a query), which then takes parseQuery's path.
 * The question's bytes, head.questionEnd included, are the answer cache's key.
 */
export function scanQuery(buf: Buffer, head: QueryHead): boolean {
  const length = buf.length;
  if (length < HEADER_SIZE + 5) return false;
  const flagsHigh = buf[2]!;
  // QR set (a response) or a nonzero opcode; QDCOUNT must be 1, ANCOUNT and NSCOUNT 0.
  if ((flagsHigh & 0xf8) !== 0 || buf[4] !== 0 || buf[5] !== 1) return false;
  if (buf[6] !== 0 || buf[7] !== 0 || buf[8] !== 0 || buf[9] !== 0 || buf[10] !== 0) return false;
  const additionals = buf[11]!;
  if (additionals > 1) return false;
  const labelStarts = head.labelStarts;
  let labelCount = 0;
  let at = HEADER_SIZE;
  for (;;) {
    if (at >= length) return false;
    const label = buf[at]!;
    if (label === 0) break;
    if (label > 63) return false;
    labelStarts[labelCount++] = at;
    at += label + 1;
    // The name's wire length (labels plus the root byte) stays within 255.
    if (at - HEADER_SIZE > MAX_NAME_WIRE_LENGTH - 1) return false;
  }
  const questionEnd = at + 5;
  if (questionEnd > length || buf[at + 3] !== 0 || buf[at + 4] !== RRClass.IN) return false;
  let edns: Edns | null = null;
  if (additionals === 1) {
    // The OPT record: root owner, type 41, then UDP size, extended rcode, version, flags, RDLENGTH.
    const opt = questionEnd;
    if (opt + OPT_FIXED_SIZE > length || buf[opt] !== 0 || buf[opt + 1] !== 0 || buf[opt + 2] !== RRType.OPT) return false;
    if (buf[opt + 6] !== 0) return false; // a version above 0 is BADVERS: parseQuery's path
    const rdEnd = opt + OPT_FIXED_SIZE + ((buf[opt + 9]! << 8) | buf[opt + 10]!);
    if (rdEnd > length || !optionsWellFormed(buf, opt + OPT_FIXED_SIZE, rdEnd)) return false;
    edns = { udpSize: (buf[opt + 3]! << 8) | buf[opt + 4]!, version: 0, dnssecOk: (buf[opt + 7]! & 0x80) !== 0 };
  }
  head.id = (buf[0]! << 8) | buf[1]!;
  head.rd = (flagsHigh & 0x01) !== 0;
  head.cd = (buf[3]! & 0x10) !== 0;
  head.questionEnd = questionEnd;
  head.edns = edns;
  head.labelCount = labelCount;
  return true;
}
