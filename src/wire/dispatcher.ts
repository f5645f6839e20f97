// One query in, one reply out: parse, cache, resolve or forward, encode, rotate, truncate.
// Synchronous on every path that does not involve an upstream, and it never throws.
import type { Logger } from '../logger.js';
import type { Answer, Client, Forwarder, Generations, Question, Resolver } from '../resolve/message.js';
import { Rcode } from '../resolve/message.js';
import { AnswerCache, nextRotation, type CachedAnswer } from './cache.js';
import { AnswerEncoder } from './encode.js';
import { newQueryHead, parseQuery, scanQuery, type ParsedQuery, type ParseStatus, type QueryHead, type ReplyHead } from './query.js';
import { RateLimitedLog } from './ratelimit.js';
import { buildAnswerReply, buildErrorReply, replyRcode } from './response.js';
import type { ZoneTransfer } from './transfer.js';

/** Which part wrote the reply: the answer cache, the resolver, the forwarder, or an error path. */
export type AnsweredBy = 'cache' | 'resolver' | 'forwarder' | 'error';

export interface QueryEvent {
  readonly transport: 'udp' | 'tcp';
  readonly qtype: number;
  readonly rcode: number;
  readonly requestBytes: number;
  readonly responseBytes: number;
  readonly cacheHit: boolean;
  /** process.hrtime.bigint() when the query arrived. */
  readonly startedAt: bigint;
  /** Who asked (the address gives the family label; query logs name it). */
  readonly client: Client;
  /** The question when it was readable (null for a FORMERR without one). */
  readonly question: Question | null;
  readonly answeredBy: AnsweredBy;
  /** ANCOUNT of the reply (0 with a NOERROR rcode is NODATA). */
  readonly answerCount: number;
}

/** The answer cache's contents, for metrics (computed on demand: walks the cache). */
export interface AnswerCacheStats {
  readonly entries: number;
  /** Entries holding NXDOMAIN or NODATA. */
  readonly denials: number;
}

/** Receives one event per answered query (metrics). Dropped queries produce no event. */
export interface QueryObserver {
  observe(event: QueryEvent): void;
}

export interface DispatcherOptions {
  resolver: Resolver;
  generations: Generations;
  forwarder?: Forwarder;
  logger: Logger;
  /** Entries in the encoded-answer cache (default 10000; 0 disables it). */
  cacheEntries?: number;
  /** Byte budget of that cache (default 32 MiB). */
  cacheBytes?: number;
  /** Our EDNS UDP payload size: the cap on UDP replies and the size we advertise (default 1232). */
  maxUdpSize?: number;
  observer?: QueryObserver;
  /** Zone transfers over TCP to allowed clients (--transfer-to); absent: every transfer is REFUSED. */
  transfer?: ZoneTransfer;
}

/**
 * As CoreDNS's cache (9,984 answers per kind). A larger default (50,000) helped the search-path
 * benchmark, but an entry takes 1.3 to ~6 KB of JavaScript heap, more than the byte budget
 * counts, and a random-name flood then ran a server with a 64 MB heap out of memory
 * (test/robust/flood.test.ts). Raise it with --cache-entries where the heap allows.
 */
export const DEFAULT_CACHE_ENTRIES = 10_000;
const DEFAULT_CACHE_BYTES = 32 * 1024 * 1024;
const DEFAULT_MAX_UDP_SIZE = 1232;
const PLAIN_UDP_LIMIT = 512;
const TCP_LIMIT = 65535;

const ERROR_RCODES: Record<Exclude<ParseStatus, 'ok' | 'drop'>, number> = {
  formerr: Rcode.FORMERR, notimp: Rcode.NOTIMP, refused: Rcode.REFUSED, badvers: Rcode.BADVERS,
};

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown }).then === 'function';
}

export class Dispatcher {
  private readonly resolver: Resolver;
  private readonly generations: Generations;
  private readonly forwarder: Forwarder | undefined;
  private readonly observer: QueryObserver | undefined;
  private readonly maxUdpSize: number;
  private readonly cache: AnswerCache;
  private readonly encoder = new AnswerEncoder();
  private readonly log: RateLimitedLog;
  private readonly transfer: ZoneTransfer | undefined;
  /** Refilled by scanQuery for every query; only read synchronously within one handle() call. */
  private readonly head: QueryHead = newQueryHead();

