// Response-rate limiting for UDP (the idea of BIND's and Knot's RRL, reduced to what a cluster
// DNS server needs): a token bucket per client prefix (/24 for IPv4, /56 for IPv6), so one client
// or one spoofed victim cannot draw more than RATE answers a second. Over the rate, every SLIP-th
// answer goes out truncated (TC, no records) and the rest are dropped: a real client behind a
// limited prefix retries over TCP (which cannot be spoofed) and is answered, while a reflection
// attack gets only tiny replies, at a fraction of the rate.
import { Buffer } from 'node:buffer';
import { LRUCache } from 'lru-cache';
import { parseIPv4, parseIPv6 } from '../cluster/ip.js';

export interface RrlOptions {
  /** Answers per second per client prefix (also the burst size). */
  readonly ratePerSecond: number;
  /** Every SLIP-th limited answer is sent truncated, the others dropped; 0 drops them all (default 2). */
  readonly slip?: number;
  readonly ipv4PrefixLength?: number;
  readonly ipv6PrefixLength?: number;
  /** Prefixes tracked at most; the least recently seen are forgotten first (default 100 000). */
  readonly maxTracked?: number;
  /** Milliseconds clock (tests). */
  readonly now?: () => number;
}

/** What to do with one answer: send it, send it truncated, or drop it. */
export type RrlVerdict = 'send' | 'slip' | 'drop';

export interface RrlStats {
  readonly slipped: number;
  readonly dropped: number;
}

interface Bucket {
  tokens: number;
  at: number;
  limited: number;
}

const DEFAULT_SLIP = 2;
const DEFAULT_IPV4_PREFIX = 24;
const DEFAULT_IPV6_PREFIX = 56;
const DEFAULT_MAX_TRACKED = 100_000;

/** The prefix `address` belongs to, as a map key; the address itself when it cannot be parsed. */
export function clientPrefix(address: string, ipv4Length: number, ipv6Length: number): string {
  const percent = address.indexOf('%');
  const bare = percent === -1 ? address : address.slice(0, percent);
  const v4 = parseIPv4(bare);
  if (v4 !== null) return ipv4Key(v4, ipv4Length);
  const v6 = parseIPv6(bare);
  if (v6 === null) return bare;
  // An IPv4-mapped address (::ffff:a.b.c.d, what a dual-stack socket reports) is an IPv4 client.
  if (v6.slice(0, 5).every((g) => g === 0) && v6[5] === 0xffff) {
    return ipv4Key([v6[6]! >> 8, v6[6]! & 0xff, v6[7]! >> 8, v6[7]! & 0xff], ipv4Length);
  }
  const kept: number[] = [];
  for (let i = 0, bits = ipv6Length; i < 8 && bits > 0; i++, bits -= 16) {
    kept.push(bits >= 16 ? v6[i]! : v6[i]! & (0xffff << (16 - bits)) & 0xffff);
  }
  return `6/${kept.map((g) => g.toString(16)).join(':')}`;
}

function ipv4Key(octets: readonly number[], length: number): string {
  const value = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  const mask = length <= 0 ? 0 : (0xffffffff << (32 - Math.min(length, 32))) >>> 0;
  return `4/${(value & mask) >>> 0}`;
}

export class ResponseRateLimiter {
  private readonly rate: number;
  private readonly slip: number;
  private readonly ipv4Length: number;
  private readonly ipv6Length: number;
  private readonly buckets: LRUCache<string, Bucket>;
  private readonly now: () => number;
  private slipped = 0;
  private dropped = 0;

  constructor(options: RrlOptions) {
    this.rate = Math.max(1, options.ratePerSecond);
    this.slip = Math.max(0, Math.floor(options.slip ?? DEFAULT_SLIP));
    this.ipv4Length = options.ipv4PrefixLength ?? DEFAULT_IPV4_PREFIX;
    this.ipv6Length = options.ipv6PrefixLength ?? DEFAULT_IPV6_PREFIX;
    this.buckets = new LRUCache<string, Bucket>({ max: Math.max(1, options.maxTracked ?? DEFAULT_MAX_TRACKED) });
    this.now = options.now ?? Date.now;
  }

  /** Takes one answer's worth from the bucket of `address`'s prefix and says what to do with the answer. */
  check(address: string): RrlVerdict {
    const key = clientPrefix(address, this.ipv4Length, this.ipv6Length);
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: this.rate, at: now, limited: 0 };
      this.buckets.set(key, bucket);
    } else if (now > bucket.at) {
      bucket.tokens = Math.min(this.rate, bucket.tokens + ((now - bucket.at) * this.rate) / 1000);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 'send';
    }
    bucket.limited++;
    if (this.slip > 0 && bucket.limited % this.slip === 0) {
      this.slipped++;
      return 'slip';
    }
    this.dropped++;
    return 'drop';
  }

  stats(): RrlStats {
    return { slipped: this.slipped, dropped: this.dropped };
  }
}

const HEADER_SIZE = 12;

/**
 * The truncated form of `reply`: its header with TC set and its question, no records (not even OPT),
 * so it is never larger than the query that caused it.
 */
export function slipReply(reply: Buffer): Buffer {
  let end = HEADER_SIZE;
  if (reply.length > HEADER_SIZE && reply.readUInt16BE(4) === 1) {
    // The question is the client's own, echoed uncompressed.
    let at = HEADER_SIZE;
    while (at < reply.length && reply[at]! !== 0 && reply[at]! <= 63) at += reply[at]! + 1;
    if (at < reply.length && reply[at] === 0 && at + 5 <= reply.length) end = at + 5;
  }
  const out = Buffer.from(reply.subarray(0, Math.min(end, reply.length)));
  if (out.length < HEADER_SIZE) return out;
  out[2] = out[2]! | 0x02;
  out.writeUInt16BE(end > HEADER_SIZE ? 1 : 0, 4);
  out.writeUInt16BE(0, 6);
  out.writeUInt16BE(0, 8);
  out.writeUInt16BE(0, 10);
  return out;
}
