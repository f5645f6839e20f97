// The answer cache's front for small answers: their bytes and header fields in one off-heap Buffer,
// so a cache hit reads one 256-byte slot and touches no heap object.
//
// Why: with the working set of a busy cluster (18,000 search-path expansions in the benchmark), a hit
// through the Map walked four objects that were no longer in the CPU's caches (the Map's bucket, its
// entry, the answer object, its string), one after another because each address came from the one
// before. Between two queries the kernel and Node's own code evict most of them, so each walk cost
// several trips to memory: search-mix queries cost ~0.6 µs more than the same queries over 1,000
// distinct names. Here a hit looks first in the one slot its hash prefers (put() places an answer
// there when that slot is free), so its trip to memory needs nothing but the hash; only an answer
// found elsewhere waits on its set's tags, kept apart in a small array. The slot holds header,
// question and records side by side in its first 128 bytes for a typical name and address (one trip
// to memory, with the adjacent line the CPU fetches alongside). An answer that runs on into a third
// line (an NXDOMAIN's SOA after a long search-path name) has that line asked for up front, so the
// two trips to memory overlap.
//
// The slab is a copy: AnswerCache's Map of entries stays the record of what is cached, and keeps the
// slab coherent (a stored entry is put here, a removed one dropped, a validated one marked current).
// Losing a slab slot to another answer only sends that question down the Map's path. Slots form sets
// of SLAB_WAYS, chosen by the hash; a full set gives up its least recently used slot (CLOCK bits).
import { Buffer } from 'node:buffer';
import type { EncodedAnswer } from './encode.js';
import type { ReplyHead } from './query.js';
import { copyRotated, writeHeader, writeOpt, OPT_SIZE, type ReplyScratch } from './response.js';

/** Bytes per slot: a header of SLOT_HEADER_BYTES, then the question and records. */
export const SLOT_BYTES = 256;
const SLOT_WORDS = SLOT_BYTES / 4;
const SLOT_DOUBLES = SLOT_BYTES / 8;
const SLOT_HEADER_BYTES = 32;
/**
 * The largest question plus records a slot holds: A, AAAA, PTR, NXDOMAIN and NODATA answers fit, and
 * a headless service's ten A records.
 */
export const SLAB_MAX_BODY = SLOT_BYTES - SLOT_HEADER_BYTES;
/**
 * Slots per set: with eight, a slab three times the size of its contents loses under 0.1% of them to
 * collisions, twice its size ~2% (four ways lost ~1% and ~6%, and those answers evicted each other,
 * each miss a trip through the Map). The eight tags of a set fill half a cache line.
 */
export const SLAB_WAYS = 8;
/**
 * Where a hash's preferred way comes from: bits above any set index (a slab has far fewer than 2^24
 * sets), so the way is independent of the set.
 */
const WAY_SHIFT = 24;

// Header of a slot: Generations.version when last found current (a float64 in bytes 0 to 7, exact
// however long the server runs), then these 32-bit words.
/** Question bytes (low 16 bits) and record bytes (high 16). */
const LENGTHS = 2;
/** rcode (low 8 bits), AA (bit 8), TC (bit 9), HELD (bit 10), question tag + 1 (bits 16 to 23; 0: none). */
const FLAGS = 3;
/** In FLAGS: the slot holds the answer its tag names (the tags array says the same, one trip away). */
const HELD = 0x400;
const TAG_SHIFT = 16;

/** A question tag (QueryObserver.questionTag) when there is none. */
export const NO_QUESTION_TAG = -1;
/** The largest question tag a slot keeps (it has 8 bits for the tag plus one). */
export const MAX_QUESTION_TAG = 254;
/** ANCOUNT (low 16 bits) and NSCOUNT (high 16). */
const COUNTS = 4;
/** ARCOUNT (low 16 bits) and the rotation run's record count (high 16; 0: no rotation). */
const ADDITIONALS = 5;
/** The rotation run: its offset from the end of the question (low 16 bits), bytes per record (high 16). */
const RUN = 6;
/** The next shift of the rotation run (true round-robin, one step per reply). */
const TURN = 7;

