// The query observer behind the coredns_dns_* and answer-cache metrics. It runs once per query on
// the hot path, so it only turns the event into a few small indexes and writes them, with the sizes
// and the duration, to the next slot of a batch; the batch is added to the counters and histograms
// (typed arrays) when it is full or when anything reads them. Counting each query straight into
// eight arrays touched as many cache lines per query, cold again after every trip through the
// kernel: on the benchmark the observer cost 0.3 µs a cache hit that way. Label strings and
// prom-client objects exist only at scrape time (query-metrics.ts).
import { performance } from 'node:perf_hooks';
import type { AnsweredBy, QueryEvent, QueryObserver } from '../../wire/dispatcher.js';
import { DURATION_BUCKETS, HistogramTable, SIZE_BUCKETS } from './histograms.js';
import { FAMILY_LABELS, PROTO_LABELS, RCODE_LABELS, TYPE_LABELS, ZoneLabels, familyIndex, rcodeIndex, typeIndex } from './labels.js';

/** CoreDNS's `plugin` label of coredns_dns_responses_total: who wrote the reply ('' = no plugin). */
export const PLUGIN_LABELS: readonly string[] = ['cache', 'kubernetes', 'forward', ''];
const PLUGIN_INDEX: Readonly<Record<AnsweredBy, number>> = { cache: 0, resolver: 1, forwarder: 2, error: 3 };

const TYPES = TYPE_LABELS.length;
const RCODES = RCODE_LABELS.length;
const PLUGINS = PLUGIN_LABELS.length;
const PROTOS = PROTO_LABELS.length;
const FAMILIES = FAMILY_LABELS.length;

const NOERROR = 0;
const NXDOMAIN = 3;

/** Queries recorded before they are added up (a full batch is added at once). */
const BATCH = 1024;

/** What a query's outcome means for the answer cache's counters. */
const NOT_LOOKED_UP = 0;
const LOOKED_UP = 1;
const HIT_SUCCESS = 2;
const HIT_DENIAL = 3;

// A pending query's small indexes, packed in one number: type (5 bits: TYPE_LABELS has 19), proto (1),
// family (1), rcode index (5 bits: 25), plugin (2), cache outcome (2).
const TYPE_SHIFT = 0;
const PROTO_SHIFT = 5;
const FAMILY_SHIFT = 6;
const RCODE_SHIFT = 7;
const PLUGIN_SHIFT = 12;
const OUTCOME_SHIFT = 14;

export class QueryStats implements QueryObserver {
  readonly zones: ZoneLabels;
  private readonly requestCounts: Float64Array;
  private readonly responseCounts: Float64Array;
  private readonly durations: HistogramTable;
  private readonly requestSizes: HistogramTable;
  private readonly responseSizes: HistogramTable;
  private cacheRequestCount = 0;
  private readonly cacheHitCounts = new Float64Array(2);
  private readonly now: () => number;
  // The batch: one slot per query, in arrival order.
  private readonly pendingZones = new Uint16Array(BATCH);
  private readonly pendingCodes = new Uint32Array(BATCH);
  /** Request bytes in the low 16 bits, response bytes in the high 16 (DNS messages fit in 16 bits). */
  private readonly pendingSizes = new Uint32Array(BATCH);
  private readonly pendingSeconds = new Float64Array(BATCH);
  private pending = 0;

  /**
   * `zones`: the authoritative zones, lower case. `now` is the clock the event's startedAt came from
   * (milliseconds, as performance.now()).
   */
  constructor(zones: readonly string[], now: () => number = () => performance.now()) {
    this.zones = new ZoneLabels(zones);
    const zoneCount = this.zones.labels.length;
    if (zoneCount > 0xffff) throw new Error(`too many zones for the query metrics: ${zoneCount}`);
    this.requestCounts = new Float64Array(zoneCount * PROTOS * FAMILIES * TYPES);
    this.responseCounts = new Float64Array(zoneCount * RCODES * PLUGINS);
    this.durations = new HistogramTable(DURATION_BUCKETS, zoneCount * TYPES);
    this.requestSizes = new HistogramTable(SIZE_BUCKETS, zoneCount * PROTOS);
    this.responseSizes = new HistogramTable(SIZE_BUCKETS, zoneCount * PROTOS);
    this.now = now;
  }

