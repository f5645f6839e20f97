// The cache of encoded answers, keyed by the exact question bytes (name as sent + type + class).
//
// Keying on the bytes as sent means a hit needs no parsing or lower-casing, and the cached records
// (whose owners point at the question and carry its letter case) fit the reply exactly. The map is
// keyed by a seeded hash of those bytes, and a hit compares the bytes with the entry's: making a
// string of every question to look it up cost more than the rest of a hit's DNS work. Two questions
// with one hash simply take turns in the cache. The price of keying on bytes as sent: a client that
// randomises letter case (DNS 0x20) misses and gets a fresh build every time, which is still a
// correct answer. Validity comes from generations only, never from TTLs: an entry holds the epoch and
// the generation of every key its answer depends on, and is current while all match. The key does
// not include the client: an answer that depends on who asks (transport, ACLs) must come with
// dependsOn null, which keeps it out of the cache.
//
// Eviction is CLOCK (second chance), close to LRU: a hit only marks its entry as used; entries sit
// in a ring of slots, and when room is needed a hand sweeps it, unmarking used entries and evicting
// the first unused one. A hit costs one Map lookup and one field write (the profile of the hit path
// showed lru-cache's reordering at about a tenth of the DNS work), and an eviction never walks the
// Map (deleting from the front of a Map and iterating it again skips every earlier deletion).
//
// Once the cache is full, a question it has never held is admitted only one time in ADMIT_ONE_IN.
// When the questions in use outnumber the entries, admitting every miss evicts entries before anyone
// asks for them again: the hit rate is no better, and each admitted entry lives just long enough to
// be promoted to V8's old space before it dies, which made garbage collection the largest cost of an
// NXDOMAIN-heavy load (search-path expansions). A question asked often still gets in after a few misses.
//
// Small answers (up to 224 bytes of question and records) are also copied into an off-heap slab
// (answer-slab.ts), which answers a hit without touching an entry: with tens of thousands of answers
// in use, the walk from the Map to the entry to its string was a chain of memory reads that each
// missed the CPU caches. This Map stays the record of what is cached; the slab is kept coherent with
// it and may lose a slot to other answers, which only sends that question down the Map's path.
//
// An entry is small on purpose (a few hundred bytes of heap): it is itself the encoded answer, its
// question and records one latin-1 string (the key compared on a hit, then written into the reply
// with one copy), it keeps no parsed question, and answers without dependencies share one empty array.
import { Buffer } from 'node:buffer';
import type { Generations } from '../resolve/message.js';
import { AnswerSlab, NO_QUESTION_TAG } from './answer-slab.js';
import type { EncodedAnswer } from './encode.js';
import type { ReplyHead } from './query.js';
import type { ReplyScratch } from './response.js';

/**
 * An encoded answer whose `records` start with the question bytes it was built for (name as sent,
 * type, class: `questionBytes` characters), which also tell hash collisions apart.
 */
export interface CachedAnswer extends EncodedAnswer {
  readonly hash: number;
  readonly epoch: number;
  readonly keys: readonly string[];
  readonly generations: readonly number[];
  /** Next shift of the answer's rotation run (true round-robin, one step per reply). */
  turn: number;
  /** Generations.version when the entry was last found current; -1 before its first check. */
  checkedAt: number;
  /** 1 when hit since the eviction hand last passed it (CLOCK's reference bit), else 0. */
  used: number;
  /** Bytes charged against the cache's budget. */
  readonly size: number;
  /** Its slot in the CLOCK ring; -1 when the cache does not hold it. */
  slot: number;
  /** The query observer's tag for the question (QueryObserver.questionTag), or NO_QUESTION_TAG. */
  readonly questionTag: number;
}

export interface AnswerCacheOptions {
  readonly generations: Generations;
  /** Maximum number of entries; 0 disables the cache. */
  readonly maxEntries: number;
  /** Byte budget over all entries (approximate: records, key and bookkeeping). */
  readonly maxBytes: number;
}

