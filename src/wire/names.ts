// Domain names on the wire: writing with compression that matches earlier names byte for byte.
//
// Matching is deliberately case-sensitive. The resolver hands us names in the exact letter case they
// must appear in (the question as asked, object names lower-cased); a case-insensitive match would
// replace `svc1.testns.svc.cLuStEr.LoCaL` by a pointer to `SvC1.TeStNs...` and change what the
// client reads. Only an identical suffix becomes a pointer.
import { Buffer } from 'node:buffer';
import { ByteWriter, EncodeError } from './writer.js';

/** Pointers hold 14 bits: names written beyond this offset cannot be pointed at. */
const MAX_POINTER_TARGET = 0x3fff;
/** 255 octets on the wire = at most 253 characters in dotted form without the trailing dot. */
const MAX_DOTTED_LENGTH = 253;

/** A name's labels length-prefixed, without the root byte: a zone's form for matching a name's tail. */
export function wireLabels(labels: readonly string[]): Uint8Array {
  return Buffer.concat(labels.flatMap((label) => [Buffer.from([label.length]), Buffer.from(label, 'latin1')]));
}

/** One byte lower-cased as ASCII (RFC 4343): length bytes (at most 63) and bytes above 0x7f stay. */
export function lowerAsciiByte(byte: number): number {
  return byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte;
}

// A WireZones slot's numbers in `fields`.
/** Where the zone's length-prefixed labels (no root byte) start in `bytes`. */
const ZONE_AT = 0;
const ZONE_LENGTH = 1;
const ZONE_LABELS = 2;
/** The index the caller gave the zone. */
const ZONE_INDEX = 3;
const ZONE_FIELDS = 4;

/**
 * Zones matched against the tail of a name on the wire, ASCII case-insensitively (RFC 4343), the
 * longest (most labels) first. Their numbers sit in one Int32Array and their lower-case bytes in
 * one Uint8Array: the query path runs the match after the kernel's work has pushed most of the
 * process out of the CPU's caches, and each object reached from another would be a trip to memory.
 */
export class WireZones {
  private readonly fields: Int32Array;
  private readonly bytes: Uint8Array;

  /** `zones`: lower-case labels (none for the root), each with an index the caller reads back. */
  constructor(zones: readonly { readonly labels: readonly string[]; readonly index: number }[]) {
    const order = [...zones].sort((a, b) => b.labels.length - a.labels.length);
    const wire = order.map((zone) => wireLabels(zone.labels));
    this.bytes = Buffer.concat(wire);
    this.fields = new Int32Array(order.length * ZONE_FIELDS);
    let offset = 0;
    order.forEach((zone, z) => {
      const at = z * ZONE_FIELDS;
      this.fields[at + ZONE_AT] = offset;
      this.fields[at + ZONE_LENGTH] = wire[z]!.length;
      this.fields[at + ZONE_LABELS] = zone.labels.length;
      this.fields[at + ZONE_INDEX] = zone.index;
      offset += wire[z]!.length;
    });
  }

  /**
   * The slot of the longest zone the name ends in, or -1. `starts` holds the offsets of the name's
   * `count` length bytes in `name`, first label first; `rootAt` is the offset of its root byte.
   */
  longestMatch(name: Uint8Array, starts: Int32Array, count: number, rootAt: number): number {
    const fields = this.fields;
    const bytes = this.bytes;
    for (let slot = 0; slot < fields.length; slot += ZONE_FIELDS) {
      const labels = fields[slot + ZONE_LABELS]!;
      if (labels > count) continue;
      const length = fields[slot + ZONE_LENGTH]!;
      const from = labels === 0 ? rootAt : starts[count - labels]!;
      if (rootAt - from !== length) continue;
      const start = fields[slot + ZONE_AT]!;
      let i = 0;
      while (i < length && lowerAsciiByte(name[from + i]!) === bytes[start + i]) i++;
      if (i === length) return slot;
    }
    return -1;
  }

