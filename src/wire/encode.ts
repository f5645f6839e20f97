// Answer → the bytes that follow the question in a reply, with what truncation and rotation need.
import { Buffer } from 'node:buffer';
import type { Answer, RData, ResourceRecord } from '../resolve/message.js';
import { RRClass, RRType } from '../resolve/message.js';
import { ipv4Bytes, ipv6Bytes } from './addresses.js';
import { NameWriter } from './names.js';
import { ByteWriter, EncodeError } from './writer.js';

/** A run of same-type, same-size address records in the answer section that may be rotated. */
export interface RotationRun {
  /** Offset of the run's first record within EncodedAnswer.records. */
  readonly start: number;
  readonly count: number;
  /** Bytes per record (every record in the run has this size). */
  readonly size: number;
}

export interface EncodedAnswer {
  readonly rcode: number;
  readonly authoritative: boolean;
  /** TC whatever the size (Answer.truncated). */
  readonly truncated: boolean;
  /**
   * Answer, authority and additional records in that order, as a latin-1 string (one character per
   * byte: the answer cache holds thousands of these, and a string is the cheapest way for the heap
   * to hold bytes). Compression pointers are absolute offsets, so the bytes are valid only right
   * after the question they were encoded for.
   */
  readonly records: string;
  /**
   * How many characters at the start of `records` are the question the answer was built for (name
   * as sent, type, class: the message's bytes from offset 12), 0 when `records` holds records alone.
   * The answer cache keeps question and records as one string: one object to reach and one copy
   * into the reply. `ends` count from the end of that prefix.
   */
  readonly questionBytes: number;
  /** The offset in the reply where `records` starts (the question's end). */
  readonly base: number;
  /** End offset (within `records`) of each record, in order. */
  readonly ends: readonly number[];
  readonly answerCount: number;
  readonly authorityCount: number;
  readonly additionalCount: number;
  readonly rotation: RotationRun | null;
}

const MAX_TXT_CHUNK = 255;
const MAX_TTL = 0x7fffffff;

interface WrittenRecord {
  type: number;
  start: number;
  /** The owner was written as one bare pointer: nothing can point into this record. */
  ownerIsPointer: boolean;
}

/** Encodes answers into reusable scratch storage; one instance per dispatcher (not shared across threads). */
export class AnswerEncoder {
  private readonly out = new ByteWriter(4096);
  private readonly names = new NameWriter(this.out);
  private readonly scratch = new Uint8Array(16);

  /**
   * `questionLabels` are the labels exactly as sent (the question name at offset 12) and `base` the
   * offset where the question ends; null labels when the reply has no question.
   */
  encode(answer: Answer, questionLabels: readonly string[] | null, base: number): EncodedAnswer {
    this.out.reset();
    this.names.begin(base, questionLabels);
    // Sized up front: an array grown by push keeps room for 17 numbers, and the answer cache holds
    // thousands of these.
    const ends = new Array<number>(answer.answer.length + answer.authority.length + answer.additional.length);
    let recordCount = 0;
    // What rotation needs to know about each answer record; nothing to collect when it never rotates.
    const written: WrittenRecord[] | null = answer.rotate === true ? [] : null;
    for (const record of answer.answer) {
      const shape = this.writeRecord(record);
      written?.push(shape);
      ends[recordCount++] = this.out.length;
    }
    for (const record of answer.authority) {
      this.writeRecord(record);
      ends[recordCount++] = this.out.length;
    }
    for (const record of answer.additional) {
      this.writeRecord(record);
      ends[recordCount++] = this.out.length;
    }
    return {
      rcode: answer.rcode,
      authoritative: answer.authoritative,
      truncated: answer.truncated === true,
      records: this.out.toLatin1(),
      questionBytes: 0,
      base,
      ends,
      answerCount: answer.answer.length,
      authorityCount: answer.authority.length,
      additionalCount: answer.additional.length,
      rotation: written !== null ? findRotationRun(written, ends) : null,
    };
  }

  private writeRecord(record: ResourceRecord): WrittenRecord {
    const start = this.out.length;
    const ownerIsPointer = this.names.write(record.name, true);
    const data = record.data;
    this.out.u16(data.type);
    this.out.u16(record.class ?? RRClass.IN);
    this.out.u32(Math.min(Math.max(Math.trunc(record.ttl), 0), MAX_TTL));
    const lengthAt = this.out.length;
    this.out.u16(0);
    this.writeData(data);
    const rdLength = this.out.length - lengthAt - 2;
    if (rdLength > 0xffff) throw new EncodeError(`RDATA of ${rdLength} bytes for ${record.name}`);
    this.out.patchU16(lengthAt, rdLength);
    return { type: data.type, start, ownerIsPointer };
  }

  private writeData(data: RData): void {
    if ('raw' in data) {
      this.out.bytes(data.raw);
      return;
    }
    switch (data.type) {
      case RRType.A:
        ipv4Bytes(data.address, this.scratch, 0);
        this.out.bytes(this.scratch, 0, 4);
        return;
      case RRType.AAAA:
        ipv6Bytes(data.address, this.scratch, 0);
        this.out.bytes(this.scratch, 0, 16);
        return;
      case RRType.NS:
      case RRType.CNAME:
      case RRType.PTR:
        this.names.write(data.target, true);
        return;
      case RRType.SRV:
        this.out.u16(data.priority);
        this.out.u16(data.weight);
        this.out.u16(data.port);
        // RFC 2782: the target is never compressed.
        this.names.write(data.target, false);
        return;
      case RRType.TXT:
        writeTxt(this.out, data.strings);
        return;
      case RRType.SOA:
        this.names.write(data.mname, true);
        this.names.write(data.rname, true);
        this.out.u32(data.serial);
        this.out.u32(data.refresh);
        this.out.u32(data.retry);
        this.out.u32(data.expire);
        this.out.u32(data.minimum);
        return;
    }
  }
}

/** Each string becomes one or more character-strings of at most 255 bytes (UTF-8). */
function writeTxt(out: ByteWriter, strings: readonly string[]): void {
  if (strings.length === 0) {
    out.u8(0);
    return;
  }
  for (const text of strings) {
    const bytes = Buffer.from(text, 'utf8');
    if (bytes.length === 0) out.u8(0);
    for (let at = 0; at < bytes.length; at += MAX_TXT_CHUNK) {
      const end = Math.min(at + MAX_TXT_CHUNK, bytes.length);
      out.u8(end - at);
      out.bytes(bytes, at, end);
    }
  }
}

/**
 * The first run of two or more consecutive A (or AAAA) answer records whose owners are bare
 * pointers. Such records all have the same size and nothing points into them, so they can be
 * reordered in the reply without touching any other byte.
 */
function findRotationRun(written: readonly WrittenRecord[], ends: readonly number[]): RotationRun | null {
  let i = 0;
  while (i < written.length) {
    const first = written[i]!;
    if ((first.type !== RRType.A && first.type !== RRType.AAAA) || !first.ownerIsPointer) {
      i++;
      continue;
    }
    const size = ends[i]! - first.start;
    let j = i + 1;
    while (j < written.length && sameShape(written[j]!, ends[j]!, first.type, size)) j++;
    if (j - i >= 2) return { start: first.start, count: j - i, size };
    i = j;
  }
  return null;
}

function sameShape(record: WrittenRecord, end: number, type: number, size: number): boolean {
  return record.type === type && record.ownerIsPointer && end - record.start === size;
}
