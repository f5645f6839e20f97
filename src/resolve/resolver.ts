// The authoritative resolver: (question) → Answer over the zone index (behaviour §2, §3).
// Synchronous except when an ExternalName is chased to an upstream.
import type { ZoneIndex } from '../zone/index.js';
import { anyOutcome, existenceProbeType } from './any.js';
import { ResolverEnv, type NameQuery } from './env.js';
import { chaseCname } from './external-name.js';
import { forwardOutcome } from './forward.js';
import { Rcode, RRClass, RRType, type Answer, type Client, type NameShapes, type Question, type Resolver, type ResourceRecord } from './message.js';
import { zonesFromArgs, type ResolverOptions } from './options.js';
import type { ChaseOutcome, NodataOutcome, NxdomainOutcome, Outcome, RecordsOutcome } from './outcome.js';
import { STATIC } from './outcome.js';
import { reverseOutcome } from './ptr.js';
import { zoneTransferRecords } from './transfer.js';
import { SuffixSet, type ZoneInfo } from './zones.js';

export type { PodMode, ResolverOptions } from './options.js';
export { InvalidZoneError } from './options.js';
export { zonesFromArgs };

const NO_RECORDS: readonly ResourceRecord[] = Object.freeze([]);

export class ClusterResolver implements Resolver {
  private readonly env: ResolverEnv;
  private readonly fallthrough: SuffixSet;
  readonly nameShapes: NameShapes | null;

  constructor(private readonly zone: ZoneIndex, options: ResolverOptions) {
    this.env = new ResolverEnv(zone, options);
    this.fallthrough = new SuffixSet(options.fallthrough === null ? null : zonesFromArgs(options.fallthrough));
    // With fallthrough, an invalid name's answer depends on which zone's subtree it falls in.
    this.nameShapes = options.fallthrough === null ? { zones: this.env.zones.all, zonal: this.env.zonal } : null;
  }

  resolve(q: Question, _client: Client): Answer | Promise<Answer> | null {
    const zone = this.env.zones.match(q.lower);
    if (zone === undefined) return null;
    const query = makeQuery(q, zone);
    // Zone transfers are streamed by the wire layer over TCP to allowed clients (see transfer());
    // a transfer that reaches the resolver is refused, and so are other classes.
    if (q.class !== RRClass.IN || q.type === RRType.AXFR || q.type === RRType.IXFR) return refused();

    const outcome = q.type === RRType.ANY
      ? anyOutcome(query, this.env.ttl, this.lookup({ ...query, type: existenceProbeType(query) }))
      : this.lookup(query);
    if (outcome.kind !== 'cname') return this.finish(query, outcome);
    const chased = chaseCname(this.env, query, outcome, (next) => this.lookup(next));
    if (chased instanceof Promise) return chased.then((o) => this.positiveOrNodata(query, o));
    return this.positiveOrNodata(query, chased);
  }

  /**
   * The records of a full transfer of the zone `q` names, in transfer order (first and last the
   * SOA), or null when `q` is not the apex of one of our forward zones.
   */
  transfer(q: Question): ResourceRecord[] | null {
    const zone = this.env.zones.match(q.lower);
    if (zone === undefined || zone.reverse || zone.labels.length !== q.lower.length) return null;
    return zoneTransferRecords(this.env, zone.name);
  }

  private lookup(query: NameQuery): Outcome {
    return query.zone.reverse ? reverseOutcome(this.env, query) : forwardOutcome(this.env, query);
  }

  private finish(query: NameQuery, outcome: RecordsOutcome | NodataOutcome | NxdomainOutcome): Answer | null {
    if (outcome.kind !== 'nxdomain') return this.positiveOrNodata(query, outcome);
    // Fallthrough is checked before the not-synced rule, as in CoreDNS.
    if (this.fallthrough.matches(query.lower)) return null;
    if (!this.zone.synced) return this.negative(query, Rcode.SERVFAIL, null);
    return this.negative(query, Rcode.NXDOMAIN, outcome.dependsOn);
  }

  private positiveOrNodata(query: NameQuery, outcome: ChaseOutcome): Answer {
    if (outcome.kind === 'nodata' || outcome.answer.length === 0) {
      return this.negative(query, Rcode.NOERROR, outcome.dependsOn);
    }
    return {
      rcode: Rcode.NOERROR,
      authoritative: true,
      answer: outcome.answer,
      authority: NO_RECORDS,
      additional: outcome.additional,
      rotate: outcome.rotate,
      truncated: outcome.truncated,
      dependsOn: outcome.dependsOn,
    };
  }

  /** NODATA, NXDOMAIN or SERVFAIL, always with the zone's SOA in the authority section. */
  private negative(query: NameQuery, rcode: number, dependsOn: readonly string[] | null): Answer {
    return {
      rcode,
      authoritative: true,
      answer: NO_RECORDS,
      authority: [this.env.soa(query.zoneAsAsked)],
      additional: NO_RECORDS,
      dependsOn,
    };
  }
}

function refused(): Answer {
  return { rcode: Rcode.REFUSED, authoritative: false, answer: NO_RECORDS, authority: NO_RECORDS, additional: NO_RECORDS, dependsOn: STATIC };
}

function makeQuery(q: Question, zone: ZoneInfo): NameQuery {
  const rest = q.lower.length - zone.labels.length;
  return { zone, zoneAsAsked: zoneAsAsked(q, rest, zone), owner: q.labels.join('.'), lower: q.lower, rest, type: q.type };
}

/** The zone suffix in the client's letter case; the stored lower-case name when it matches (no copy). */
function zoneAsAsked(q: Question, rest: number, zone: ZoneInfo): string {
  for (let i = rest; i < q.labels.length; i++) {
    if (q.labels[i] !== q.lower[i]) return q.labels.slice(rest).join('.');
  }
  return zone.name;
}
