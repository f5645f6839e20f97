// The cache of encoded answers, keyed by the exact question bytes (name as sent + type + class).
//
// Keying on the bytes as sent means a hit costs one latin-1 slice and no lower-casing, and the cached
// records (whose owners point at the question and carry its letter case) fit the reply exactly. The
// price: a client that randomises letter case (DNS 0x20) misses and gets a fresh build every time,
// which is still a correct answer. Validity comes from generations only, never from TTLs: an entry
// holds the epoch and the generation of every key its answer depends on, and is current while all match.
// The key does not include the client: an answer that depends on who asks (transport, ACLs) must come
// with dependsOn null, which keeps it out of the cache.
import { LRUCache } from 'lru-cache';
import type { Generations } from '../resolve/message.js';
import type { EncodedAnswer } from './encode.js';

export interface CachedAnswer {
  readonly encoded: EncodedAnswer;
  readonly epoch: number;
  readonly keys: readonly string[];
  readonly generations: readonly number[];
  /** Next rotation position of the answer's address run (true round-robin, one step per reply). */
  rotation: number;
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

/** Rough fixed cost of an entry beyond its record bytes: objects, arrays, LRU slots. */
const ENTRY_OVERHEAD = 200;

function entrySize(entry: CachedAnswer, key: string): number {
  let size = ENTRY_OVERHEAD + key.length + entry.encoded.records.length + entry.encoded.ends.length * 8;
  for (const k of entry.keys) size += k.length + 16;
  return size;
}

export class AnswerCache {
  private readonly lru: LRUCache<string, CachedAnswer> | null;
  private readonly source: Generations;

  constructor(options: AnswerCacheOptions) {
    this.source = options.generations;
    this.lru = options.maxEntries > 0 && options.maxBytes > 0
      ? new LRUCache<string, CachedAnswer>({ max: options.maxEntries, maxSize: options.maxBytes, sizeCalculation: entrySize })
      : null;
  }

  /** The entry for `key`, current or stale (a stale one still lends its rotation counter). */
  find(key: string): CachedAnswer | undefined {
    return this.lru?.get(key);
  }

  isCurrent(entry: CachedAnswer): boolean {
    if (entry.epoch !== this.source.epoch) return false;
    for (let i = 0; i < entry.keys.length; i++) {
      if (this.source.generation(entry.keys[i]!) !== entry.generations[i]) return false;
    }
    return true;
  }

  /**
   * Stores `encoded`, built when the epoch was `epoch`, as depending on `keys` at their current
   * generations. Returns the entry (also when the cache is disabled, so rotation state has a home
   * for this one reply).
   */
  store(key: string, encoded: EncodedAnswer, keys: readonly string[], epoch: number, rotation: number): CachedAnswer {
    const generations = keys.map((k) => this.source.generation(k));
    const entry: CachedAnswer = { encoded, epoch, keys, generations, rotation };
    this.lru?.set(key, entry);
    return entry;
  }

  get size(): number {
    return this.lru?.size ?? 0;
  }

  /** Entries, and how many of them are denials (NXDOMAIN, or NOERROR without answers). */
  stats(): { entries: number; denials: number } {
    let denials = 0;
    if (this.lru !== null) {
      for (const entry of this.lru.values()) {
        if (entry.encoded.rcode === NXDOMAIN || (entry.encoded.rcode === NOERROR && entry.encoded.answerCount === 0)) denials++;
      }
    }
    return { entries: this.size, denials };
  }

  clear(): void {
    this.lru?.clear();
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