// A slot's bits in `marks`.
/** CLOCK's reference bit: hit since the slot was last considered for eviction. */
const USED = 1;
/** The slot's answer runs past its first two cache lines (an NXDOMAIN's SOA after a long name). */
const LONG = 2;
/** The first word past those two lines (128 bytes: the pair the CPU fetches together). */
const THIRD_LINE_WORD = 32;

const HEADER = 12;
const QUESTION_START = 12;

/** What a slot copies from an encoded answer (a CachedAnswer, whose records start with its question). */
export type SlabAnswer = Pick<
  EncodedAnswer,
  'rcode' | 'authoritative' | 'truncated' | 'records' | 'questionBytes' | 'answerCount' | 'authorityCount' | 'additionalCount' | 'rotation'
> & {
  readonly hash: number;
  /** The question's tag from the query observer, 0 to MAX_QUESTION_TAG, or NO_QUESTION_TAG. */
  readonly questionTag: number;
  /** The rotation's next shift. */
  readonly turn: number;
};

export class AnswerSlab {
  private readonly memory: Buffer;
  private readonly words: Int32Array;
  /** The same memory as float64s: a slot's first one is its checkedAt. */
  private readonly checkedAt: Float64Array;
  /** Per slot: hash + 1 of the answer held (0: the slot is free). */
  private readonly tags: Int32Array;
  /** Per slot: USED and LONG bits. */
  private readonly marks: Uint8Array;
  private readonly sets: number;
  private readonly setMask: number;
  /** Where touchThirdLine() puts the word it reads. */
  private thirdLine = 0;
  private replyTag = NO_QUESTION_TAG;

  /**
   * Room for `slots` answers, rounded up to a power of two but never past `maxBytes`; with room for
   * less than one set of SLAB_WAYS, the slab holds nothing and every question takes the Map's path.
   */
  constructor(slots: number, maxBytes = Infinity) {
    let sets = 0;
    if (slots > 0 && SLAB_WAYS * SLOT_BYTES <= maxBytes) {
      for (sets = 1; sets * SLAB_WAYS < slots && sets * 2 * SLAB_WAYS * SLOT_BYTES <= maxBytes; sets *= 2);
    }
    // Zero-filled memory comes straight from the kernel: pages no answer was written to take no RSS.
    this.memory = Buffer.alloc(sets * SLAB_WAYS * SLOT_BYTES);
    this.words = new Int32Array(this.memory.buffer, this.memory.byteOffset, this.memory.length / 4);
    this.checkedAt = new Float64Array(this.memory.buffer, this.memory.byteOffset, this.memory.length / 8);
    this.tags = new Int32Array(sets * SLAB_WAYS);
    this.marks = new Uint8Array(sets * SLAB_WAYS);
    this.sets = sets;
    this.setMask = sets - 1;
  }

  /** The question tag of the answer reply() last returned. */
  get lastTag(): number {
    return this.replyTag;
  }

  /** Bytes the slab holds (virtual: only pages written to count in RSS). */
  get byteLength(): number {
    return this.memory.length;
  }

  /** The slot holding the answer stored under `hash`, or -1. */
  private slotOf(hash: number): number {
    if (this.sets === 0) return -1;
    const tag = hash + 1;
    const first = (hash & this.setMask) * SLAB_WAYS;
    const tags = this.tags;
    for (let slot = first; slot < first + SLAB_WAYS; slot++) if (tags[slot] === tag) return slot;
    return -1;
  }

  /** The way of its set an answer goes to first: see reply(). */
  private preferredSlot(hash: number): number {
    return (hash & this.setMask) * SLAB_WAYS + ((hash >>> WAY_SHIFT) & (SLAB_WAYS - 1));
  }

  /**
   * A long answer's third line is a second trip to memory. Reading it before anything waits on the
   * slot's first line lets the CPU make both trips at once instead of one after the other.
   */
  private touchThirdLine(slot: number): void {
    if ((this.marks[slot]! & LONG) !== 0) this.thirdLine = this.words[slot * SLOT_WORDS + THIRD_LINE_WORD]!;
  }

