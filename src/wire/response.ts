// Reply assembly: the query's own header and question bytes, the encoded records (rotated, then
// cut to the size limit by whole records), then our OPT record when the query had EDNS.
import { Buffer } from 'node:buffer';
import type { EncodedAnswer } from './encode.js';
import type { ParsedQuery, ReplyHead } from './query.js';

const HEADER_SIZE = 12;
/** Root owner (1) + type, class, TTL, RDLENGTH (10), no options. */
export const OPT_SIZE = 11;

const OPCODE_SHIFT = 3;

// Header and OPT fields are written byte by byte: on the hot path this is measurably cheaper than
// Buffer's checked writeUInt16BE calls.
function writeU16(reply: Buffer, at: number, value: number): void {
  reply[at] = value >>> 8;
  reply[at + 1] = value & 0xff;
}

/**
 * The header of a reply to `head`. The counts come as separate arguments, not as one object: this
 * runs for every reply, and an object made per call was a quarter of what a cache hit allocated.
 */
export function writeHeader(
  reply: Buffer, head: ReplyHead, rcode: number, authoritative: boolean, truncated: boolean,
  questions: number, answers: number, authorities: number, additionals: number,
): void {
  writeU16(reply, 0, head.id);
  reply[2] = 0x80 | (head.opcode << OPCODE_SHIFT) | (authoritative ? 0x04 : 0) | (truncated ? 0x02 : 0) | (head.rd ? 0x01 : 0);
  // RA stays 0: we do not offer recursion ourselves; Z and AD are 0.
  reply[3] = (head.cd ? 0x10 : 0) | (rcode & 0x0f);
  writeU16(reply, 4, questions);
  writeU16(reply, 6, answers);
  writeU16(reply, 8, authorities);
  writeU16(reply, 10, additionals + (head.edns !== null ? 1 : 0));
}

export function writeOpt(reply: Buffer, at: number, head: ReplyHead, rcode: number, udpSize: number): void {
  reply[at] = 0; // root owner
  writeU16(reply, at + 1, 41);
  writeU16(reply, at + 3, udpSize);
  reply[at + 5] = (rcode >> 4) & 0xff; // extended rcode, upper 8 bits
  reply[at + 6] = 0; // version
  writeU16(reply, at + 7, head.edns?.dnssecOk === true ? 0x8000 : 0);
  writeU16(reply, at + 9, 0);
}

/** A reply with no records: FORMERR, NOTIMP, REFUSED, SERVFAIL, BADVERS. Echoes a readable question. */
export function buildErrorReply(query: Buffer, parsed: ParsedQuery, rcode: number, udpSize: number): Buffer {
  const questionEnd = parsed.question !== null ? parsed.questionEnd : HEADER_SIZE;
  const optSize = parsed.edns !== null ? OPT_SIZE : 0;
  const reply = Buffer.allocUnsafe(questionEnd + optSize);
  query.copy(reply, HEADER_SIZE, HEADER_SIZE, questionEnd);
  writeHeader(reply, parsed, rcode, false, false, parsed.question !== null ? 1 : 0, 0, 0, 0);
  if (optSize > 0) writeOpt(reply, questionEnd, parsed, rcode, udpSize);
  return reply;
}

/** How many whole records (from the start) fit in `room` bytes. */
function recordsThatFit(ends: readonly number[], room: number): number {
  let kept = ends.length;
  while (kept > 0 && ends[kept - 1]! > room) kept--;
  return kept;
}

/** Copies src[from, to) after `written` bytes of the output, clipped to `length`; returns the new count. */
function copySegment(src: Buffer, from: number, to: number, reply: Buffer, at: number, written: number, length: number): number {
  const end = Math.min(to, from + (length - written));
  return end > from ? written + src.copy(reply, at + written, from, end) : written;
}

/**
 * Copies src[from, to) into `reply` at `at`, at most `length` bytes, with the rotation run
 * src[runStart, runEnd) turned left so that it starts at `pivot`: the bytes before the run, the run
 * from the pivot, the run up to the pivot, the bytes after it. Both the cache's and the slab's replies
 * rotate through here.
 */
export function copyRotated(
  src: Buffer, from: number, runStart: number, pivot: number, runEnd: number, to: number, reply: Buffer, at: number, length: number,
): void {
  let written = copySegment(src, from, runStart, reply, at, 0, length);
  written = copySegment(src, pivot, runEnd, reply, at, written, length);
  written = copySegment(src, runStart, pivot, reply, at, written, length);
  copySegment(src, runEnd, to, reply, at, written, length);
}

/**
 * Where rotated records are laid out before their segments are copied: a string can only be written
 * whole (or its prefix), so the records go here first. Safe to share: used synchronously. A record
 * section larger than a message (thousands of endpoints, cut to 64 KB over TCP) gets a buffer of its own.
 */
const rotationScratch = Buffer.allocUnsafe(65536 + 512);