const NOERROR = 0;
const NXDOMAIN = 3;

/** A full cache admits a question it does not hold one time in this many (chosen at random). */
const ADMIT_ONE_IN = 4;

/**
 * Heap an entry takes beyond its characters: the entry object, the ends array, the string header,
 * its Map and ring slots. Measured with the heap after GC: 220 bytes in all for a one-record NXDOMAIN
 * without dependencies (a pod name), 470 for one that depends on a service.
 */
const ENTRY_OVERHEAD = 200;
/** Each dependency key: the string (built from several parts), its array slots, its generation. */
const KEY_OVERHEAD = 96;

/** The question bytes start right after the 12-byte header. */
const QUESTION_START = 12;

const NO_GENERATIONS: readonly number[] = Object.freeze([]);

const WORD_MULTIPLIER = 0x9e3779b1;

/**
 * A hash of buf[from, to) from a per-cache seed, cut to 30 bits so V8 keeps it a small integer.
 * It takes four bytes a step (a question is 30 to 70 bytes, and a multiply per byte was a chain of
 * dependent multiplies longer than the rest of a cache hit's lookup); each step multiplies by an odd
 * constant and folds the high half down, so every byte reaches the low bits the Map buckets on.
 */
export function hashBytes(buf: Buffer, from: number, to: number, seed: number): number {
  let hash = seed;
  let i = from;
  for (const lastWord = to - 4; i <= lastWord; i += 4) {
    hash = Math.imul(hash ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24)), WORD_MULTIPLIER);
    hash ^= hash >>> 15;
  }
  for (; i < to; i++) {
    hash = Math.imul(hash ^ buf[i]!, WORD_MULTIPLIER);
    hash ^= hash >>> 15;
  }
  // The length, then a final avalanche (MurmurHash3's finaliser).
  hash = Math.imul(hash ^ (to - from), 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash & 0x3fffffff;
}

/** Whether the entry was built for exactly the question bytes buf[from, to). */
function sameQuestion(entry: CachedAnswer, buf: Buffer, from: number, to: number): boolean {
  const length = entry.questionBytes;
  if (length !== to - from) return false;
  const text = entry.records;
  for (let i = 0; i < length; i++) if (text.charCodeAt(i) !== buf[from + i]) return false;
  return true;
}

/** Where a question and its records are put together before becoming one string. */
const joinScratch = Buffer.allocUnsafe(65536 + 512);

/** The question bytes of `query` followed by `records`, as one flat latin-1 string. */
function questionAndRecords(query: Buffer, questionEnd: number, records: string): string {
  const questionBytes = questionEnd - QUESTION_START;
  const total = questionBytes + records.length;
  const out = total <= joinScratch.length ? joinScratch : Buffer.allocUnsafe(total);
  query.copy(out, 0, QUESTION_START, questionEnd);
  out.write(records, questionBytes, records.length, 'latin1');
  return out.toString('latin1', 0, total);
}

function entrySize(encoded: EncodedAnswer, keys: readonly string[], questionBytes: number): number {
  let size = ENTRY_OVERHEAD + questionBytes + encoded.records.length + encoded.ends.length * 4;
  for (const k of keys) size += k.length + KEY_OVERHEAD;
  return size;
}

export class AnswerCache {
  private readonly source: Generations;
  private readonly enabled: boolean;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly entries = new Map<number, CachedAnswer>();
  /** CLOCK's ring: every held entry has a slot; undefined slots are listed in `freeSlots`. */
  private readonly ring: (CachedAnswer | undefined)[] = [];
  private readonly freeSlots: number[] = [];
  private hand = 0;
  private bytes = 0;
  /** Unpredictable per process, so nobody can aim questions at one hash to push an entry out. */
  private readonly seed: number;
  /** Small answers again, off the heap, for hits that touch no object (answer-slab.ts). */
  private readonly slab: AnswerSlab;

