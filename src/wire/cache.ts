// The cache of encoded answers, keyed by the exact question bytes (name as sent + type + class).
//
// Keying on the bytes as sent means a hit needs no parsing or lower-casing, and the cached records
// (whose owners point at the question and carry its letter case) fit the reply exactly. The maps are
// keyed by a seeded hash of those bytes, and a hit compares the bytes with the entry's: making a
// string of every question to look it up cost more than the rest of a hit's DNS work. Two questions
// with one hash simply take turns in the cache. The
// price: a client that randomises letter case (DNS 0x20) misses and gets a fresh build every time,
// which is still a correct answer. Validity comes from generations only, never from TTLs: an entry
// holds the epoch and the generation of every key its answer depends on, and is current while all match.
// The key does not include the client: an answer that depends on who asks (transport, ACLs) must come
// with dependsOn null, which keeps it out of the cache.
//
// Eviction is by generations of the map, not strict LRU: new and recently used entries live in
// `recent`; when it fills up (half the entries or half the bytes), it becomes `older` and the previous
// `older` is dropped. A hit in `older` moves the entry back to `recent`. So an entry used at least once
// per half-cache of new entries stays, as with LRU, but a hit costs one Map lookup and no reordering:
// the profile of the hit path showed lru-cache's bookkeeping at about a tenth of the DNS work.
//
// Once the cache has turned over (it is full), a question it has never held is admitted only one time
// in ADMIT_ONE_IN. When the questions in use outnumber the entries, admitting every miss evicts
// entries before anyone asks for them again: the hit rate is no better, and each admitted entry
// lives just long enough to be promoted to V8's old space before it dies, which made garbage
// collection the largest cost of an NXDOMAIN-heavy load (search-path expansions). A question asked
// often still gets in after a few misses.
import type { Generations, Question } from '../resolve/message.js';
import type { EncodedAnswer } from './encode.js';

export interface CachedAnswer {
  /** The question bytes (name as sent, type, class) as a latin-1 string, to tell hash collisions apart. */
  readonly key: string;
  readonly encoded: EncodedAnswer;
  /** The question the answer was built for (the key's bytes, parsed), for query events on a hit. */
  readonly question: Question;
  readonly epoch: number;
  readonly keys: readonly string[];
  readonly generations: readonly number[];
  /** Next rotation position of the answer's address run (true round-robin, one step per reply). */
  rotation: number;
  /** Generations.version when the entry was last found current; -1 before its first check. */
  checkedAt: number;
  /** Bytes charged against the cache's budget. */
  readonly size: number;
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

/** Rough fixed cost of an entry beyond its record bytes: objects, arrays, map slots. */
const ENTRY_OVERHEAD = 200;

/** The question bytes start right after the 12-byte header. */
const QUESTION_START = 12;

/** FNV-1a over buf[from, to) from a per-cache seed, cut to 30 bits so V8 keeps it a small integer. */
export function hashBytes(buf: Buffer, from: number, to: number, seed: number): number {
  let hash = seed;
  for (let i = from; i < to; i++) hash = Math.imul(hash ^ buf[i]!, 0x01000193);
  return hash & 0x3fffffff;
}

function sameBytes(key: string, buf: Buffer, from: number, to: number): boolean {
  if (key.length !== to - from) return false;
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) !== buf[from + i]) return false;
  return true;
}

function entrySize(encoded: EncodedAnswer, keys: readonly string[], key: string): number {
  let size = ENTRY_OVERHEAD + key.length + encoded.records.length + encoded.ends.length * 8;
  for (const k of keys) size += k.length + 16;
  return size;
}

export class AnswerCache {
  private readonly source: Generations;
  private readonly enabled: boolean;
  /** Entries and bytes one generation of the map may hold before it is turned over. */
  private readonly generationEntries: number;
  private readonly generationBytes: number;
  private recent = new Map<number, CachedAnswer>();
  private recentBytes = 0;
  private older = new Map<number, CachedAnswer>();
  /** Unpredictable per process, so nobody can aim questions at one hash to push an entry out. */
  private readonly seed: number;

