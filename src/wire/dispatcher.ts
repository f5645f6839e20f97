// One query in, one reply out: parse, cache, resolve or forward, encode, rotate, truncate.
// Synchronous on every path that does not involve an upstream, and it never throws.
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../logger.js';
import type { Answer, Client, Forwarder, Generations, Resolver } from '../resolve/message.js';
import { Rcode } from '../resolve/message.js';
import { MAX_QUESTION_TAG, NO_QUESTION_TAG } from './answer-slab.js';
import { AnswerCache, type CachedAnswer } from './cache.js';
import { AnswerEncoder } from './encode.js';
import { ImpossibleNames } from './impossible-names.js';
import { newQueryHead, parseQuery, scanQuery, type ParsedQuery, type ParseStatus, type QueryHead, type ReplyHead } from './query.js';
import { RateLimitedLog } from './ratelimit.js';
import { buildAnswerReply, buildErrorReply, replyRcode, type ReplyScratch } from './response.js';
import type { ZoneTransfer } from './transfer.js';

/**
 * Which part wrote the reply: the answer cache, the resolver, the resolver's verdict on a name's
 * shape (ImpossibleNames: no cache entry and no lookup), the forwarder, or an error path.
 */
export type AnsweredBy = 'cache' | 'resolver' | 'shape' | 'forwarder' | 'error';

/**
 * One answered query, for observers (metrics, query log). The dispatcher fills one reused event
 * object per query, so an observer reads it inside observe() and keeps nothing: allocating an event
 * (and two BigInt timestamps) per query cost more than the rest of the metrics work.
 */
export interface QueryEvent {
  readonly transport: 'udp' | 'tcp';
  /** QTYPE of the question; 0 when the query had no readable question. */
  readonly qtype: number;
  readonly rcode: number;
  readonly requestBytes: number;
  readonly responseBytes: number;
  /**
   * The query as received. Its question, when readable, is the bytes from offset 12 to
   * `questionEnd`: the name as sent (uncompressed labels, letter case kept), QTYPE, QCLASS.
   */
  readonly query: Buffer;
  /** End of the question in `query`; 0 when the query had no readable question (FORMERR without one). */
  readonly questionEnd: number;
  /** performance.now() when the query arrived (milliseconds, fractional). */
  readonly startedAt: number;
  /** Who asked (the address gives the family label; query logs name it). */
  readonly client: Client;
  readonly answeredBy: AnsweredBy;
  /** ANCOUNT of the reply (0 with a NOERROR rcode is NODATA). */
  readonly answerCount: number;
  /**
   * What the observer's questionTag() said of this question when its answer was cached, handed back
   * with every answer from the cache; NO_QUESTION_TAG when there is none (the observer works it out).
   */
  readonly questionTag: number;
}

export { MAX_QUESTION_TAG, NO_QUESTION_TAG };

/** The answer cache's contents, for metrics (computed on demand: walks the cache). */
export interface AnswerCacheStats {
  readonly entries: number;
  /** Entries holding NXDOMAIN or NODATA. */
  readonly denials: number;
}

/** Receives one event per answered query (metrics). Dropped queries produce no event. */
export interface QueryObserver {
  observe(event: QueryEvent): void;
  /**
   * A number from 0 to MAX_QUESTION_TAG that depends only on the question's bytes (query[12,
   * questionEnd)), or NO_QUESTION_TAG. The dispatcher asks once per answer it caches, keeps it with the
   * answer and hands it back in QueryEvent.questionTag, so the observer does not work it out again on
   * every hit (the metrics' zone: finding it in the name cost ~2.5% of a query at the socket).
   */
  questionTag?(query: Buffer, questionEnd: number): number;
}