  constructor(options: DispatcherOptions) {
    this.transfer = options.transfer;
    this.resolver = options.resolver;
    this.generations = options.generations;
    this.forwarder = options.forwarder;
    this.observer = options.observer;
    this.maxUdpSize = Math.min(Math.max(options.maxUdpSize ?? DEFAULT_MAX_UDP_SIZE, PLAIN_UDP_LIMIT), 65535);
    this.cache = new AnswerCache({
      generations: options.generations,
      maxEntries: options.cacheEntries ?? DEFAULT_CACHE_ENTRIES,
      maxBytes: options.cacheBytes ?? DEFAULT_CACHE_BYTES,
    });
    this.log = new RateLimitedLog(options.logger);
  }

  /** Over TCP, the messages of a zone transfer this client may have; null for every other query. */
  transferReplies(query: Buffer, client: Client): Buffer[] | null {
    if (this.transfer === undefined || client.transport !== 'tcp') return null;
    try {
      return this.transfer.replies(query, parseQuery(query), client);
    } catch (err) {
      this.log.warn('transfer', err, 'zone transfer failed; answering it the normal way');
      return null;
    }
  }

  /** The reply to send, null to send nothing, or a Promise of either when an upstream is involved. */
  handle(query: Buffer, client: Client): Buffer | null | Promise<Buffer | null> {
    const startedAt = this.observer !== undefined ? process.hrtime.bigint() : 0n;
    let parsed: ParsedQuery | null = null;
    try {
      // What the cache holds for the question, once the fast scan has found where it ends.
      let looked = false;
      let cached: CachedAnswer | undefined;
      if (scanQuery(query, this.head)) {
        looked = true;
        cached = this.cache.find(query, this.head.questionEnd);
        if (cached !== undefined && this.cache.isCurrent(cached)) return this.fromCache(query, this.head, client, cached, startedAt);
      }
      parsed = parseQuery(query);
      if (parsed.status === 'drop') return null;
      if (parsed.status !== 'ok') {
        const rcode = ERROR_RCODES[parsed.status];
        return this.finish(query, parsed, client, buildErrorReply(query, parsed, rcode, this.maxUdpSize), rcode, 'error', startedAt);
      }
      if (!looked) {
        cached = this.cache.find(query, parsed.questionEnd);
        if (cached !== undefined && this.cache.isCurrent(cached)) return this.fromCache(query, parsed, client, cached, startedAt);
      }
      return this.answer(query, parsed, client, cached, startedAt);
    } catch (err) {
      // Only a bug gets here; the client still gets an answer when its question was readable.
      this.log.warn('dispatch', err, 'query handling failed');
      return parsed === null || parsed.status === 'drop' ? null : this.servfail(query, parsed, client, startedAt);
    }
  }

  /**
   * A current cached answer. On the hot path `head` is the scanned header alone: a plain query is
   * answered without ever parsing its name into labels (the entry holds its question for events).
   */
  private fromCache(query: Buffer, head: ReplyHead, client: Client, cached: CachedAnswer, startedAt: bigint): Buffer {
    const encoded = cached.encoded;
    const reply = buildAnswerReply(query, head, encoded, nextRotation(cached), this.sizeLimit(head, client), this.maxUdpSize);
    if (this.observer !== undefined) this.observe(query, cached.question, client, reply, encoded.rcode, 'cache', startedAt);
    return reply;
  }

  /** A question the cache cannot answer (`cached` may be a stale entry: it lends its rotation). */
  private answer(
    query: Buffer, parsed: ParsedQuery, client: Client, cached: CachedAnswer | undefined, startedAt: bigint,
  ): Buffer | null | Promise<Buffer | null> {
    const epoch = this.generations.epoch;
    let answer: Answer | Promise<Answer> | null;
    try {
      answer = this.resolver.resolve(parsed.question!, client);
    } catch (err) {
      this.log.warn('resolver', err, 'resolver threw; answering SERVFAIL');
      return this.servfail(query, parsed, client, startedAt);
    }
    if (answer === null) return this.forward(query, parsed, client, startedAt);
    if (isPromise(answer)) {
      return answer.then(
        (late) => (late === null ? this.forward(query, parsed, client, startedAt) : this.reply(query, parsed, client, late, null, startedAt)),
        (err: unknown) => {
          this.log.warn('resolver', err, 'resolver rejected; answering SERVFAIL');
          return this.servfail(query, parsed, client, startedAt);
        },
      );
    }
    const entry = answer.dependsOn === null ? null : { epoch, previous: cached };
    return this.reply(query, parsed, client, answer, entry, startedAt);
  }