  /** `random` picks the hash seed and decides admissions when the cache is full (tests fix it). */
  constructor(options: AnswerCacheOptions, private readonly random: () => number = Math.random) {
    this.seed = (random() * 0x100000000) >>> 0;
    this.source = options.generations;
    this.enabled = options.maxEntries > 0 && options.maxBytes > 0;
    this.generationEntries = Math.max(1, Math.floor(options.maxEntries / 2));
    this.generationBytes = Math.max(1, Math.floor(options.maxBytes / 2));
  }

  /**
   * The entry for the question in `query` (the bytes from offset 12 to `questionEnd`), current or
   * stale (a stale one still lends its rotation counter).
   */
  find(query: Buffer, questionEnd: number): CachedAnswer | undefined {
    const hash = hashBytes(query, QUESTION_START, questionEnd, this.seed);
    const entry = this.recent.get(hash);
    if (entry !== undefined) return sameBytes(entry.key, query, QUESTION_START, questionEnd) ? entry : undefined;
    const old = this.older.get(hash);
    if (old === undefined || !sameBytes(old.key, query, QUESTION_START, questionEnd)) return undefined;
    this.older.delete(hash);
    this.insert(hash, old);
    return old;
  }

  isCurrent(entry: CachedAnswer): boolean {
    const source = this.source;
    // Nothing in the zone has changed since this entry was last checked: no need to look at its keys.
    const version = source.version;
    if (version !== undefined && entry.checkedAt === version) return true;
    if (entry.epoch !== source.epoch) return false;
    const keys = entry.keys;
    for (let i = 0; i < keys.length; i++) {
      if (source.generation(keys[i]!) !== entry.generations[i]) return false;
    }
    if (version !== undefined) entry.checkedAt = version;
    return true;
  }

  /**
   * Stores `encoded`, built for `question` (the bytes of `query` from 12 to `questionEnd`) when the
   * epoch was `epoch`, as depending on `keys` at their current generations. Returns the entry (also
   * when the cache is disabled or passes it up, so rotation state has a home for this one reply).
   */
  store(
    query: Buffer, questionEnd: number, question: Question, encoded: EncodedAnswer, keys: readonly string[], epoch: number, rotation: number,
  ): CachedAnswer {
    const key = query.toString('latin1', QUESTION_START, questionEnd);
    const generations = keys.map((k) => this.source.generation(k));
    const entry: CachedAnswer = { key, encoded, question, epoch, keys, generations, rotation, checkedAt: -1, size: entrySize(encoded, keys, key) };
    if (!this.enabled) return entry;
    const hash = hashBytes(query, QUESTION_START, questionEnd, this.seed);
    // An entry for a question already held (a stale answer being replaced) is always admitted.
    if (this.older.delete(hash)) {
      this.insert(hash, entry);
      return entry;
    }
    const replaced = this.recent.get(hash);
    if (replaced === undefined && this.older.size > 0 && this.random() * ADMIT_ONE_IN >= 1) return entry;
    if (replaced !== undefined) {
      this.recent.delete(hash);
      this.recentBytes -= replaced.size;
    }
    this.insert(hash, entry);
    return entry;
  }

  private insert(key: number, entry: CachedAnswer): void {
    if (this.recent.size >= this.generationEntries || this.recentBytes + entry.size > this.generationBytes) {
      this.older = this.recent;
      this.recent = new Map();
      this.recentBytes = 0;
    }
    const displaced = this.recent.get(key);
    if (displaced !== undefined) this.recentBytes -= displaced.size;
    this.recent.set(key, entry);
    this.recentBytes += entry.size;
  }

  get size(): number {
    return this.recent.size + this.older.size;
  }

  /** Entries, and how many of them are denials (NXDOMAIN, or NOERROR without answers). */
  stats(): { entries: number; denials: number } {
    let denials = 0;
    for (const map of [this.recent, this.older]) {
      for (const entry of map.values()) {
        if (entry.encoded.rcode === NXDOMAIN || (entry.encoded.rcode === NOERROR && entry.encoded.answerCount === 0)) denials++;
      }
    }
    return { entries: this.size, denials };
  }

  clear(): void {
    this.recent = new Map();
    this.older = new Map();
    this.recentBytes = 0;
  }
}

/** The rotation shift for this reply, advancing the entry's counter by one. */
export function nextRotation(entry: CachedAnswer): number {
  const run = entry.encoded.rotation;
  if (run === null) return 0;
  const shift = entry.rotation % run.count;
  entry.rotation = shift + 1;
  return shift;
}
