// The query observer behind the coredns_dns_* and answer-cache metrics. It runs once per query on
// the hot path, so it only turns the event into a few small indexes and bumps numbers in one typed
// array; label strings and prom-client objects exist only at scrape time (query-metrics.ts).
import { performance } from 'node:perf_hooks';
import { MAX_QUESTION_TAG, NO_QUESTION_TAG, type AnsweredBy, type QueryEvent, type QueryObserver } from '../../wire/dispatcher.js';
import { DURATION_BUCKETS, SIZE_BUCKETS } from './histograms.js';
import { FAMILY_LABELS, PROTO_LABELS, RCODE_LABELS, TYPE_LABELS, ZoneLabels, familyIndex, rcodeIndex, typeIndex } from './labels.js';
import type { HistogramSnapshot } from './registry.js';

/** CoreDNS's `plugin` label of coredns_dns_responses_total: who wrote the reply ('' = no plugin). */
export const PLUGIN_LABELS: readonly string[] = ['cache', 'kubernetes', 'forward', ''];
/** Index into PLUGIN_LABELS (a switch: a keyed load with changing string keys goes megamorphic). */
function pluginIndex(answeredBy: AnsweredBy): number {
  switch (answeredBy) {
    case 'cache': return 0;
    case 'resolver':
    case 'shape': return 1;
    case 'forwarder': return 2;
    default: return 3;
  }
}

const TYPES = TYPE_LABELS.length;
const RCODES = RCODE_LABELS.length;
const PLUGINS = PLUGIN_LABELS.length;
const PROTOS = PROTO_LABELS.length;
const FAMILIES = FAMILY_LABELS.length;

const NOERROR = 0;
const NXDOMAIN = 3;

/**
 * Everything one query counts sits in one block of numbers, one block per (zone, proto, family,
 * type): between two queries the kernel's work pushes the counters out of the CPU's caches, and the
 * histograms spread over their own arrays had a query touch some twenty cache lines (~2% of a cached
 * answer at the socket); a block is three or four. The families' coarser labels are sums of blocks,
 * added up at scrape time.
 */
const REQUESTS = 0;
const DURATION_SUM = 1;
const REQUEST_BYTES_SUM = 2;
const RESPONSE_BYTES_SUM = 3;
/** Questions that looked in the answer cache, and its hits split into success and denial. */
const CACHE_REQUESTS = 4;
const CACHE_SUCCESS = 5;
const CACHE_DENIAL = 6;
/** Bucket counts (not cumulative), +Inf last; the duration's first bucket shares the line above. */
const DURATION_COUNTS = 7;
const REQUEST_SIZE_COUNTS = DURATION_COUNTS + DURATION_BUCKETS.length + 1;
const RESPONSE_SIZE_COUNTS = REQUEST_SIZE_COUNTS + SIZE_BUCKETS.length + 1;
const BLOCK = RESPONSE_SIZE_COUNTS + SIZE_BUCKETS.length + 1;

/** Bounds as typed arrays: the bucket search reads them without a JS array's elements indirection. */
const DURATION_BOUNDS = Float64Array.from(DURATION_BUCKETS);
const SIZE_BOUNDS = Float64Array.from(SIZE_BUCKETS);

/** Index of the first bucket whose bound is at least `value` (bounds.length: +Inf). */
function bucketOf(bounds: Float64Array, value: number): number {
  let bucket = 0;
  while (bucket < bounds.length && value > bounds[bucket]!) bucket++;
  return bucket;
}

export type SizeHistogram = 'request' | 'response';

export class QueryStats implements QueryObserver {
  readonly zones: ZoneLabels;
  /** Blocks [zone][proto][family][type] of BLOCK numbers, then responses [zone][rcode][plugin]. */
  private readonly counts: Float64Array;
  private readonly responsesAt: number;
  private readonly now: () => number;

  /**
   * `zones`: the authoritative zones, lower case. `now` is the clock the event's startedAt came from
   * (milliseconds, as performance.now()).
   */
  constructor(zones: readonly string[], now: () => number = () => performance.now()) {
    this.zones = new ZoneLabels(zones);
    const zoneCount = this.zones.labels.length;
    this.responsesAt = zoneCount * PROTOS * FAMILIES * TYPES * BLOCK;
    this.counts = new Float64Array(this.responsesAt + zoneCount * RCODES * PLUGINS);
    this.now = now;
  }

  /** The question's zone, kept with a cached answer so that its hits skip the search (see observe). */
  questionTag(query: Buffer, questionEnd: number): number {
    const zone = this.zones.matchWire(query, questionEnd);
    return zone <= MAX_QUESTION_TAG ? zone : NO_QUESTION_TAG;
  }

