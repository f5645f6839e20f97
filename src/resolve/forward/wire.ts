// The few byte-level operations the forwarder needs: read a query's question and EDNS, build a query,
// patch a reply for one client. Kept here (not in src/wire) so the forwarder stands on its own.
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { RRClass, RRType } from '../message.js';

export const HEADER_SIZE = 12;
export const PLAIN_UDP_LIMIT = 512;
export const TCP_LIMIT = 65_535;
/** The UDP payload size we advertise in queries we build ourselves (DNS flag day 2020). */
export const OWN_UDP_SIZE = 1232;

const QR = 0x8000;
const RD = 0x0100;
const TC = 0x0200;
const CD = 0x0010;
const DO = 0x8000;
const MAX_NAME = 255;
const MAX_POINTER_HOPS = 64;

export interface Edns {
  readonly udpSize: number;
  readonly dnssecOk: boolean;
}

/** What the forwarder needs to know of a query (or of the question echoed in a reply). */
export interface WireQuestion {
  readonly id: number;
  readonly flags: number;
  /** The question name in wire form with ASCII letters lower-cased, as a latin1 string: exact and unambiguous. */
  readonly nameKey: string;
  readonly type: number;
  readonly class: number;
  /** Offset just past the question section. */
  readonly questionEnd: number;
  readonly edns: Edns | null;
}

export interface NameRead {
  readonly labels: string[];
  /** Offset just past the name where it starts (not where a pointer led). */
  readonly end: number;
}