  /** `random` picks the hash seed and decides admissions when the cache is full (tests fix it). */
  constructor(options: AnswerCacheOptions, private readonly random: () => number = Math.random) {
    this.seed = (random() * 0x100000000) >>> 0;
    this.source = options.generations;
    this.enabled = options.maxEntries > 0 && options.maxBytes > 0;
    this.maxEntries = options.maxEntries;
    // A slot per two entries (the 50,000 default: 8 MiB), within a quarter of the byte budget, which
    // is charged for it.
    this.slab = new AnswerSlab(this.enabled ? this.maxEntries / 2 : 0, options.maxBytes / 4);
    this.maxBytes = options.maxBytes - this.slab.byteLength;
  }

  /**
   * The reply to `query` built from the slab, when it holds a current answer to its question (the
   * bytes 12 to head.questionEnd); null when the question has to take find()'s path.
   */
  slabReply(query: Buffer, head: ReplyHead, hash: number, udpSize: number, scratch: ReplyScratch | undefined): Buffer | null {
    const version = this.source.version;
    if (version === undefined || !this.enabled) return null;
    return this.slab.reply(query, head, hash, version, udpSize, scratch);
  }

  /** The question tag of the answer slabReply() last returned. */
  get slabTag(): number {
    return this.slab.lastTag;
  }

  /** The key of the question in `query` (the bytes from offset 12 to `questionEnd`). */
  hash(query: Buffer, questionEnd: number): number {
    return hashBytes(query, QUESTION_START, questionEnd, this.seed);
  }

  /**
   * The entry for the question in `query` (the bytes from offset 12 to `questionEnd`), current or
   * stale (a stale one still lends its rotation counter).
   */
  find(query: Buffer, questionEnd: number, hash = this.hash(query, questionEnd)): CachedAnswer | undefined {
    const entry = this.entries.get(hash);
    if (entry === undefined || !sameQuestion(entry, query, QUESTION_START, questionEnd)) return undefined;
    entry.used = 1;
    return entry;
  }

  isCurrent(entry: CachedAnswer): boolean {
    const source = this.source;
    // Nothing in the zone has changed since this entry was last checked: no need to look at its keys.
    const version = source.version;
    if (version !== undefined && entry.checkedAt === version) {
      // Found through the Map: it lost its slab slot to other answers. It goes back one time in
      // ADMIT_ONE_IN, so that where more answers in use share a set than it has slots, they do not
      // push each other out on every query (each push a copy of the answer).
      if (this.random() * ADMIT_ONE_IN < 1) this.toSlab(entry, version);
      return true;
    }
    if (entry.epoch !== source.epoch) return false;
    const keys = entry.keys;
    for (let i = 0; i < keys.length; i++) {
      if (source.generation(keys[i]!) !== entry.generations[i]) return false;
    }
    if (version !== undefined) {
      entry.checkedAt = version;
      // Into the slab as current (its slot there, if it kept one, still had the older version).
      this.toSlab(entry, version);
    }
    return true;
  }