export interface DispatcherOptions {
  resolver: Resolver;
  generations: Generations;
  forwarder?: Forwarder;
  logger: Logger;
  /** Entries in the encoded-answer cache (default 50000; 0 disables it). */
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
 * Enough for the search-path expansions of a busy cluster (the benchmark's 1,000-service cluster
 * sends 18,000 distinct ones): CoreDNS keeps 9,984 answers per kind, but a miss here costs more than
 * a hit does, and an entry takes only 220 to 470 bytes of heap (src/wire/cache.ts). The byte budget
 * still bounds a flood of distinct names whatever the entry limit.
 */
export const DEFAULT_CACHE_ENTRIES = 50_000;
const DEFAULT_CACHE_BYTES = 32 * 1024 * 1024;
const DEFAULT_MAX_UDP_SIZE = 1232;
const PLAIN_UDP_LIMIT = 512;
const TCP_LIMIT = 65535;

const ERROR_RCODES: Record<Exclude<ParseStatus, 'ok' | 'drop'>, number> = {
  formerr: Rcode.FORMERR, notimp: Rcode.NOTIMP, refused: Rcode.REFUSED, badvers: Rcode.BADVERS,
};

type Writable<T> = { -readonly [K in keyof T]: T[K] };

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return value !== null && typeof (value as { then?: unknown }).then === 'function';
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
  private readonly impossible: ImpossibleNames;
  /** Refilled by scanQuery for every query; only read synchronously within one handle() call. */
  private readonly head: QueryHead = newQueryHead();
  /** The one event object every observed query fills in (QueryEvent: observers keep nothing). */
  private readonly event: Writable<QueryEvent> = {
    transport: 'udp', qtype: 0, rcode: 0, requestBytes: 0, responseBytes: 0, query: Buffer.alloc(0), questionEnd: 0,
    startedAt: 0, client: { address: '', port: 0, transport: 'udp' }, answeredBy: 'error', answerCount: 0,
    questionTag: NO_QUESTION_TAG,
  };

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
    this.impossible = new ImpossibleNames({
      resolver: options.resolver,
      generations: options.generations,
      encoder: this.encoder,
      questionTag: (query, questionEnd) => this.questionTag(query, questionEnd),
    });
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

  /**
   * The reply to send, null to send nothing, or a Promise of either when an upstream is involved.
   * With `scratch`, a reply returned at once may be a view of the scratch's memory: the caller sends
   * it before the next call with the same scratch (see ReplyScratch). A Promise's reply never is.
   */
  handle(query: Buffer, client: Client, scratch?: ReplyScratch): Buffer | null | Promise<Buffer | null> {
    const startedAt = this.observer !== undefined ? performance.now() : 0;
    let parsed: ParsedQuery | null = null;
    try {
      // What the cache holds for the question, once the fast scan has found where it ends.
      let looked = false;
      let cached: CachedAnswer | undefined;
      if (scanQuery(query, this.head)) {
        // A name invalid whatever its labels (a search-path expansion) is answered from its shape.
        // Every size limit is at least 512 bytes; a reply that needs more takes the long path.
        const denied = this.impossible.reply(query, this.head, PLAIN_UDP_LIMIT, this.maxUdpSize, scratch);
        if (denied !== null) {
          if (this.observer !== undefined) {
            this.observe(query, this.head.questionEnd, client, denied, this.impossible.lastRcode, 'shape', startedAt, this.impossible.lastTag);
          }
          return denied;
        }
        // A name outside every zone is the forwarder's: no resolver, no answer cache, no parse.
        if (this.impossible.lastOutsideZones && this.forwarder !== undefined) {
          return this.forward(query, null, this.head.questionEnd, client, startedAt);
        }
        // A small answer comes straight from the slab, no heap object touched.
        const hash = this.cache.hash(query, this.head.questionEnd);
        const fromSlab = this.cache.slabReply(query, this.head, hash, this.maxUdpSize, scratch);
        if (fromSlab !== null) {
          if (this.observer !== undefined) {
            this.observe(query, this.head.questionEnd, client, fromSlab, replyRcode(fromSlab), 'cache', startedAt, this.cache.slabTag);
          }
          return fromSlab;
        }
        looked = true;
        cached = this.cache.find(query, this.head.questionEnd, hash);
        if (cached !== undefined && this.cache.isCurrent(cached)) return this.fromCache(query, this.head, client, cached, startedAt, scratch);
      }
      parsed = parseQuery(query);
      if (parsed.status === 'drop') return null;
      if (parsed.status !== 'ok') {
        const rcode = ERROR_RCODES[parsed.status];
        return this.finish(query, parsed, client, buildErrorReply(query, parsed, rcode, this.maxUdpSize), rcode, 'error', startedAt);
      }
      if (!looked) {
        cached = this.cache.find(query, parsed.questionEnd);
        if (cached !== undefined && this.cache.isCurrent(cached)) return this.fromCache(query, parsed, client, cached, startedAt, scratch);
      }
      return this.answer(query, parsed, client, cached, startedAt, scratch);
    } catch (err) {
      // Only a bug gets here; the client still gets an answer when its question was readable.
      this.log.warn('dispatch', err, 'query handling failed');
      return parsed === null || parsed.status === 'drop' ? null : this.servfail(query, parsed, client, startedAt);
    }
  }

