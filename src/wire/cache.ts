// The cache of encoded answers, keyed by the exact question bytes (name as sent + type + class).
//
// Keying on the bytes as sent means a hit costs one latin-1 slice and no lower-casing, and the cached
// records (whose owners point at the question and carry its letter case) fit the reply exactly. The
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
import type { Generations, Question } from '../resolve/message.js';
import type { EncodedAnswer } from './encode.js';

export interface CachedAnswer {
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

/** Rough fixed cost of an entry beyond its record bytes: objects, arrays, map slots. */
const ENTRY_OVERHEAD = 200;

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
  private recent = new Map<string, CachedAnswer>();
  private recentBytes = 0;
  private older = new Map<string, CachedAnswer>();

  constructor(options: AnswerCacheOptions) {
    this.source = options.generations;
    this.enabled = options.maxEntries > 0 && options.maxBytes > 0;
    this.generationEntries = Math.max(1, Math.floor(options.maxEntries / 2));
    this.generationBytes = Math.max(1, Math.floor(options.maxBytes / 2));
  }

  /** The entry for `key`, current or stale (a stale one still lends its rotation counter). */
  find(key: string): CachedAnswer | undefined {
    const entry = this.recent.get(key);
    if (entry !== undefined) return entry;
    const old = this.older.get(key);
    if (old !== undefined) {
      this.older.delete(key);
      this.insert(key, old);
    }
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
   * Stores `encoded`, built for `question` when the epoch was `epoch`, as depending on `keys` at their
   * current generations. Returns the entry (also when the cache is disabled, so rotation state has a
   * home for this one reply).
   */
  store(key: string, question: Question, encoded: EncodedAnswer, keys: readonly string[], epoch: number, rotation: number): CachedAnswer {
    const generations = keys.map((k) => this.source.generation(k));
    const entry: CachedAnswer = { encoded, question, epoch, keys, generations, rotation, checkedAt: -1, size: entrySize(encoded, keys, key) };
    if (!this.enabled) return entry;
    this.older.delete(key);
    const replaced = this.recent.get(key);
    if (replaced !== undefined) {
      this.recent.delete(key);
      this.recentBytes -= replaced.size;
    }
    this.insert(key, entry);
    return entry;
  }

  private insert(key: string, entry: CachedAnswer): void {
    if (this.recent.size >= this.generationEntries || this.recentBytes + entry.size > this.generationBytes) {
      this.older = this.recent;
      this.recent = new Map();
      this.recentBytes = 0;
    }
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
