// The response cache of forwarded answers: upstream replies kept as wire bytes, bounded by entries
// and bytes, fresh for min(record TTLs, cap); served with their TTLs counted down in place.
import { Buffer } from 'node:buffer';
import { LRUCache } from 'lru-cache';
import { Rcode, RRType } from '../message.js';
import { soaMinimum, withoutEdnsOptions } from './records.js';
import { Section, type RecordSpan } from './walk.js';
import { isTruncated, ownCopy, rcodeOf } from './wire.js';

/**
 * TTL of every record in an answer served stale (all upstreams failing): the 30 s RFC 8767 §4
 * recommends, so clients come back soon enough to see the upstreams recover, but not every second.
 */
export const STALE_TTL_SECONDS = 30;

export interface CachePolicy {
  /** Cap on how long a positive answer is fresh, in seconds. */
  readonly maxTtl: number;
  /** Cap on how long a negative answer (NXDOMAIN, NODATA) is fresh, in seconds. */
  readonly negativeMaxTtl: number;
}

export interface CachedReply {
  /** The upstream's reply with EDNS options removed; TTLs as received. */
  readonly wire: Buffer;
  /** Its records but the OPT: where each TTL is counted down, and the answers a lookup decodes. */
  readonly records: readonly RecordSpan[];
  /** Seconds it is fresh for; also the ceiling of every TTL served from it. */
  readonly lifetime: number;
  /** Clock reading (ms) when it was stored. */
  readonly storedAt: number;
}

/**
 * The reply (checked where it was received; `spans` from that walk) as a cache entry, or null when it
 * must not be cached: SERVFAIL, REFUSED and other errors, truncated replies, negative answers without a
 * SOA (RFC 2308 §5), and anything with a TTL of 0.
 */
export function toCachedReply(reply: Buffer, spans: readonly RecordSpan[], policy: CachePolicy, now: number): CachedReply | null {
  if (isTruncated(reply)) return null;
  const rcode = rcodeOf(reply);
  if (rcode !== Rcode.NOERROR && rcode !== Rcode.NXDOMAIN) return null;
  const records = spans.filter((s) => s.type !== RRType.OPT);
  const answers = records.filter((s) => s.section === Section.Answer);
  const negative = rcode === Rcode.NXDOMAIN || answers.length === 0;
  let lifetime = negative ? policy.negativeMaxTtl : policy.maxTtl;
  if (negative) {
    const soa = records.find((s) => s.section === Section.Authority && s.type === RRType.SOA);
    const minimum = soa === undefined ? null : soaMinimum(reply, soa);
    if (minimum === null) return null;
    lifetime = Math.min(lifetime, minimum);
  }
  for (const r of records) lifetime = Math.min(lifetime, r.ttl);
  if (!(lifetime > 0)) return null;
  // Dropping the OPT's options moves no other record: `records` stays true for the stripped wire.
  return { wire: withoutEdnsOptions(reply, spans).wire, records, lifetime, storedAt: now };
}

/** A copy of the cached reply with every TTL counted down by the whole seconds since it was stored. */
export function renderCached(entry: CachedReply, now: number, stale: boolean): Buffer {
  const out = ownCopy(entry.wire);
  const elapsed = Math.max(0, Math.floor((now - entry.storedAt) / 1000));
  for (const record of entry.records) {
    const ttl = stale ? STALE_TTL_SECONDS : Math.max(0, Math.min(record.ttl, entry.lifetime) - elapsed);
    out.writeUInt32BE(ttl, record.ttlOffset);
  }
  return out;
}

export interface ResponseCacheOptions {
  readonly maxEntries: number;
  readonly maxBytes: number;
  /** How long after expiry an entry may still be served stale (0: never). */
  readonly serveStaleMs: number;
  readonly now: () => number;
}

export interface CacheHit {
  readonly entry: CachedReply;
  /** False: past its lifetime but inside the serve-stale window; only for when every upstream failed. */
  readonly fresh: boolean;
}

function expiresAt(entry: CachedReply): number {
  return entry.storedAt + entry.lifetime * 1000;
}

/** Fixed cost per entry beyond its bytes (key, spans, bookkeeping), so the byte bound is honest. */
const ENTRY_OVERHEAD = 96;
/** A record span: a small object of eight numbers. */
const SPAN_OVERHEAD = 64;

export class ResponseCache {
  private readonly lru: LRUCache<string, CachedReply> | null;
  private readonly serveStaleMs: number;
  private readonly now: () => number;

  constructor(options: ResponseCacheOptions) {
    this.serveStaleMs = options.serveStaleMs;
    this.now = options.now;
    // Expiry is this class's own check on read (storedAt and lifetime are in every entry), not
    // lru-cache's TTL: that reads the clock on every get, and a hit already reads it once to count the
    // TTLs down. An expired entry goes when it is next read, or when the bounds push it out.
    this.lru = options.maxEntries > 0 && options.maxBytes > 0
      ? new LRUCache<string, CachedReply>({
          max: options.maxEntries,
          maxSize: options.maxBytes,
          sizeCalculation: (entry, key) => entry.wire.length + key.length + entry.records.length * SPAN_OVERHEAD + ENTRY_OVERHEAD,
        })
      : null;
  }

  /** The entry for `key` while it is fresh at `now` (a reading of `options.now`); allocates nothing. */
  fresh(key: string, now: number): CachedReply | undefined {
    const entry = this.usable(key, now);
    return entry !== undefined && now < expiresAt(entry) ? entry : undefined;
  }

  /** The entry for `key`, fresh or inside the serve-stale window. */
  get(key: string): CacheHit | undefined {
    const now = this.now();
    const entry = this.usable(key, now);
    return entry === undefined ? undefined : { entry, fresh: now < expiresAt(entry) };
  }

  /** The entry for `key` unless it is past its lifetime and the serve-stale window (then it goes). */
  private usable(key: string, now: number): CachedReply | undefined {
    const entry = this.lru?.get(key);
    if (entry === undefined || now < expiresAt(entry) + this.serveStaleMs) return entry;
    this.lru?.delete(key);
    return undefined;
  }

  set(key: string, entry: CachedReply): void {
    this.lru?.set(key, entry);
  }

  get size(): number {
    return this.lru?.size ?? 0;
  }

  get bytes(): number {
    return this.lru?.calculatedSize ?? 0;
  }

  clear(): void {
    this.lru?.clear();
  }
}