/**
 * Writes the question and the first `length` bytes of the records, as they read with the rotation
 * run turned left by `shift` records. Rotation happens before the cut, so a truncated reply carries
 * the rotated prefix. When `encoded` starts with the question (a cache entry, found by comparing
 * exactly those bytes with the query's), question and records go in with one copy.
 */
function copyBody(query: Buffer, questionEnd: number, encoded: EncodedAnswer, shift: number, reply: Buffer, length: number): void {
  const run = encoded.rotation;
  const text = encoded.records;
  const skip = encoded.questionBytes;
  if (run === null || shift === 0) {
    if (skip > 0) {
      reply.write(text, HEADER_SIZE, skip + length, 'latin1');
      return;
    }
    query.copy(reply, HEADER_SIZE, HEADER_SIZE, questionEnd);
    reply.write(text, questionEnd, length, 'latin1');
    return;
  }
  query.copy(reply, HEADER_SIZE, HEADER_SIZE, questionEnd);
  const src = text.length <= rotationScratch.length ? rotationScratch : Buffer.allocUnsafe(text.length);
  src.write(text, 0, text.length, 'latin1');
  const runStart = skip + run.start;
  const pivot = runStart + shift * run.size;
  const runEnd = runStart + run.count * run.size;
  copyRotated(src, skip, runStart, pivot, runEnd, text.length, reply, questionEnd, length);
}

/** Views kept for reply lengths up to this; a longer reply (rare over UDP) gets its own buffer. */
const SCRATCH_CAPACITY = 4096;

/**
 * Reply memory reused from one reply to the next, for a sender that puts each reply on the wire
 * before it asks for the next one (UDP: node:dgram hands the datagram to the kernel at once, and a
 * fresh Buffer per reply was a visible part of a cache hit's cost). A reply is a view of exactly its
 * length, made once per length, so taking one allocates nothing. A datagram the kernel could not take
 * at once keeps its buffer until it is sent: the sender leaves the scratch alone until then.
 */
export class ReplyScratch {
  /** Its own ArrayBuffer, so byte 0 is word-aligned (see words). */
  private readonly memory = Buffer.from(new ArrayBuffer(SCRATCH_CAPACITY));
  /**
   * The same memory as 32-bit words, for copying into a reply from word-aligned memory: a view taken
   * here starts at byte 0, and a copy of whole words may run up to 3 bytes past the reply's end, which
   * is still this memory (nothing is sent past a reply's length).
   */
  readonly words = new Int32Array(this.memory.buffer, 0, SCRATCH_CAPACITY / 4);
  private readonly views: (Buffer | undefined)[] = new Array<Buffer | undefined>(SCRATCH_CAPACITY + 1).fill(undefined);

  /** `length` bytes of the shared memory; valid until the next take() of the same scratch. */
  take(length: number): Buffer {
    if (length > SCRATCH_CAPACITY) return Buffer.allocUnsafe(length);
    let view = this.views[length];
    if (view === undefined) {
      view = this.memory.subarray(0, length);
      this.views[length] = view;
    }
    return view;
  }
}

/**
 * The reply for `encoded` under a size limit (512/EDNS size over UDP, 65535 over TCP), with the
 * rotation run turned by `shift`. Records that do not fit are dropped from the end (additional,
 * then authority, then answer) and TC is set. With `scratch`, the reply is a view of its memory.
 */
export function buildAnswerReply(
  query: Buffer, head: ReplyHead, encoded: EncodedAnswer, shift: number, sizeLimit: number, udpSize: number,
  scratch?: ReplyScratch,
): Buffer {
  const questionEnd = head.questionEnd;
  const optSize = head.edns !== null ? OPT_SIZE : 0;
  const total = encoded.ends.length;
  let kept = total;
  let recordBytes = encoded.records.length - encoded.questionBytes;
  if (questionEnd + recordBytes + optSize > sizeLimit) {
    kept = recordsThatFit(encoded.ends, sizeLimit - questionEnd - optSize);
    recordBytes = kept > 0 ? encoded.ends[kept - 1]! : 0;
  }
  const answers = Math.min(encoded.answerCount, kept);
  const authorities = Math.min(encoded.authorityCount, kept - answers);
  const length = questionEnd + recordBytes + optSize;
  const reply = scratch !== undefined ? scratch.take(length) : Buffer.allocUnsafe(length);
  writeHeader(reply, head, encoded.rcode, encoded.authoritative, encoded.truncated || kept < total, 1, answers, authorities, kept - answers - authorities);
  copyBody(query, questionEnd, encoded, shift, reply, recordBytes);
  if (optSize > 0) writeOpt(reply, questionEnd + recordBytes, head, encoded.rcode, udpSize);
  return reply;
}

/** The rcode of a complete reply (header bits only; 0 when too short to tell). */
export function replyRcode(reply: Buffer): number {
  return reply.length >= 4 ? reply[3]! & 0x0f : 0;
}
