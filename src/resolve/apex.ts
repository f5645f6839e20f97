// The apex of every zone (SOA, NS with its glue) and the `ns.dns.<zone>` name (behaviour §3.7).
import { isIPv6 } from '../cluster/ip.js';
import { SOA_GENERATION_KEY } from '../zone/index.js';
import type { NameQuery, ResolverEnv } from './env.js';
import { RRType } from './message.js';
import { nameservers } from './nameservers.js';
import { STATIC, nodata, records, recordsOrNodata, type Outcome } from './outcome.js';
import { txtAtStructuralName } from './quirks.js';
import { addressRecord, nsRecord } from './records.js';

const SOA_DEPENDENCY: readonly string[] = Object.freeze([SOA_GENERATION_KEY]);

export function apexOutcome(env: ResolverEnv, query: NameQuery): Outcome {
  switch (query.type) {
    case RRType.SOA:
      return records([env.soa(query.zoneAsAsked)], SOA_DEPENDENCY);
    case RRType.NS: {
      const found = nameservers(env, query.zoneAsAsked);
      return records(found.targets.map((target) => nsRecord(query.owner, env.ttl, target)), found.dependsOn, {
        additional: found.glue,
      });
    }
    case RRType.TXT:
      return txtAtStructuralName();
    default:
      return nodata(STATIC);
  }
}

/** `ns.dns.<zone>` A/AAAA: the addresses of the apex NS glue, whichever target they belong to. */
export function nameserverOutcome(env: ResolverEnv, query: NameQuery): Outcome {
  if (query.type !== RRType.A && query.type !== RRType.AAAA) return nodata(STATIC);
  const wantIPv6 = query.type === RRType.AAAA;
  const found = nameservers(env, query.zoneAsAsked);
  const addresses: string[] = [];
  for (const glue of found.glue) {
    const address = 'address' in glue.data ? glue.data.address : '';
    if (isIPv6(address) === wantIPv6 && !addresses.includes(address)) addresses.push(address);
  }
  return recordsOrNodata(addresses.map((address) => addressRecord(query.owner, env.ttl, address)), found.dependsOn);
}
