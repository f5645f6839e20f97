// A growable byte writer for encoding records, plus the typed error every encoder raises on data
// it cannot put on the wire (the dispatcher turns it into SERVFAIL instead of a malformed reply).
import { Buffer } from 'node:buffer';

/** The resolver handed over something that has no valid wire form (bad address, label > 63, ...). */
export class EncodeError extends Error {
  override readonly name = 'EncodeError';
}

export class ByteWriter {
  private buffer: Buffer;
  /** Bytes written so far; also the offset of the next byte. */
  length = 0;

  constructor(initialSize = 512) {
    this.buffer = Buffer.allocUnsafe(initialSize);
  }

  /** Forgets the content but keeps the storage, so one writer serves many encodes. */
  reset(): void {
    this.length = 0;
  }

  private ensure(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < needed) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  u8(value: number): void {
    this.ensure(1);
    this.buffer[this.length++] = value;
  }

  u16(value: number): void {
    this.ensure(2);
    this.buffer.writeUInt16BE(value, this.length);
    this.length += 2;
  }

  u32(value: number): void {
    this.ensure(4);
    this.buffer.writeUInt32BE(value >>> 0, this.length);
    this.length += 4;
  }

  /** Overwrites a 16-bit value already written (an RDLENGTH once the RDATA is known). */
  patchU16(offset: number, value: number): void {
    this.buffer.writeUInt16BE(value, offset);
  }

  /** One byte per character: names travel as latin-1 so the client's bytes come back unchanged. */
  latin1(text: string): void {
    this.ensure(text.length);
    this.length += this.buffer.write(text, this.length, 'latin1');
  }

  bytes(data: Uint8Array, start = 0, end = data.length): void {
    const count = end - start;
    this.ensure(count);
    this.buffer.set(data.subarray(start, end), this.length);
    this.length += count;
  }

  /**
   * A copy of what was written as a latin-1 string, one character per byte (the scratch storage is
   * reused by the next encode). A string costs the heap a header and its bytes; a Buffer of its own
   * adds an ArrayBuffer, a backing store outside the heap and work for every garbage collection.
   */
  toLatin1(): string {
    return this.buffer.toString('latin1', 0, this.length);
  }
}