  /**
   * Whether `slot` holds the answer to the question in query[12, 12 + questionBytes). Equal question
   * bytes mean an equal hash, so a slot that holds them is that hash's slot.
   */
  private holds(slot: number, query: Buffer, questionBytes: number): boolean {
    const w = slot * SLOT_WORDS;
    if ((this.words[w + FLAGS]! & HELD) === 0 || (this.words[w + LENGTHS]! & 0xffff) !== questionBytes) return false;
    const memory = this.memory;
    const body = slot * SLOT_BYTES + SLOT_HEADER_BYTES;
    for (let i = 0; i < questionBytes; i++) if (memory[body + i] !== query[QUESTION_START + i]) return false;
    return true;
  }

  /**
   * The reply to `query` (question bytes 12 to head.questionEnd, hashed to `hash`) when its answer is
   * here and was found current at `version`; null otherwise. Every answer here fits in 512 bytes.
   */
  reply(query: Buffer, head: ReplyHead, hash: number, version: number, udpSize: number, scratch: ReplyScratch | undefined): Buffer | null {
    if (this.sets === 0) return null;
    const questionBytes = head.questionEnd - QUESTION_START;
    // The answer usually sits in its hash's preferred way (put() puts it there when that way is free),
    // whose address needs nothing but the hash: such a hit makes one trip to memory, for the slot,
    // where looking up the set's tags first made two, one after the other.
    let slot = this.preferredSlot(hash);
    this.touchThirdLine(slot);
    if (!this.holds(slot, query, questionBytes)) {
      slot = this.slotOf(hash);
      if (slot < 0) return null;
      this.touchThirdLine(slot);
      if (!this.holds(slot, query, questionBytes)) return null;
    }
    if (this.checkedAt[slot * SLOT_DOUBLES] !== version) return null;
    const words = this.words;
    const w = slot * SLOT_WORDS;
    const lengths = words[w + LENGTHS]!;
    const memory = this.memory;
    const body = slot * SLOT_BYTES + SLOT_HEADER_BYTES;
    this.marks[slot] = this.marks[slot]! | USED;
    const bodyBytes = questionBytes + (lengths >>> 16);
    const additionalsAndRun = words[w + ADDITIONALS]!;
    const flags = words[w + FLAGS]!;
    const counts = words[w + COUNTS]!;
    const rcode = flags & 0xff;
    this.replyTag = ((flags >>> TAG_SHIFT) & 0xff) - 1;
    const optSize = head.edns !== null ? OPT_SIZE : 0;
    const length = HEADER + bodyBytes + optSize;
    const reply = scratch !== undefined ? scratch.take(length) : Buffer.allocUnsafe(length);
    writeHeader(reply, head, rcode, (flags & 0x100) !== 0, (flags & 0x200) !== 0, 1, counts & 0xffff, counts >>> 16, additionalsAndRun & 0xffff);
    const runCount = additionalsAndRun >>> 16;
    if (runCount === 0) {
      if (scratch !== undefined) {
        // Whole words, in JS: Buffer.copy's native call cost ~50 ns a reply in the profile; this loop
        // took 35 ns off a hit in bench/micro-dispatch.ts.
        // The slot body and the reply's records (offset 12 of a view of the scratch: every slab reply is
        // far under its capacity) are both word-aligned.
        const to = scratch.words;
        for (let from = body >>> 2, at = HEADER >>> 2, end = at + ((bodyBytes + 3) >>> 2); at < end; from++, at++) to[at] = words[from]!;
      } else {
        memory.copy(reply, HEADER, body, body + bodyBytes);
      }
    } else {
      // The run turned left by this reply's shift.
      const shift = words[w + TURN]! % runCount;
      words[w + TURN] = shift + 1;
      const run = words[w + RUN]!;
      const runStart = body + questionBytes + (run & 0xffff);
      const runEnd = runStart + runCount * (run >>> 16);
      const pivot = runStart + shift * (run >>> 16);
      copyRotated(memory, body, runStart, pivot, runEnd, body + bodyBytes, reply, HEADER, bodyBytes);
    }
    if (optSize > 0) writeOpt(reply, HEADER + bodyBytes, head, rcode, udpSize);
    return reply;
  }