  /** [zone][proto][family][type] */
  get requests(): Float64Array {
    this.flush();
    return this.requestCounts;
  }

  /** [zone][rcode][plugin] */
  get responses(): Float64Array {
    this.flush();
    return this.responseCounts;
  }

  /** rows [zone][type] */
  get duration(): HistogramTable {
    this.flush();
    return this.durations;
  }

  /** rows [zone][proto] */
  get requestSize(): HistogramTable {
    this.flush();
    return this.requestSizes;
  }

  get responseSize(): HistogramTable {
    this.flush();
    return this.responseSizes;
  }

  /** Answer cache: questions that looked it up. */
  get cacheRequests(): number {
    this.flush();
    return this.cacheRequestCount;
  }

  /** Answer-cache hits split into [success, denial]. */
  get cacheHits(): Float64Array {
    this.flush();
    return this.cacheHitCounts;
  }

  observe(event: QueryEvent): void {
    // The event is reused for the next query: read it here, keep nothing.
    const slot = this.pending;
    let outcome = NOT_LOOKED_UP;
    if (event.answeredBy === 'cache') {
      const denial = event.rcode === NXDOMAIN || (event.rcode === NOERROR && event.answerCount === 0);
      outcome = denial ? HIT_DENIAL : HIT_SUCCESS;
    } else if (event.answeredBy !== 'error') {
      outcome = LOOKED_UP;
    }
    this.pendingZones[slot] = this.zones.matchWire(event.query, event.questionEnd);
    this.pendingCodes[slot] = (typeIndex(event.qtype) << TYPE_SHIFT) | ((event.transport === 'udp' ? 0 : 1) << PROTO_SHIFT)
      | (familyIndex(event.client.address) << FAMILY_SHIFT) | (rcodeIndex(event.rcode) << RCODE_SHIFT)
      | (PLUGIN_INDEX[event.answeredBy] << PLUGIN_SHIFT) | (outcome << OUTCOME_SHIFT);
    this.pendingSizes[slot] = (Math.min(event.requestBytes, 0xffff) | (Math.min(event.responseBytes, 0xffff) << 16)) >>> 0;
    this.pendingSeconds[slot] = (this.now() - event.startedAt) / 1e3;
    this.pending = slot + 1;
    if (this.pending === BATCH) this.flush();
  }

  /** Adds the pending queries to the counters and histograms. */
  private flush(): void {
    const count = this.pending;
    this.pending = 0;
    for (let i = 0; i < count; i++) {
      const zone = this.pendingZones[i]!;
      const code = this.pendingCodes[i]!;
      const type = (code >>> TYPE_SHIFT) & 0x1f;
      const proto = (code >>> PROTO_SHIFT) & 0x1;
      const family = (code >>> FAMILY_SHIFT) & 0x1;
      const rcode = (code >>> RCODE_SHIFT) & 0x1f;
      const plugin = (code >>> PLUGIN_SHIFT) & 0x3;
      const outcome = (code >>> OUTCOME_SHIFT) & 0x3;
      const sizes = this.pendingSizes[i]!;
      this.requestCounts[((zone * PROTOS + proto) * FAMILIES + family) * TYPES + type]!++;
      this.responseCounts[(zone * RCODES + rcode) * PLUGINS + plugin]!++;
      this.durations.observe(zone * TYPES + type, this.pendingSeconds[i]!);
      this.requestSizes.observe(zone * PROTOS + proto, sizes & 0xffff);
      this.responseSizes.observe(zone * PROTOS + proto, sizes >>> 16);
      if (outcome === NOT_LOOKED_UP) continue;
      this.cacheRequestCount++;
      if (outcome !== LOOKED_UP) this.cacheHitCounts[outcome === HIT_SUCCESS ? 0 : 1]!++;
    }
  }
}

/** Index helpers for readers of QueryStats' arrays (scrape side). */
export const QUERY_DIMENSIONS = { TYPES, RCODES, PLUGINS, PROTOS, FAMILIES } as const;
