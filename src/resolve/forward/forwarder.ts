// The forwarder for names outside our zones: the client's query relayed to the upstreams in turn
// (UDP, then TCP when truncated), answers cached as wire bytes, identical misses sharing one exchange.
import type { Client, Forwarder, ResourceRecord, UpstreamLookup } from '../message.js';
import { ResponseCache, renderCached, toCachedReply, type CachePolicy, type CachedReply } from './cache.js';
import { UpstreamPool, type UpstreamStatus } from './health.js';
import { silentLogger, type ForwardLogger } from './logger.js';
import { decodeAnswers, withoutEdnsOptions, type SpannedReply } from './records.js';
import type { RecordSpan } from './walk.js';
import { describe, tcpExchange, type ExchangeResult, type UdpChannel, type Upstream } from './transport.js';
import {
  TCP_LIMIT, buildQuery, cacheKey, isTruncated, rcodeOf, readQuestion, refusedReply, replyBudget, replyForClient,
  withRecursionDesired, type WireQuestion,
} from './wire.js';

export interface UpstreamForwarderOptions {
  /** Tried in this order, healthy ones first. At least one. */
  readonly upstreams: readonly Upstream[];
  /** Per upstream and per attempt (UDP, then TCP after a truncated reply). Default 2000. */
  readonly timeoutMs?: number;
  /** Upstream exchanges in flight at once; a query beyond that is REFUSED. Default 1000. */
  readonly maxConcurrent?: number;
  /** Cache bound in entries; 0 turns the cache off. Default 10000. */
  readonly cacheEntries?: number;
  /** Cache bound in bytes (wire bytes plus bookkeeping); 0 turns the cache off. Default 16 MiB. */
  readonly cacheBytes?: number;
  /** Seconds a positive answer stays cached at most, and the largest TTL served from the cache. Default 30. */
  readonly cacheMaxTtl?: number;
  /** Seconds a negative answer (NXDOMAIN, NODATA) stays cached at most. Default 5. */
  readonly negativeMaxTtl?: number;
  /** How long past expiry an answer may be served (TTL 30) when every upstream fails; 0 = never. Default 0. */
  readonly serveStaleMs?: number;
  /** How often an upstream marked down is probed with `. NS`. Default 500. */
  readonly healthCheckIntervalMs?: number;
  /** Consecutive failures that mark an upstream down. Default 2 (as CoreDNS's max_fails). */
  readonly maxFails?: number;
  readonly logger?: ForwardLogger;
  /** Monotonic clock in ms, for tests. Must start above 0 (lru-cache treats a start of 0 as "no TTL"). */
  readonly now?: () => number;
}

export interface ForwarderStats {
  readonly cacheHits: number;
  readonly cacheMisses: number;
  readonly staleServed: number;
  /** Misses that joined an identical exchange already in flight. */
  readonly coalesced: number;
  /** Queries answered REFUSED because maxConcurrent exchanges were in flight. */
  readonly refused: number;
  /** Exchanges with one upstream that failed (timeout, refused, network, a malformed reply). */
  readonly upstreamFailures: number;
  /** Queries for which every upstream failed. */
  readonly exhausted: number;
  readonly tcpRetries: number;
  readonly inFlight: number;
  readonly cacheEntries: number;
  readonly cacheBytes: number;
  readonly upstreams: readonly UpstreamStatus[];
}

export interface LookupResult {
  readonly rcode: number;
  readonly records: readonly ResourceRecord[];
  readonly truncated: boolean;
}

/** `records`: the spans of the records in `wire` (at least its answers), so nothing walks it again. */
type ServedReply = { readonly kind: 'reply'; readonly wire: Buffer; readonly records: readonly RecordSpan[] };

/** What one query came to, before it is made a particular client's reply. */
type Served =
  | ServedReply
  | { readonly kind: 'busy' }
  | { readonly kind: 'failed' };

type Fetched =
  | { readonly kind: 'reply'; readonly reply: SpannedReply; readonly entry: CachedReply | null }
  | { readonly kind: 'failed' };

export class UpstreamForwarder implements Forwarder, UpstreamLookup {
  private readonly pool: UpstreamPool;
  private readonly cache: ResponseCache;
  private readonly policy: CachePolicy;
  private readonly timeoutMs: number;
  private readonly maxConcurrent: number;
  private readonly serveStale: boolean;
  private readonly logger: ForwardLogger;
  private readonly now: () => number;
  private readonly inflight = new Map<string, Promise<Fetched>>();
  private closed = false;
  private counters = {
    cacheHits: 0, cacheMisses: 0, staleServed: 0, coalesced: 0, refused: 0, upstreamFailures: 0, exhausted: 0, tcpRetries: 0,
  };

