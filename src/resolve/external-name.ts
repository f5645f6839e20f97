// Chasing an ExternalName's CNAME for the type asked (behaviour §3.4). Targets inside our zones are
// looked up internally, following further ExternalNames (loop-safe, bounded); a target that yields
// nothing drops the whole chain (NODATA). Targets outside go to the upstream lookup, whose records
// follow the CNAME; without an upstream the CNAME is answered alone.
import type { NameQuery, ResolverEnv } from './env.js';
import type { ResourceRecord } from './message.js';
import { nodata, records, type ChaseOutcome, type CnameOutcome, type Outcome } from './outcome.js';
import { cnameRecord } from './records.js';

/** At most this many CNAMEs in one answer (CoreDNS stops after 8). */
export const MAX_CNAME_CHAIN = 8;

/** Looks up an in-zone name for the chase; may return another CNAME to follow. */
export type InternalLookup = (query: NameQuery) => Outcome;

export function chaseCname(
  env: ResolverEnv,
  query: NameQuery,
  first: CnameOutcome,
  lookup: InternalLookup,
): ChaseOutcome | Promise<ChaseOutcome> {
  const chain: ResourceRecord[] = [];
  const dependsOn: string[] = [...first.dependsOn];
  const seen = new Set<string>([query.lower.join('.')]);
  let owner = query.owner;
  let target = first.target;
  for (let depth = 0; depth < MAX_CNAME_CHAIN; depth++) {
    // A CNAME back to a name already in the chain (or to itself) is a loop: answer nothing.
    if (seen.has(target)) return nodata(dependsOn);
    seen.add(target);
    chain.push(cnameRecord(owner, env.ttl, target));

    const labels = target.split('.');
    const zone = env.zones.match(labels);
    if (zone === undefined) return lookupOutside(env, chain, target, query.type, dependsOn);

    const sameZone = zone === query.zone;
    const rest = labels.length - zone.labels.length;
    const targetOwner = sameZone ? withZoneAsAsked(labels, rest, query.zoneAsAsked) : target;
    const next = lookup({
      zone,
      zoneAsAsked: sameZone ? query.zoneAsAsked : zone.name,
      owner: targetOwner,
      lower: labels,
      rest,
      type: query.type,
    });
    if (next.dependsOn !== null) dependsOn.push(...next.dependsOn);
    if (next.kind === 'cname') {
      owner = targetOwner;
      target = next.target;
      continue;
    }
    if (next.kind !== 'records') return nodata(next.dependsOn === null ? null : dependsOn);
    return records([...chain, ...next.answer], next.dependsOn === null ? null : dependsOn, { additional: next.additional });
  }
  return nodata(dependsOn);
}

/** Names built from objects keep the zone suffix as the client spelled it. */
function withZoneAsAsked(labels: readonly string[], rest: number, zoneAsAsked: string): string {
  return rest > 0 ? `${labels.slice(0, rest).join('.')}.${zoneAsAsked}` : zoneAsAsked;
}

/** Upstream answers are not cached with our records: they have their own TTLs and lifetimes. */
function lookupOutside(
  env: ResolverEnv,
  chain: readonly ResourceRecord[],
  target: string,
  type: number,
  dependsOn: readonly string[],
): ChaseOutcome | Promise<ChaseOutcome> {
  const upstream = env.upstream;
  if (upstream === undefined) return records(chain, dependsOn);
  let pending: ReturnType<typeof upstream.lookup>;
  try {
    pending = upstream.lookup(target, type);
  } catch {
    return nodata(null);
  }
  return pending.then(
    (reply): ChaseOutcome => {
      // No reply at all: the CNAME is dropped. An error or empty reply leaves the CNAME alone.
      if (reply === null) return nodata(null);
      return records([...chain, ...reply.records], null, { truncated: reply.truncated });
    },
    (): ChaseOutcome => nodata(null),
  );
}
