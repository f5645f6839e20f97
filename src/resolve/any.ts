// ANY, answered minimally (RFC 8482 §4.2): a name that exists gets one synthesized
// `HINFO "RFC8482" ""`, a name that does not is NXDOMAIN. An ExternalName gets its CNAME instead,
// since nothing else may stand beside a CNAME. Existence is what an A (PTR in reverse zones) lookup
// finds, as CoreDNS decides it for every type it holds no data for.
import type { NameQuery } from './env.js';
import { RRType, type ResourceRecord } from './message.js';
import { records, type Outcome } from './outcome.js';
import { cnameRecord } from './records.js';

/** `HINFO "RFC8482" ""`: CPU "RFC8482", OS empty, as two character-strings. */
const RFC8482_HINFO = Uint8Array.from([7, ...Buffer.from('RFC8482', 'latin1'), 0]);

export function hinfoRecord(name: string, ttl: number): ResourceRecord {
  return { name, ttl, data: { type: RRType.HINFO, raw: RFC8482_HINFO } };
}

/** The type whose lookup tells whether a name exists in `query`'s zone. */
export function existenceProbeType(query: NameQuery): number {
  return query.zone.reverse ? RRType.PTR : RRType.A;
}

/** The ANY answer, given what the existence probe found. */
export function anyOutcome(query: NameQuery, ttl: number, probe: Outcome): Outcome {
  switch (probe.kind) {
    case 'nxdomain':
      return probe;
    case 'cname':
      return records([cnameRecord(query.owner, ttl, probe.target)], probe.dependsOn);
    default:
      return records([hinfoRecord(query.owner, ttl)], probe.dependsOn);
  }
}