  /** The index the zone in `slot` was given. */
  indexAt(slot: number): number {
    return this.fields[slot + ZONE_INDEX]!;
  }

  /** How many labels the zone in `slot` has. */
  labelCountAt(slot: number): number {
    return this.fields[slot + ZONE_LABELS]!;
  }
}

/** Strips one trailing dot; the root is the empty string. */
export function normaliseName(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

export class NameWriter {
  /** Dotted suffix (exact case) → absolute offset in the message, for names written in records. */
  private readonly suffixes = new Map<string, number>();
  /** Absolute message offset of the writer's first byte. */
  private base = 0;
  /** The question name in dotted form (labels as sent), or null when the message has none. */
  private question: string | null = null;
  /** Suffixes of the question may start at this index of `question` or later (see begin). */
  private questionFrom = 0;

  constructor(private readonly out: ByteWriter) {}

  /**
   * Starts a message whose records begin at absolute offset `base`, after a question whose name
   * (labels as sent) sits at offset 12, so owners equal to the question become `C0 0C`.
   *
   * The question's suffixes are not put in the map: a suffix of the dotted question that starts at
   * index i sits at offset 12 + i on the wire, so a name is matched against the question by
   * comparing characters, which costs nothing for the many answers that never ask.
   */
  begin(base: number, questionLabels: readonly string[] | null): void {
    this.suffixes.clear();
    this.base = base;
    this.question = questionLabels === null || questionLabels.length === 0 ? null : questionLabels.join('.');
    // A label holding a '.' byte has no unambiguous dotted form; suffixes through it are not offered.
    this.questionFrom = 0;
    if (this.question === null) return;
    let index = 0;
    for (const label of questionLabels!) {
      index += label.length + 1;
      if (label.includes('.')) this.questionFrom = index;
    }
  }

  /** Offset of `dotted.slice(start)` as a suffix of the question, or -1. */
  private inQuestion(dotted: string, start: number): number {
    const question = this.question;
    if (question === null) return -1;
    const length = dotted.length - start;
    const at = question.length - length;
    if (at < this.questionFrom || (at > 0 && question.charCodeAt(at - 1) !== 0x2e)) return -1;
    for (let i = 0; i < length; i++) {
      if (question.charCodeAt(at + i) !== dotted.charCodeAt(start + i)) return -1;
    }
    return 12 + at;
  }

  /**
   * Writes `name`; with `compress`, any suffix already in the message becomes a pointer.
   * Returns true when the whole name was written as a single pointer (2 bytes).
   */
  write(name: string, compress: boolean): boolean {
    const dotted = normaliseName(name);
    if (dotted.length > MAX_DOTTED_LENGTH) throw new EncodeError(`name too long: ${dotted.slice(0, 40)}...`);
    let start = 0;
    while (start < dotted.length) {
      const suffix = start === 0 ? dotted : dotted.slice(start);
      if (compress) {
        let target = this.inQuestion(dotted, start);
        if (target < 0) target = this.suffixes.get(suffix) ?? -1;
        if (target >= 0) {
          this.out.u16(0xc000 | target);
          return start === 0;
        }
      }
      const dot = dotted.indexOf('.', start);
      const end = dot === -1 ? dotted.length : dot;
      const length = end - start;
      if (length === 0 || length > 63) throw new EncodeError(`bad label length ${length} in ${JSON.stringify(dotted)}`);
      const at = this.base + this.out.length;
      // Names written uncompressed (SRV targets) may still be pointed at by later names.
      if (at <= MAX_POINTER_TARGET && this.inQuestion(dotted, start) < 0 && !this.suffixes.has(suffix)) this.suffixes.set(suffix, at);
      this.out.u8(length);
      this.out.latin1(dotted.slice(start, end));
      start = end + 1;
    }
    this.out.u8(0);
    return false;
  }
}