/** Reads a possibly compressed name; null when it is malformed (bad pointer, loop, too long). */
export function readName(buf: Buffer, offset: number): NameRead | null {
  const labels: string[] = [];
  let pos = offset;
  let end = -1;
  let length = 1;
  for (let hops = 0; hops <= MAX_POINTER_HOPS; ) {
    if (pos >= buf.length) return null;
    const len = buf[pos]!;
    if (len === 0) return { labels, end: end === -1 ? pos + 1 : end };
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= buf.length) return null;
      if (end === -1) end = pos + 2;
      const target = ((len & 0x3f) << 8) | buf[pos + 1]!;
      if (target >= pos) return null; // pointers go backwards only: no loops
      pos = target;
      hops++;
      continue;
    }
    if ((len & 0xc0) !== 0) return null;
    length += len + 1;
    if (length > MAX_NAME || pos + 1 + len > buf.length) return null;
    labels.push(buf.toString('latin1', pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  return null;
}

/** Offset past a name without decoding it; `compressed: false` rejects pointers (a question's name). */
export function skipName(buf: Buffer, offset: number, compressed = true): number | null {
  let pos = offset;
  while (pos < buf.length) {
    const len = buf[pos]!;
    if (len === 0) return pos + 1;
    if ((len & 0xc0) === 0xc0) return compressed && pos + 2 <= buf.length ? pos + 2 : null;
    if ((len & 0xc0) !== 0) return null;
    pos += 1 + len;
  }
  return null;
}

/** The bytes as a latin1 string with ASCII letters (only those: DNS case rules) in lower case. */
function lowerAsciiLatin1(buf: Buffer, start: number, end: number): string {
  const text = buf.toString('latin1', start, end);
  // Names almost always come in lower case: look before paying for the replace.
  for (let i = start; i < end; i++) {
    const byte = buf[i]!;
    if (byte >= 0x41 && byte <= 0x5a) return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
  }
  return text;
}

/**
 * Header, the single question and the OPT record of a message. Null when it is not a message with
 * exactly one uncompressed question that we can read.
 */
export function readQuestion(buf: Buffer): WireQuestion | null {
  if (buf.length < HEADER_SIZE || buf.readUInt16BE(4) !== 1) return null;
  // Uncompressed, so the same name in any letter case always has the same length.
  const nameEnd = skipName(buf, HEADER_SIZE, false);
  if (nameEnd === null || nameEnd + 4 > buf.length || nameEnd - HEADER_SIZE > MAX_NAME) return null;
  const questionEnd = nameEnd + 4;
  return {
    id: buf.readUInt16BE(0),
    flags: buf.readUInt16BE(2),
    nameKey: lowerAsciiLatin1(buf, HEADER_SIZE, nameEnd),
    type: buf.readUInt16BE(nameEnd),
    class: buf.readUInt16BE(nameEnd + 2),
    questionEnd,
    edns: findEdns(buf, questionEnd),
  };
}

/** The OPT record of a message whose records start at `offset`, or null (also when malformed). */
function findEdns(buf: Buffer, offset: number): Edns | null {
  const records = buf.readUInt16BE(6) + buf.readUInt16BE(8) + buf.readUInt16BE(10);
  const additionalFrom = buf.readUInt16BE(6) + buf.readUInt16BE(8);
  let pos = offset;
  for (let i = 0; i < records; i++) {
    const nameEnd = skipName(buf, pos);
    if (nameEnd === null || nameEnd + 10 > buf.length) return null;
    const type = buf.readUInt16BE(nameEnd);
    if (type === RRType.OPT && i >= additionalFrom) {
      return { udpSize: buf.readUInt16BE(nameEnd + 2), dnssecOk: (buf.readUInt16BE(nameEnd + 6) & DO) !== 0 };
    }
    pos = nameEnd + 10 + buf.readUInt16BE(nameEnd + 8);
  }
  return null;
}

/** Cache key: name, type, class, and the bits that change what an upstream answers. */
export function cacheKey(q: WireQuestion): string {
  const cd = (q.flags & CD) !== 0 ? 1 : 0;
  const edns = q.edns === null ? 'n' : q.edns.dnssecOk ? 'd' : 'e';
  return `${q.nameKey}|${q.type}|${q.class}|${edns}${cd}`;
}

/** Same question (case-insensitively) in a reply as in the query it answers. */
export function sameQuestion(a: WireQuestion, b: WireQuestion): boolean {
  return a.nameKey === b.nameKey && a.type === b.type && a.class === b.class;
}

export function randomId(): number {
  return randomBytes(2).readUInt16BE(0);
}

/** Wire form of a dotted name (trailing dot optional); null when a label is empty or too long. */
export function encodeName(name: string): Buffer | null {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  const labels = trimmed === '' ? [] : trimmed.split('.');
  const parts: Buffer[] = [];
  let length = 1;
  for (const label of labels) {
    const bytes = Buffer.from(label, 'latin1');
    if (bytes.length === 0 || bytes.length > 63) return null;
    length += bytes.length + 1;
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  if (length > MAX_NAME) return null;
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

export interface QueryOptions {
  readonly recursionDesired: boolean;
  /** Adds an OPT record advertising OWN_UDP_SIZE. */
  readonly edns: boolean;
}

/** A query for `name`/`type` IN with a random ID; null when the name cannot be encoded. */
export function buildQuery(name: string, type: number, opts: QueryOptions): Buffer | null {
  const wireName = encodeName(name);
  if (wireName === null) return null;
  const header = Buffer.alloc(HEADER_SIZE);
  header.writeUInt16BE(randomId(), 0);
  header.writeUInt16BE(opts.recursionDesired ? RD : 0, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(opts.edns ? 1 : 0, 10);
  const question = Buffer.alloc(4);
  question.writeUInt16BE(type, 0);
  question.writeUInt16BE(RRClass.IN, 2);
  return Buffer.concat(opts.edns ? [header, wireName, question, optRecord(false)] : [header, wireName, question]);
}

function optRecord(dnssecOk: boolean): Buffer {
  const opt = Buffer.alloc(11);
  opt.writeUInt16BE(RRType.OPT, 1);
  opt.writeUInt16BE(OWN_UDP_SIZE, 3);
  opt.writeUInt16BE(dnssecOk ? DO : 0, 7);
  return opt;
}

/** A copy of the message with another ID. */
export function withId(query: Buffer, id: number): Buffer {
  const copy = Buffer.from(query);
  copy.writeUInt16BE(id, 0);
  return copy;
}

/**
 * A client's query as we relay it: RD set, because we act for stub resolvers and an answer got
 * without recursion must not be cached for those who asked for it. The client's RD is restored in the reply.
 */
export function withRecursionDesired(query: Buffer): Buffer {
  if ((query.readUInt16BE(2) & RD) !== 0) return query;
  const copy = Buffer.from(query);
  copy.writeUInt16BE(copy.readUInt16BE(2) | RD, 2);
  return copy;
}

export function isTruncated(reply: Buffer): boolean {
  return (reply.readUInt16BE(2) & TC) !== 0;
}

export function rcodeOf(reply: Buffer): number {
  return reply.readUInt16BE(2) & 0x000f;
}

export function isResponse(buf: Buffer): boolean {
  return buf.length >= HEADER_SIZE && (buf.readUInt16BE(2) & QR) !== 0;
}

/** The opcode of a message's header flags (QUERY is 0). */
export function opcodeOf(flags: number): number {
  return (flags >> 11) & 0x0f;
}

/** Header and question of a truncated reply, with no records: still says "ask again over TCP". */
export function truncatedToQuestion(reply: Buffer, questionEnd: number): Buffer {
  const out = Buffer.from(reply.subarray(0, questionEnd));
  out.writeUInt16BE(out.readUInt16BE(2) | TC, 2);
  out.fill(0, 6, HEADER_SIZE);
  return out;
}

/** Largest reply the client can take over its transport. */
export function replyBudget(query: WireQuestion, transport: 'udp' | 'tcp'): number {
  if (transport === 'tcp') return TCP_LIMIT;
  return query.edns === null ? PLAIN_UDP_LIMIT : Math.max(PLAIN_UDP_LIMIT, query.edns.udpSize);
}

/** Header and question of the client's query with QR, the rcode, and an OPT if the query had one. */
function headerOnlyReply(query: Buffer, q: WireQuestion, rcode: number, extraFlags: number): Buffer {
  const header: Buffer = Buffer.from(query.subarray(0, q.questionEnd));
  const parts: Buffer[] = [header];
  const flags = (q.flags & (RD | CD | 0x7800)) | QR | extraFlags | (rcode & 0x0f);
  header.writeUInt16BE(flags, 2);
  header.writeUInt16BE(0, 6);
  header.writeUInt16BE(0, 8);
  header.writeUInt16BE(q.edns === null ? 0 : 1, 10);
  if (q.edns !== null) parts.push(optRecord(q.edns.dnssecOk));
  return Buffer.concat(parts);
}

/**
 * REFUSED for the client's query: too many queries in flight (RA set: recursion exists, try later), or
 * a client not allowed recursion (RA clear, as for anyone asking an authoritative-only server).
 */
export function refusedReply(query: Buffer, q: WireQuestion, recursionAvailable = true): Buffer {
  return headerOnlyReply(query, q, 5, recursionAvailable ? 0x0080 : 0);
}

/**
 * A copy of `bytes` in memory of its own, not a slice of Node's shared 8 KB Buffer pool. A reply per
 * forwarded query made new pools at thousands a second; the one in use at each scavenge is promoted
 * (the pool variable holds it), and the old generation's pools with their 8 KB each brought a full
 * collection every ~2.5 s under the perftests load, with pauses of 5 to 24 ms. Memory of its own dies
 * young with the reply.
 */
export function ownCopy(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafeSlow(bytes.length);
  out.set(bytes);
  return out;
}

/**
 * The upstream's reply made the client's own: its ID, its RD and CD bits, its question bytes (letter
 * case). When the reply exceeds what the client can take, an empty reply with TC set instead, so the
 * client retries over TCP. `owned`: `reply` is a copy nobody else holds (a cached answer just
 * rendered), patched in place rather than copied once more.
 */
export function replyForClient(reply: Buffer, query: Buffer, q: WireQuestion, budget: number, owned = false): Buffer {
  // The reply's question has the same key as the query's, hence the same length: copy it over.
  if (reply.length > budget) {
    return headerOnlyReply(query, q, reply.readUInt16BE(2) & 0x0f, (reply.readUInt16BE(2) & 0x0480) | TC);
  }
  const out = owned ? reply : ownCopy(reply);
  // Byte by byte: Buffer#copy's argument checks cost more than these few dozen bytes.
  out[0] = query[0]!;
  out[1] = query[1]!;
  for (let i = HEADER_SIZE; i < q.questionEnd; i++) out[i] = query[i]!;
  const flags = (out.readUInt16BE(2) & ~(RD | CD)) | (q.flags & (RD | CD));
  out.writeUInt16BE(flags, 2);
  return out;
}
