// Domain names on the wire: writing with compression that matches earlier names byte for byte.
//
// Matching is deliberately case-sensitive. The resolver hands us names in the exact letter case they
// must appear in (the question as asked, object names lower-cased); a case-insensitive match would
// replace `svc1.testns.svc.cLuStEr.LoCaL` by a pointer to `SvC1.TeStNs...` and change what the
// client reads. Only an identical suffix becomes a pointer.
import { ByteWriter, EncodeError } from './writer.js';

/** Pointers hold 14 bits: names written beyond this offset cannot be pointed at. */
const MAX_POINTER_TARGET = 0x3fff;
/** 255 octets on the wire = at most 253 characters in dotted form without the trailing dot. */
const MAX_DOTTED_LENGTH = 253;

/** Strips one trailing dot; the root is the empty string. */
export function normaliseName(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

export class NameWriter {
  /** Dotted suffix (exact case) → absolute offset in the message where it was written. */
  private readonly suffixes = new Map<string, number>();
  /** Absolute message offset of the writer's first byte. */
  private base = 0;

  constructor(private readonly out: ByteWriter) {}

  /**
   * Starts a message whose records begin at absolute offset `base`, after a question whose name
   * (labels as sent) sits at offset 12, so owners equal to the question become `C0 0C`.
   */
  begin(base: number, questionLabels: readonly string[] | null): void {
    this.suffixes.clear();
    this.base = base;
    if (questionLabels === null) return;
    // A label holding a '.' byte has no unambiguous dotted form; suffixes through it are not offered.
    let first = 0;
    for (let i = 0; i < questionLabels.length; i++) if (questionLabels[i]!.includes('.')) first = i + 1;
    let offset = 12;
    for (let i = 0; i < questionLabels.length; i++) {
      if (i >= first) this.suffixes.set(questionLabels.slice(i).join('.'), offset);
      offset += questionLabels[i]!.length + 1;
    }
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
        const target = this.suffixes.get(suffix);
        if (target !== undefined) {
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
      if (at <= MAX_POINTER_TARGET && !this.suffixes.has(suffix)) this.suffixes.set(suffix, at);
      this.out.u8(length);
      this.out.latin1(dotted.slice(start, end));
      start = end + 1;
    }
    this.out.u8(0);
    return false;
  }
}
