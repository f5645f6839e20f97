// What is done with the records of a walked upstream reply: EDNS options dropped before caching, the
// SOA minimum of a negative answer, and the answer section decoded for ExternalName chasing.
import { Buffer } from 'node:buffer';
import { RRType, type RData, type ResourceRecord } from '../message.js';
import { Section, type RecordSpan } from './walk.js';
import { readName } from './wire.js';

/** A reply with the spans of its records, as walked where it was received. */
export interface SpannedReply {
  readonly wire: Buffer;
  readonly spans: readonly RecordSpan[];
}

/** EDNS option 12 (RFC 7830): bytes that mean nothing, to blank options out without moving anything. */
const PADDING_OPTION = 12;

/**
 * The reply without the options of its OPT record (cookies, padding and the like belong to one
 * client's exchange and must not be replayed to others from the cache). An OPT record that ends the
 * message loses them; one that does not (a record after it may point at names after it) keeps its
 * length, its options overwritten by one padding option. The spans stay true for the result.
 */
export function withoutEdnsOptions(buf: Buffer, spans: readonly RecordSpan[]): SpannedReply {
  const opt = spans.find((s) => s.type === RRType.OPT && s.section === Section.Additional);
  if (opt === undefined || opt.rdataLength === 0) return { wire: buf, spans };
  if (opt.rdataOffset + opt.rdataLength === buf.length) {
    const wire = Buffer.from(buf.subarray(0, opt.rdataOffset));
    wire.writeUInt16BE(0, opt.rdataOffset - 2);
    return { wire, spans: spans.map((s) => (s === opt ? { ...s, rdataLength: 0 } : s)) };
  }
  // The walker let through only options that fill the RDATA exactly, so there are at least 4 bytes.
  const wire = Buffer.from(buf);
  wire.fill(0, opt.rdataOffset, opt.rdataOffset + opt.rdataLength);
  wire.writeUInt16BE(PADDING_OPTION, opt.rdataOffset);
  wire.writeUInt16BE(opt.rdataLength - 4, opt.rdataOffset + 2);
  return { wire, spans };
}

/** SOA minimum: the last four bytes of its RDATA, whatever the (possibly compressed) names before them. */
export function soaMinimum(buf: Buffer, span: RecordSpan): number | null {
  return span.rdataLength >= 22 ? buf.readUInt32BE(span.rdataOffset + span.rdataLength - 4) : null;
}

function dotted(labels: readonly string[]): string {
  return labels.join('.');
}

function decodeAddress(buf: Buffer, span: RecordSpan): string | null {
  const bytes = buf.subarray(span.rdataOffset, span.rdataOffset + span.rdataLength);
  if (span.type === RRType.A && bytes.length === 4) return Array.from(bytes).join('.');
  if (span.type === RRType.AAAA && bytes.length === 16) {
    const groups: number[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i));
    return compressedIPv6(groups);
  }
  return null;
}

/** RFC 5952 text: lower-case hex, the longest run of two or more zero groups (the first of equals) as `::`. */
function compressedIPv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > bestLength) { bestStart = i; bestLength = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

function decodeTxt(buf: Buffer, span: RecordSpan): string[] | null {
  const strings: string[] = [];
  let pos = span.rdataOffset;
  const end = span.rdataOffset + span.rdataLength;
  while (pos < end) {
    const len = buf[pos]!;
    if (pos + 1 + len > end) return null;
    strings.push(buf.toString('utf8', pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  return strings;
}

/** MX: keep the wire form but with its exchange name decompressed, so it can be re-encoded anywhere. */
function decompressedMx(buf: Buffer, span: RecordSpan): Uint8Array | null {
  if (span.rdataLength < 3) return null;
  const exchange = readName(buf, span.rdataOffset + 2);
  if (exchange === null) return null;
  const parts: Buffer[] = [buf.subarray(span.rdataOffset, span.rdataOffset + 2)];
  for (const label of exchange.labels) parts.push(Buffer.from([label.length]), Buffer.from(label, 'latin1'));
  parts.push(Buffer.from([0]));
  return new Uint8Array(Buffer.concat(parts));
}

export function decodeRData(buf: Buffer, span: RecordSpan): RData | null {
  const at = span.rdataOffset;
  switch (span.type) {
    case RRType.A:
    case RRType.AAAA: {
      const address = decodeAddress(buf, span);
      return address === null ? null : { type: span.type, address };
    }
    case RRType.NS:
    case RRType.CNAME:
    case RRType.PTR: {
      const target = readName(buf, at);
      return target === null ? null : { type: span.type, target: dotted(target.labels) };
    }
    case RRType.SRV: {
      if (span.rdataLength < 7) return null;
      const target = readName(buf, at + 6);
      if (target === null) return null;
      return {
        type: RRType.SRV, priority: buf.readUInt16BE(at), weight: buf.readUInt16BE(at + 2),
        port: buf.readUInt16BE(at + 4), target: dotted(target.labels),
      };
    }
    case RRType.TXT: {
      const strings = decodeTxt(buf, span);
      return strings === null ? null : { type: RRType.TXT, strings };
    }
    case RRType.SOA: {
      const mname = readName(buf, at);
      const rname = mname === null ? null : readName(buf, mname.end);
      if (mname === null || rname === null || rname.end + 20 > at + span.rdataLength) return null;
      const f = rname.end;
      return {
        type: RRType.SOA, mname: dotted(mname.labels), rname: dotted(rname.labels),
        serial: buf.readUInt32BE(f), refresh: buf.readUInt32BE(f + 4), retry: buf.readUInt32BE(f + 8),
        expire: buf.readUInt32BE(f + 12), minimum: buf.readUInt32BE(f + 16),
      };
    }
    case RRType.MX: {
      const raw = decompressedMx(buf, span);
      return raw === null ? null : { type: RRType.MX, raw };
    }
    default:
      // Other types may carry compressed names only if they are RFC 1035 types we do not chase; the
      // rest forbid compression in RDATA (RFC 3597 §4), so their bytes stand on their own.
      return { type: span.type, raw: new Uint8Array(buf.subarray(at, at + span.rdataLength)) };
  }
}

/** The answer section as records; a record that does not decode is left out. */
export function decodeAnswers(buf: Buffer, spans: readonly RecordSpan[]): ResourceRecord[] {
  const records: ResourceRecord[] = [];
  for (const span of spans) {
    if (span.section !== Section.Answer) continue;
    const name = readName(buf, span.nameOffset);
    const data = decodeRData(buf, span);
    if (name === null || data === null) continue;
    // The TTL as in `buf` (counted down when served from the cache), not as the span recorded it.
    records.push({ name: dotted(name.labels), ttl: buf.readUInt32BE(span.ttlOffset), class: span.class, data });
  }
  return records;
}