  constructor(options: UpstreamForwarderOptions) {
    if (options.upstreams.length === 0) throw new RangeError('the forwarder needs at least one upstream');
    this.timeoutMs = positive(options.timeoutMs ?? 2000, 'timeoutMs');
    this.maxConcurrent = positive(options.maxConcurrent ?? 1000, 'maxConcurrent');
    this.policy = {
      maxTtl: positive(options.cacheMaxTtl ?? 30, 'cacheMaxTtl'),
      negativeMaxTtl: positive(options.negativeMaxTtl ?? 5, 'negativeMaxTtl'),
    };
    const serveStaleMs = Math.max(0, options.serveStaleMs ?? 0);
    this.serveStale = serveStaleMs > 0;
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? (() => performance.now());
    this.cache = new ResponseCache({
      maxEntries: Math.max(0, options.cacheEntries ?? 10_000),
      maxBytes: Math.max(0, options.cacheBytes ?? 16 * 1024 * 1024),
      serveStaleMs,
      now: this.now,
    });
    this.pool = new UpstreamPool({
      upstreams: options.upstreams,
      maxFails: positive(options.maxFails ?? 2, 'maxFails'),
      intervalMs: Math.max(0, options.healthCheckIntervalMs ?? 500),
      probeTimeoutMs: this.timeoutMs,
      logger: this.logger,
    });
  }

  get upstreams(): readonly Upstream[] {
    return this.pool.upstreams;
  }

  /**
   * The reply for a client: at once from a fresh cached answer (most queries for outside names: no
   * Promise, no tick), else a Promise of what the upstreams (or a stale answer) give.
   */
  forward(query: Buffer, client: Client): Buffer | null | Promise<Buffer | null> {
    try {
      const asked = this.closed ? null : readQuestion(query);
      if (asked === null) return null;
      const key = cacheKey(asked);
      const fresh = this.freshFromCache(key);
      // renderCached made this copy for this reply alone: it is patched in place.
      if (fresh !== null) return replyForClient(fresh.wire, query, asked, replyBudget(asked, client.transport), true);
      return this.forwardMiss(query, asked, key, client);
    } catch (err) {
      this.logger.error({ err }, 'forwarding failed unexpectedly');
      return null;
    }
  }

  private async forwardMiss(query: Buffer, asked: WireQuestion, key: string, client: Client): Promise<Buffer | null> {
    try {
      const served = await this.serveMiss(query, asked, key);
      if (served.kind === 'busy') return refusedReply(query, asked);
      if (served.kind === 'failed') return null;
      return replyForClient(served.wire, query, asked, replyBudget(asked, client.transport));
    } catch (err) {
      this.logger.error({ err }, 'forwarding failed unexpectedly');
      return null;
    }
  }

  async lookup(name: string, type: number): Promise<LookupResult | null> {
    try {
      const query = this.closed ? null : buildQuery(name, type, { recursionDesired: true, edns: true });
      const asked = query === null ? null : readQuestion(query);
      if (query === null || asked === null) return null;
      const served = await this.serve(query, asked);
      if (served.kind !== 'reply') return null;
      // A cached reply carries the question as a client spelled it (WWW.Example.COM); with our own
      // question bytes in its place, owner names compressed against it read as we asked.
      // Same length as what was walked (a reply never exceeds TCP_LIMIT), so the spans still hold.
      const wire = replyForClient(served.wire, query, asked, TCP_LIMIT);
      const records = wire.length === served.wire.length ? decodeAnswers(wire, served.records) : [];
      return { rcode: rcodeOf(wire), records: records.map((r) => asAsked(r, name)), truncated: isTruncated(wire) };
    } catch (err) {
      this.logger.error({ err, name, type }, 'upstream lookup failed unexpectedly');
      return null;
    }
  }

  /**
   * One query to one upstream over UDP, past the cache and the health bookkeeping: the loop detector's
   * probe. Null when that upstream gave no reply.
   */
  async probe(upstream: Upstream, name: string, type: number): Promise<{ rcode: number } | null> {
    const channel = this.pool.channelFor(upstream);
    const query = buildQuery(name, type, { recursionDesired: true, edns: false });
    const asked = query === null ? null : readQuestion(query);
    if (channel === null || query === null || asked === null || this.closed) return null;
    const result = await channel.exchange(query, asked, this.timeoutMs);
    return result.ok ? { rcode: rcodeOf(result.reply) } : null;
  }

  stats(): ForwarderStats {
    return {
      ...this.counters, inFlight: this.inflight.size, cacheEntries: this.cache.size, cacheBytes: this.cache.bytes,
      upstreams: this.pool.status(),
    };
  }