  observe(event: QueryEvent): void {
    // The event is reused for the next query: read it here, keep nothing. An answer from the cache
    // comes with its zone (questionTag); finding it in the name again cost ~2.5% of a query.
    const zone = event.questionTag !== NO_QUESTION_TAG ? event.questionTag : this.zones.matchWire(event.query, event.questionEnd);
    const proto = event.transport === 'udp' ? 0 : 1;
    const counts = this.counts;
    const block = blockOf(zone, proto, familyIndex(event.client.address), typeIndex(event.qtype));
    const seconds = (this.now() - event.startedAt) / 1e3;

    counts[block + REQUESTS]!++;
    counts[block + DURATION_SUM]! += seconds;
    counts[block + DURATION_COUNTS + bucketOf(DURATION_BOUNDS, seconds)]!++;
    counts[block + REQUEST_BYTES_SUM]! += event.requestBytes;
    counts[block + REQUEST_SIZE_COUNTS + bucketOf(SIZE_BOUNDS, event.requestBytes)]!++;
    counts[block + RESPONSE_BYTES_SUM]! += event.responseBytes;
    counts[block + RESPONSE_SIZE_COUNTS + bucketOf(SIZE_BOUNDS, event.responseBytes)]!++;
    counts[this.responsesAt + (zone * RCODES + rcodeIndex(event.rcode)) * PLUGINS + pluginIndex(event.answeredBy)]!++;

    // Answers from a name's shape are written before the cache is asked, as errors are.
    if (event.answeredBy === 'error' || event.answeredBy === 'shape') return;
    counts[block + CACHE_REQUESTS]!++;
    if (event.answeredBy === 'cache') {
      const denial = event.rcode === NXDOMAIN || (event.rcode === NOERROR && event.answerCount === 0);
      counts[block + (denial ? CACHE_DENIAL : CACHE_SUCCESS)]!++;
    }
  }

  // Scrape side: sums over blocks, computed on demand.

  /** coredns_dns_requests_total for one label combination. */
  requests(zone: number, proto: number, family: number, type: number): number {
    return this.counts[blockOf(zone, proto, family, type) + REQUESTS]!;
  }

  /** Requests counted so far, every label together. */
  totalRequests(): number {
    return this.sumOverBlocks(REQUESTS);
  }

  /** coredns_dns_responses_total for one label combination. */
  responses(zone: number, rcode: number, plugin: number): number {
    return this.counts[this.responsesAt + (zone * RCODES + rcode) * PLUGINS + plugin]!;
  }

  get cacheRequests(): number {
    return this.sumOverBlocks(CACHE_REQUESTS);
  }

  cacheHits(kind: 'success' | 'denial'): number {
    return this.sumOverBlocks(kind === 'success' ? CACHE_SUCCESS : CACHE_DENIAL);
  }

  /** The duration histogram of one zone and type (proto and family summed); null when empty. */
  duration(zone: number, type: number): HistogramSnapshot | null {
    const blocks: number[] = [];
    for (let proto = 0; proto < PROTOS; proto++) {
      for (let family = 0; family < FAMILIES; family++) blocks.push(blockOf(zone, proto, family, type));
    }
    return this.histogram(blocks, DURATION_COUNTS, DURATION_BUCKETS.length + 1, DURATION_SUM);
  }

  /** The request or response size histogram of one zone and proto (family and type summed); null when empty. */
  size(which: SizeHistogram, zone: number, proto: number): HistogramSnapshot | null {
    const blocks: number[] = [];
    for (let family = 0; family < FAMILIES; family++) {
      for (let type = 0; type < TYPES; type++) blocks.push(blockOf(zone, proto, family, type));
    }
    return which === 'request'
      ? this.histogram(blocks, REQUEST_SIZE_COUNTS, SIZE_BUCKETS.length + 1, REQUEST_BYTES_SUM)
      : this.histogram(blocks, RESPONSE_SIZE_COUNTS, SIZE_BUCKETS.length + 1, RESPONSE_BYTES_SUM);
  }

  private histogram(blocks: readonly number[], countsAt: number, width: number, sumAt: number): HistogramSnapshot | null {
    const counts = new Float64Array(width);
    let sum = 0;
    let total = 0;
    for (const block of blocks) {
      for (let i = 0; i < width; i++) counts[i]! += this.counts[block + countsAt + i]!;
      sum += this.counts[block + sumAt]!;
      total += this.counts[block + REQUESTS]!;
    }
    return total > 0 ? { counts, sum } : null;
  }

  private sumOverBlocks(offset: number): number {
    let total = 0;
    for (let block = 0; block < this.responsesAt; block += BLOCK) total += this.counts[block + offset]!;
    return total;
  }
}

function blockOf(zone: number, proto: number, family: number, type: number): number {
  return (((zone * PROTOS + proto) * FAMILIES + family) * TYPES + type) * BLOCK;
}

/** Sizes of the label dimensions, for readers of QueryStats (scrape side). */
export const QUERY_DIMENSIONS = { TYPES, RCODES, PLUGINS, PROTOS, FAMILIES } as const;