  /**
   * Encodes `answer` and builds the reply. With `cacheAs`, the encoding is stored: only synchronous
   * answers are, because an answer that needed an upstream (ExternalName chased outside the zone)
   * holds data whose lifetime no generation tracks.
   */
  private reply(
    query: Buffer, parsed: ParsedQuery, client: Client, answer: Answer,
    cacheAs: { epoch: number; previous: CachedAnswer | undefined } | null, startedAt: bigint,
  ): Buffer {
    let encoded;
    try {
      encoded = this.encoder.encode(answer, parsed.question!.labels, parsed.questionEnd);
    } catch (err) {
      this.log.warn('encode', err, 'answer could not be encoded; answering SERVFAIL');
      return this.servfail(query, parsed, client, startedAt);
    }
    let shift = 0;
    if (cacheAs !== null && answer.dependsOn !== null) {
      // A stale entry hands its rotation counter on, so round-robin continues across zone changes.
      const entry = this.cache.store(query, parsed.questionEnd, parsed.question!, encoded, answer.dependsOn, cacheAs.epoch, cacheAs.previous?.rotation ?? 0);
      shift = nextRotation(entry);
    }
    const reply = buildAnswerReply(query, parsed, encoded, shift, this.sizeLimit(parsed, client), this.maxUdpSize);
    return this.finish(query, parsed, client, reply, encoded.rcode, 'resolver', startedAt);
  }

  private forward(query: Buffer, parsed: ParsedQuery, client: Client, startedAt: bigint): Buffer | Promise<Buffer> {
    if (this.forwarder === undefined) {
      return this.finish(query, parsed, client, buildErrorReply(query, parsed, Rcode.REFUSED, this.maxUdpSize), Rcode.REFUSED, 'error', startedAt);
    }
    let pending: Promise<Buffer | null>;
    try {
      pending = this.forwarder.forward(query, parsed.question!, client);
    } catch (err) {
      this.log.warn('forwarder', err, 'forwarder threw; answering SERVFAIL');
      return this.servfail(query, parsed, client, startedAt);
    }
    return pending.then(
      (reply) => (reply === null ? this.servfail(query, parsed, client, startedAt) : this.finish(query, parsed, client, reply, replyRcode(reply), 'forwarder', startedAt)),
      (err: unknown) => {
        this.log.warn('forwarder', err, 'forwarder failed; answering SERVFAIL');
        return this.servfail(query, parsed, client, startedAt);
      },
    );
  }

  private servfail(query: Buffer, parsed: ParsedQuery, client: Client, startedAt: bigint): Buffer {
    return this.finish(query, parsed, client, buildErrorReply(query, parsed, Rcode.SERVFAIL, this.maxUdpSize), Rcode.SERVFAIL, 'error', startedAt);
  }

  /** What the answer cache holds (walks it: for scrapes, not for the query path). */
  cacheStats(): AnswerCacheStats {
    return this.cache.stats();
  }

  private sizeLimit(head: ReplyHead, client: Client): number {
    if (client.transport === 'tcp') return TCP_LIMIT;
    if (head.edns === null) return PLAIN_UDP_LIMIT;
    return Math.max(PLAIN_UDP_LIMIT, Math.min(head.edns.udpSize, this.maxUdpSize));
  }

  private finish(
    query: Buffer, parsed: ParsedQuery, client: Client, reply: Buffer, rcode: number, answeredBy: AnsweredBy, startedAt: bigint,
  ): Buffer {
    if (this.observer !== undefined) this.observe(query, parsed.question, client, reply, rcode, answeredBy, startedAt);
    return reply;
  }

  private observe(
    query: Buffer, question: Question | null, client: Client, reply: Buffer, rcode: number, answeredBy: AnsweredBy, startedAt: bigint,
  ): void {
    try {
      this.observer!.observe({
        transport: client.transport,
        qtype: question?.type ?? 0,
        rcode,
        requestBytes: query.length,
        responseBytes: reply.length,
        cacheHit: answeredBy === 'cache',
        startedAt,
        client,
        question,
        answeredBy,
        answerCount: reply.length >= 8 ? (reply[6]! << 8) | reply[7]! : 0,
      });
    } catch (err) {
      this.log.warn('observer', err, 'query observer threw');
    }
  }
}