  /**
   * A current cached answer. On the hot path `head` is the scanned header alone: a plain query is
   * answered without ever parsing its name into labels.
   */
  private fromCache(
    query: Buffer, head: ReplyHead, client: Client, cached: CachedAnswer, startedAt: number, scratch: ReplyScratch | undefined,
  ): Buffer {
    const reply = buildAnswerReply(query, head, cached, this.cache.nextRotation(cached), this.sizeLimit(head, client), this.maxUdpSize, scratch);
    if (this.observer !== undefined) this.observe(query, head.questionEnd, client, reply, cached.rcode, 'cache', startedAt, cached.questionTag);
    return reply;
  }

  /** A question the cache cannot answer (`cached` may be a stale entry: it lends its rotation). */
  private answer(
    query: Buffer, parsed: ParsedQuery, client: Client, cached: CachedAnswer | undefined, startedAt: number,
    scratch: ReplyScratch | undefined,
  ): Buffer | null | Promise<Buffer | null> {
    const epoch = this.generations.epoch;
    let answer: Answer | Promise<Answer> | null;
    try {
      answer = this.resolver.resolve(parsed.question!, client);
    } catch (err) {
      this.log.warn('resolver', err, 'resolver threw; answering SERVFAIL');
      return this.servfail(query, parsed, client, startedAt);
    }
    if (answer === null) return this.forward(query, parsed, parsed.questionEnd, client, startedAt);
    if (isPromise(answer)) {
      return answer.then(
        // A late reply gets its own memory: other replies may take the scratch before it is sent.
        (late) => (late === null
          ? this.forward(query, parsed, parsed.questionEnd, client, startedAt)
          : this.reply(query, parsed, client, late, null, startedAt, undefined)),
        (err: unknown) => {
          this.log.warn('resolver', err, 'resolver rejected; answering SERVFAIL');
          return this.servfail(query, parsed, client, startedAt);
        },
      );
    }
    const entry = answer.dependsOn === null ? null : { epoch, previous: cached };
    return this.reply(query, parsed, client, answer, entry, startedAt, scratch);
  }

  /**
   * Encodes `answer` and builds the reply. With `cacheAs`, the encoding is stored: only synchronous
   * answers are, because an answer that needed an upstream (ExternalName chased outside the zone)
   * holds data whose lifetime no generation tracks.
   */
  private reply(
    query: Buffer, parsed: ParsedQuery, client: Client, answer: Answer,
    cacheAs: { epoch: number; previous: CachedAnswer | undefined } | null, startedAt: number, scratch: ReplyScratch | undefined,
  ): Buffer {
    let encoded;
    try {
      encoded = this.encoder.encode(answer, parsed.question!.labels, parsed.questionEnd);
    } catch (err) {
      this.log.warn('encode', err, 'answer could not be encoded; answering SERVFAIL');
      return this.servfail(query, parsed, client, startedAt);
    }
    let shift = 0;
    let tag = NO_QUESTION_TAG;
    if (cacheAs !== null && answer.dependsOn !== null) {
      // A stale entry hands its rotation counter on, so round-robin continues across zone changes.
      const previous = cacheAs.previous;
      const turn = previous === undefined ? 0 : this.cache.turnOf(previous);
      tag = this.questionTag(query, parsed.questionEnd);
      const entry = this.cache.store(query, parsed.questionEnd, encoded, answer.dependsOn, cacheAs.epoch, turn, tag);
      shift = this.cache.nextRotation(entry);
    }
    const reply = buildAnswerReply(query, parsed, encoded, shift, this.sizeLimit(parsed, client), this.maxUdpSize, scratch);
    return this.finish(query, parsed, client, reply, encoded.rcode, 'resolver', startedAt, tag);
  }