  /**
   * Copies `answer` in, current as of `version`: into a free slot of its set, else over the set's
   * least recently used one. When it is already here, only records that it is current. Answers over
   * SLAB_MAX_BODY bytes are not taken.
   */
  put(answer: SlabAnswer, version: number): void {
    if (answer.records.length > SLAB_MAX_BODY || this.sets === 0) return;
    let slot = this.slotOf(answer.hash);
    if (slot >= 0) {
      // The same hash is the same answer: AnswerCache drops an answer before it stores its replacement.
      this.checkedAt[slot * SLOT_DOUBLES] = version;
      return;
    }
    const preferred = this.preferredSlot(answer.hash);
    slot = this.tags[preferred] === 0 ? preferred : this.victim(answer.hash & this.setMask);
    const words = this.words;
    const w = slot * SLOT_WORDS;
    this.tags[slot] = answer.hash + 1;
    this.checkedAt[slot * SLOT_DOUBLES] = version;
    words[w + LENGTHS] = answer.questionBytes | ((answer.records.length - answer.questionBytes) << 16);
    words[w + FLAGS] = (answer.rcode & 0xff) | (answer.authoritative ? 0x100 : 0) | (answer.truncated ? 0x200 : 0) | HELD
      | (answer.questionTag >= 0 && answer.questionTag <= MAX_QUESTION_TAG ? (answer.questionTag + 1) << TAG_SHIFT : 0);
    words[w + COUNTS] = answer.answerCount | (answer.authorityCount << 16);
    const run = answer.rotation;
    words[w + ADDITIONALS] = answer.additionalCount | ((run?.count ?? 0) << 16);
    words[w + RUN] = run === null ? 0 : run.start | (run.size << 16);
    words[w + TURN] = answer.turn;
    this.marks[slot] = SLOT_HEADER_BYTES + answer.records.length > THIRD_LINE_WORD * 4 ? LONG : 0;
    this.memory.write(answer.records, slot * SLOT_BYTES + SLOT_HEADER_BYTES, answer.records.length, 'latin1');
  }

  /** CLOCK within one set: a free slot, else the first one not used since the last sweep. */
  private victim(set: number): number {
    const first = set * SLAB_WAYS;
    const tags = this.tags;
    const marks = this.marks;
    for (let slot = first; slot < first + SLAB_WAYS; slot++) if (tags[slot] === 0) return slot;
    for (;;) {
      for (let slot = first; slot < first + SLAB_WAYS; slot++) {
        if ((marks[slot]! & USED) === 0) return slot;
        marks[slot] = marks[slot]! & ~USED;
      }
    }
  }

  /** Forgets the answer stored under `hash`, if held. */
  drop(hash: number): void {
    const slot = this.slotOf(hash);
    if (slot < 0) return;
    this.tags[slot] = 0;
    this.words[slot * SLOT_WORDS + FLAGS] = 0;
  }

  /** The next rotation shift of the answer under `hash`, or -1 when it is not here. */
  turnOf(hash: number): number {
    const slot = this.slotOf(hash);
    return slot < 0 ? -1 : this.words[slot * SLOT_WORDS + TURN]!;
  }

  /** Sets the next rotation shift of the answer under `hash`, if held. */
  setTurn(hash: number, turn: number): void {
    const slot = this.slotOf(hash);
    if (slot >= 0) this.words[slot * SLOT_WORDS + TURN] = turn;
  }

  /** Whether the answer under `hash` was hit here since the last call; clears the mark (CLOCK). */
  takeUsed(hash: number): boolean {
    const slot = this.slotOf(hash);
    if (slot < 0 || (this.marks[slot]! & USED) === 0) return false;
    this.marks[slot] = this.marks[slot]! & ~USED;
    return true;
  }
}
