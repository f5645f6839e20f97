// Reply assembly: the query's own header and question bytes, the encoded records (rotated, then
// cut to the size limit by whole records), then our OPT record when the query had EDNS.
import type { EncodedAnswer } from './encode.js';
import type { ParsedQuery } from './query.js';

const HEADER_SIZE = 12;
/** Root owner (1) + type, class, TTL, RDLENGTH (10), no options. */
const OPT_SIZE = 11;

const OPCODE_SHIFT = 3;

interface HeaderFields {
  rcode: number;
  authoritative: boolean;
  truncated: boolean;
  questions: number;
  answers: number;
  authorities: number;
  additionals: number;
}

function writeHeader(reply: Buffer, parsed: ParsedQuery, fields: HeaderFields): void {
  reply.writeUInt16BE(parsed.id, 0);
  reply[2] = 0x80 | (parsed.opcode << OPCODE_SHIFT) | (fields.authoritative ? 0x04 : 0) | (fields.truncated ? 0x02 : 0) | (parsed.rd ? 0x01 : 0);
  // RA stays 0: we do not offer recursion ourselves; Z and AD are 0.
  reply[3] = (parsed.cd ? 0x10 : 0) | (fields.rcode & 0x0f);
  reply.writeUInt16BE(fields.questions, 4);
  reply.writeUInt16BE(fields.answers, 6);
  reply.writeUInt16BE(fields.authorities, 8);
  reply.writeUInt16BE(fields.additionals + (parsed.edns !== null ? 1 : 0), 10);
}

function writeOpt(reply: Buffer, at: number, parsed: ParsedQuery, rcode: number, udpSize: number): void {
  reply[at] = 0; // root owner
  reply.writeUInt16BE(41, at + 1);
  reply.writeUInt16BE(udpSize, at + 3);
  reply[at + 5] = (rcode >> 4) & 0xff; // extended rcode, upper 8 bits
  reply[at + 6] = 0; // version
  reply.writeUInt16BE(parsed.edns?.dnssecOk === true ? 0x8000 : 0, at + 7);
  reply.writeUInt16BE(0, at + 9);
}

/** A reply with no records: FORMERR, NOTIMP, REFUSED, SERVFAIL, BADVERS. Echoes a readable question. */
export function buildErrorReply(query: Buffer, parsed: ParsedQuery, rcode: number, udpSize: number): Buffer {
  const questionEnd = parsed.question !== null ? parsed.questionEnd : HEADER_SIZE;
  const optSize = parsed.edns !== null ? OPT_SIZE : 0;
  const reply = Buffer.allocUnsafe(questionEnd + optSize);
  query.copy(reply, HEADER_SIZE, HEADER_SIZE, questionEnd);
  writeHeader(reply, parsed, {
    rcode, authoritative: false, truncated: false,
    questions: parsed.question !== null ? 1 : 0, answers: 0, authorities: 0, additionals: 0,
  });
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
 * Copies the first `length` bytes of the records, as they read with the rotation run turned left by
 * `shift` records, into `reply` at `at`. Rotation happens before the cut, so a truncated reply
 * carries the rotated prefix.
 */
function copyRecords(encoded: EncodedAnswer, shift: number, reply: Buffer, at: number, length: number): void {
  const run = encoded.rotation;
  const src = encoded.records;
  if (run === null || shift === 0) {
    src.copy(reply, at, 0, length);
    return;
  }
  const pivot = run.start + shift * run.size;
  const runEnd = run.start + run.count * run.size;
  let written = copySegment(src, 0, run.start, reply, at, 0, length);
  written = copySegment(src, pivot, runEnd, reply, at, written, length);
  written = copySegment(src, run.start, pivot, reply, at, written, length);
  copySegment(src, runEnd, src.length, reply, at, written, length);
}

/**
 * The reply for `encoded` under a size limit (512/EDNS size over UDP, 65535 over TCP), with the
 * rotation run turned by `shift`. Records that do not fit are dropped from the end (additional,
 * then authority, then answer) and TC is set.
 */
export function buildAnswerReply(
  query: Buffer, parsed: ParsedQuery, encoded: EncodedAnswer, shift: number, sizeLimit: number, udpSize: number,
): Buffer {
  const questionEnd = parsed.questionEnd;
  const optSize = parsed.edns !== null ? OPT_SIZE : 0;
  const total = encoded.ends.length;
  let kept = total;
  let recordBytes = encoded.records.length;
  if (questionEnd + recordBytes + optSize > sizeLimit) {
    kept = recordsThatFit(encoded.ends, sizeLimit - questionEnd - optSize);
    recordBytes = kept > 0 ? encoded.ends[kept - 1]! : 0;
  }
  const answers = Math.min(encoded.answerCount, kept);
  const authorities = Math.min(encoded.authorityCount, kept - answers);
  const reply = Buffer.allocUnsafe(questionEnd + recordBytes + optSize);
  query.copy(reply, HEADER_SIZE, HEADER_SIZE, questionEnd);
  writeHeader(reply, parsed, {
    rcode: encoded.rcode, authoritative: encoded.authoritative, truncated: encoded.truncated || kept < total,
    questions: 1, answers, authorities, additionals: kept - answers - authorities,
  });
  copyRecords(encoded, shift, reply, questionEnd, recordBytes);
  if (optSize > 0) writeOpt(reply, questionEnd + recordBytes, parsed, encoded.rcode, udpSize);
  return reply;
}

/** The rcode of a complete reply (header bits only; 0 when too short to tell). */
export function replyRcode(reply: Buffer): number {
  return reply.length >= 4 ? reply[3]! & 0x0f : 0;
}