  /**
   * The forwarder's reply. `parsed` is null for a query only scanned (parseQuery would read it as ok,
   * its question ending at `questionEnd`): it is parsed only when an error reply needs it.
   */
  private forward(
    query: Buffer, parsed: ParsedQuery | null, questionEnd: number, client: Client, startedAt: number,
  ): Buffer | Promise<Buffer> {
    if (this.forwarder === undefined) {
      const whole = parsed ?? parseQuery(query);
      return this.finish(query, whole, client, buildErrorReply(query, whole, Rcode.REFUSED, this.maxUdpSize), Rcode.REFUSED, 'error', startedAt);
    }
    let pending: Buffer | null | Promise<Buffer | null>;
    try {
      pending = this.forwarder.forward(query, client);
    } catch (err) {
      this.log.warn('forwarder', err, 'forwarder threw; answering SERVFAIL');
      return this.servfail(query, parsed ?? parseQuery(query), client, startedAt);
    }
    // A fresh answer from the forwarder's cache comes back at once.
    if (!isPromise(pending)) return this.forwarded(query, parsed, questionEnd, client, pending, startedAt);
    return pending.then(
      (reply) => this.forwarded(query, parsed, questionEnd, client, reply, startedAt),
      (err: unknown) => {
        this.log.warn('forwarder', err, 'forwarder failed; answering SERVFAIL');
        return this.servfail(query, parsed ?? parseQuery(query), client, startedAt);
      },
    );
  }

  private forwarded(
    query: Buffer, parsed: ParsedQuery | null, questionEnd: number, client: Client, reply: Buffer | null, startedAt: number,
  ): Buffer {
    if (reply === null) return this.servfail(query, parsed ?? parseQuery(query), client, startedAt);
    if (this.observer !== undefined) this.observe(query, questionEnd, client, reply, replyRcode(reply), 'forwarder', startedAt, NO_QUESTION_TAG);
    return reply;
  }

  private servfail(query: Buffer, parsed: ParsedQuery, client: Client, startedAt: number): Buffer {
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
    query: Buffer, parsed: ParsedQuery, client: Client, reply: Buffer, rcode: number, answeredBy: AnsweredBy, startedAt: number,
    questionTag = NO_QUESTION_TAG,
  ): Buffer {
    if (this.observer !== undefined) {
      this.observe(query, parsed.question !== null ? parsed.questionEnd : 0, client, reply, rcode, answeredBy, startedAt, questionTag);
    }
    return reply;
  }

  /** The observer's tag for the question, NO_QUESTION_TAG when it gives none or one out of range. */
  private questionTag(query: Buffer, questionEnd: number): number {
    const tag = this.observer?.questionTag?.(query, questionEnd) ?? NO_QUESTION_TAG;
    return Number.isInteger(tag) && tag >= 0 && tag <= MAX_QUESTION_TAG ? tag : NO_QUESTION_TAG;
  }

  private observe(
    query: Buffer, questionEnd: number, client: Client, reply: Buffer, rcode: number, answeredBy: AnsweredBy, startedAt: number,
    questionTag: number,
  ): void {
    const event = this.event;
    event.transport = client.transport;
    event.qtype = questionEnd >= 16 ? (query[questionEnd - 4]! << 8) | query[questionEnd - 3]! : 0;
    event.rcode = rcode;
    event.requestBytes = query.length;
    event.responseBytes = reply.length;
    event.query = query;
    event.questionEnd = questionEnd;
    event.startedAt = startedAt;
    event.client = client;
    event.answeredBy = answeredBy;
    event.answerCount = reply.length >= 8 ? (reply[6]! << 8) | reply[7]! : 0;
    event.questionTag = questionTag;
    try {
      this.observer!.observe(event);
    } catch (err) {
      this.log.warn('observer', err, 'query observer threw');
    }
  }
}