  close(): void {
    this.closed = true;
    this.pool.close();
    this.cache.clear();
  }

  /** From the cache, or from an exchange (shared with identical misses in flight), or stale. */
  private async serve(query: Buffer, asked: WireQuestion): Promise<Served> {
    const key = cacheKey(asked);
    return this.freshFromCache(key) ?? this.serveMiss(query, asked, key);
  }

  /** A fresh cached answer for `key` (counted as a hit), or null. One clock reading serves both checks. */
  private freshFromCache(key: string): ServedReply | null {
    const now = this.now();
    const entry = this.cache.fresh(key, now);
    if (entry === undefined) return null;
    this.counters.cacheHits++;
    return { kind: 'reply', wire: renderCached(entry, now, false), records: entry.records };
  }

  /** From an exchange (shared with identical misses in flight), or stale. */
  private async serveMiss(query: Buffer, asked: WireQuestion, key: string): Promise<Served> {
    this.counters.cacheMisses++;
    let pending = this.inflight.get(key);
    if (pending !== undefined) {
      this.counters.coalesced++;
    } else {
      if (this.inflight.size >= this.maxConcurrent) {
        this.counters.refused++;
        return { kind: 'busy' };
      }
      pending = this.fetch(key, query, asked);
      this.inflight.set(key, pending);
      void pending.finally(() => this.inflight.delete(key));
    }
    const fetched = await pending;
    if (fetched.kind === 'reply') {
      const { entry, reply } = fetched;
      return { kind: 'reply', wire: entry === null ? reply.wire : renderCached(entry, this.now(), false), records: reply.spans };
    }
    const fallback = this.serveStale ? this.cache.get(key) : undefined;
    if (fallback !== undefined) {
      if (!fallback.fresh) this.counters.staleServed++;
      return { kind: 'reply', wire: renderCached(fallback.entry, this.now(), !fallback.fresh), records: fallback.entry.records };
    }
    return { kind: 'failed' };
  }

  /** Never rejects: a failure of any kind is `failed` (waiters and the in-flight map depend on it). */
  private async fetch(key: string, query: Buffer, asked: WireQuestion): Promise<Fetched> {
    try {
      return await this.fetchFromUpstreams(key, query, asked);
    } catch (err) {
      this.logger.error({ err }, 'forwarding failed unexpectedly');
      return { kind: 'failed' };
    }
  }

  private async fetchFromUpstreams(key: string, query: Buffer, asked: WireQuestion): Promise<Fetched> {
    const relayed = withRecursionDesired(query);
    for (const channel of this.pool.candidates()) {
      const result = await this.exchange(channel, relayed, asked);
      if (result.ok) {
        this.pool.succeeded(channel);
        const entry = toCachedReply(result.reply, result.spans, this.policy, this.now());
        if (entry !== null && !this.closed) this.cache.set(key, entry);
        // Not cacheable (an error, TTL 0): still shared by coalesced clients, so without the first one's cookie.
        const reply = entry === null ? withoutEdnsOptions(result.reply, result.spans) : { wire: entry.wire, spans: entry.records };
        return { kind: 'reply', reply, entry };
      }
      if (result.failure === 'closed') break;
      this.counters.upstreamFailures++;
      if (result.failure !== 'busy') this.pool.failed(channel, result);
      this.logger.debug({ upstream: describe(channel.upstream), failure: result.failure, detail: result.detail }, 'upstream failed');
    }
    this.counters.exhausted++;
    return { kind: 'failed' };
  }

  /** UDP; on a truncated reply TCP, falling back to the truncated reply if TCP fails (the upstream is alive). */
  private async exchange(channel: UdpChannel, query: Buffer, asked: WireQuestion): Promise<ExchangeResult> {
    const udp = await channel.exchange(query, asked, this.timeoutMs);
    if (!udp.ok || !isTruncated(udp.reply)) return udp;
    this.counters.tcpRetries++;
    const tcp = await tcpExchange(channel.upstream, query, asked, this.timeoutMs);
    if (tcp.ok) return tcp;
    this.logger.debug({ upstream: describe(channel.upstream), detail: tcp.detail }, 'TCP retry failed; relaying the truncated reply');
    return udp;
  }
}

/** An owner written out (uncompressed) in a client's spelling of the name we looked up, respelled as we asked. */
function asAsked(record: ResourceRecord, name: string): ResourceRecord {
  const asked = name.endsWith('.') ? name.slice(0, -1) : name;
  return record.name !== asked && record.name.toLowerCase() === asked.toLowerCase() ? { ...record, name: asked } : record;
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}
