// The query observer behind the coredns_dns_* and answer-cache metrics. It runs once per query on
// the hot path, so it only turns the event into a few small indexes and bumps numbers in typed
// arrays; label strings and prom-client objects exist only at scrape time (query-metrics.ts).
import { performance } from 'node:perf_hooks';
import { MAX_QUESTION_TAG, NO_QUESTION_TAG, type AnsweredBy, type QueryEvent, type QueryObserver } from '../../wire/dispatcher.js';
import { DURATION_BUCKETS, HistogramTable, SIZE_BUCKETS } from './histograms.js';
import { FAMILY_LABELS, PROTO_LABELS, RCODE_LABELS, TYPE_LABELS, ZoneLabels, familyIndex, rcodeIndex, typeIndex } from './labels.js';

/** CoreDNS's `plugin` label of coredns_dns_responses_total: who wrote the reply ('' = no plugin). */
export const PLUGIN_LABELS: readonly string[] = ['cache', 'kubernetes', 'forward', ''];
/** Index into PLUGIN_LABELS (a switch: a keyed load with changing string keys goes megamorphic). */
function pluginIndex(answeredBy: AnsweredBy): number {
  switch (answeredBy) {
    case 'cache': return 0;
    case 'resolver': return 1;
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

export class QueryStats implements QueryObserver {
  readonly zones: ZoneLabels;
  /** [zone][proto][family][type] */
  readonly requests: Float64Array;
  /** [zone][rcode][plugin] */
  readonly responses: Float64Array;
  /** rows [zone][type] */
  readonly duration: HistogramTable;
  /** rows [zone][proto] */
  readonly requestSize: HistogramTable;
  readonly responseSize: HistogramTable;
  /** Answer cache: questions that looked it up, and hits split into [success, denial]. */
  cacheRequests = 0;
  readonly cacheHits = new Float64Array(2);
  private readonly now: () => number;

  /**
   * `zones`: the authoritative zones, lower case. `now` is the clock the event's startedAt came from
   * (milliseconds, as performance.now()).
   */
  constructor(zones: readonly string[], now: () => number = () => performance.now()) {
    this.zones = new ZoneLabels(zones);
    const zoneCount = this.zones.labels.length;
    this.requests = new Float64Array(zoneCount * PROTOS * FAMILIES * TYPES);
    this.responses = new Float64Array(zoneCount * RCODES * PLUGINS);
    this.duration = new HistogramTable(DURATION_BUCKETS, zoneCount * TYPES);
    this.requestSize = new HistogramTable(SIZE_BUCKETS, zoneCount * PROTOS);
    this.responseSize = new HistogramTable(SIZE_BUCKETS, zoneCount * PROTOS);
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
    const type = typeIndex(event.qtype);
    const proto = event.transport === 'udp' ? 0 : 1;
    const family = familyIndex(event.client.address);

    this.requests[((zone * PROTOS + proto) * FAMILIES + family) * TYPES + type]!++;
    this.responses[(zone * RCODES + rcodeIndex(event.rcode)) * PLUGINS + pluginIndex(event.answeredBy)]!++;
    this.duration.observe(zone * TYPES + type, (this.now() - event.startedAt) / 1e3);
    this.requestSize.observe(zone * PROTOS + proto, event.requestBytes);
    this.responseSize.observe(zone * PROTOS + proto, event.responseBytes);

    if (event.answeredBy === 'error') return;
    this.cacheRequests++;
    if (event.answeredBy === 'cache') {
      const denial = event.rcode === NXDOMAIN || (event.rcode === NOERROR && event.answerCount === 0);
      this.cacheHits[denial ? 1 : 0]!++;
    }
  }
}

/** Index helpers for readers of QueryStats' arrays (scrape side). */
export const QUERY_DIMENSIONS = { TYPES, RCODES, PLUGINS, PROTOS, FAMILIES } as const;