  /**
   * Stores `encoded`, built for the question in `query` (the bytes from 12 to `questionEnd`) when
   * the epoch was `epoch`, as depending on `keys` at their current generations. Returns the entry
   * (also when the cache is disabled or passes it up, so rotation state has a home for this reply).
   */
  store(
    query: Buffer, questionEnd: number, encoded: EncodedAnswer, keys: readonly string[], epoch: number, turn: number,
    questionTag = NO_QUESTION_TAG,
  ): CachedAnswer {
    const generations = keys.length === 0 ? NO_GENERATIONS : keys.map((k) => this.source.generation(k));
    const hash = hashBytes(query, QUESTION_START, questionEnd, this.seed);
    const questionBytes = questionEnd - QUESTION_START;
    const size = entrySize(encoded, keys, questionBytes);
    const replaced = this.enabled ? this.entries.get(hash) : undefined;
    // A stale answer being replaced (or a question with the same hash) is always admitted, in its place.
    const admitted = this.enabled && (replaced !== undefined || !this.full(size) || this.random() * ADMIT_ONE_IN < 1);
    const entry: CachedAnswer = {
      rcode: encoded.rcode,
      authoritative: encoded.authoritative,
      truncated: encoded.truncated,
      // An entry passed up only carries this one reply's rotation: it needs no string of its own.
      records: admitted ? questionAndRecords(query, questionEnd, encoded.records) : encoded.records,
      questionBytes: admitted ? questionBytes : 0,
      base: encoded.base,
      ends: encoded.ends,
      answerCount: encoded.answerCount,
      authorityCount: encoded.authorityCount,
      additionalCount: encoded.additionalCount,
      rotation: encoded.rotation,
      hash, epoch, keys, generations, turn, checkedAt: -1, used: 0, size, slot: -1, questionTag,
    };
    if (!admitted) return entry;
    if (replaced !== undefined) this.remove(replaced);
    while (this.entries.size > 0 && this.full(entry.size)) this.evictOne();
    const slot = this.freeSlots.pop() ?? this.ring.length;
    this.ring[slot] = entry;
    entry.slot = slot;
    this.entries.set(hash, entry);
    this.bytes += entry.size;
    // Generations were read just now: the entry is current at this version.
    const version = this.source.version;
    if (version !== undefined) this.toSlab(entry, version);
    return entry;
  }

  /** A held answer goes into the slab too (which takes only the small ones). */
  private toSlab(entry: CachedAnswer, version: number): void {
    if (entry.slot >= 0) this.slab.put(entry, version);
  }

  /**
   * The rotation shift for a reply of `entry` built outside the slab, advancing its counter by one.
   * While the slab holds the answer, the counter that counts is the slab's (its hits advance it).
   */
  nextRotation(entry: CachedAnswer): number {
    if (entry.rotation === null) return 0;
    const turn = this.slab.turnOf(entry.hash);
    if (turn >= 0) entry.turn = turn;
    const shift = nextRotation(entry);
    this.slab.setTurn(entry.hash, entry.turn);
    return shift;
  }

  /** Where the rotation of `entry` (current or stale) would go on: a replacement starts from there. */
  turnOf(entry: CachedAnswer): number {
    const turn = entry.rotation === null ? -1 : this.slab.turnOf(entry.hash);
    return turn >= 0 ? turn : entry.turn;
  }

  private full(incoming: number): boolean {
    return this.entries.size >= this.maxEntries || this.bytes + incoming > this.maxBytes;
  }

  private remove(entry: CachedAnswer): void {
    this.slab.drop(entry.hash);
    this.entries.delete(entry.hash);
    this.ring[entry.slot] = undefined;
    this.freeSlots.push(entry.slot);
    entry.slot = -1;
    this.bytes -= entry.size;
  }

  /** CLOCK: the hand evicts the first unused entry it meets, giving used ones a second chance. */
  private evictOne(): void {
    const ring = this.ring;
    for (;;) {
      if (this.hand >= ring.length) this.hand = 0;
      const entry = ring[this.hand++];
      if (entry === undefined) continue;
      // A hit through the slab marks the slab's slot, not the entry.
      const usedInSlab = this.slab.takeUsed(entry.hash);
      if (entry.used === 1 || usedInSlab) {
        entry.used = 0;
        continue;
      }
      this.remove(entry);
      return;
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** Entries, and how many of them are denials (NXDOMAIN, or NOERROR without answers). */
  stats(): { entries: number; denials: number } {
    let denials = 0;
    for (const entry of this.entries.values()) {
      if (entry.rcode === NXDOMAIN || (entry.rcode === NOERROR && entry.answerCount === 0)) denials++;
    }
    return { entries: this.size, denials };
  }
}

/** The rotation shift for this reply, advancing the entry's counter by one. */
function nextRotation(entry: CachedAnswer): number {
  const run = entry.rotation;
  if (run === null) return 0;
  const shift = entry.turn % run.count;
  entry.turn = shift + 1;
  return shift;
}
