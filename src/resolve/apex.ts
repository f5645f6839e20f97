// The apex of every zone (SOA, NS with `ns.dns.<zone>` and our addresses as glue) and the
// `ns.dns.<zone>` name itself (behaviour §3.7).
import type { NameQuery, ResolverEnv } from './env.js';
import { RRType, type ResourceRecord } from './message.js';
import { STATIC, nodata, records, recordsOrNodata, type Outcome } from './outcome.js';
import { txtAtStructuralName } from './quirks.js';
import { addressRecord, nameserverName, nsRecord } from './records.js';
import { SOA_GENERATION_KEY } from '../zone/index.js';

const SOA_DEPENDENCY: readonly string[] = Object.freeze([SOA_GENERATION_KEY]);

export function apexOutcome(env: ResolverEnv, query: NameQuery): Outcome {
  switch (query.type) {
    case RRType.SOA:
      return records([env.soa(query.zoneAsAsked)], SOA_DEPENDENCY);
    case RRType.NS: {
      const target = nameserverName(query.zoneAsAsked);
      return records([nsRecord(query.owner, env.ttl, target)], STATIC, {
        additional: nameserverAddresses(env, target, [...env.nsIPv4, ...env.nsIPv6]),
      });
    }
    case RRType.TXT:
      return txtAtStructuralName();
    default:
      return nodata(STATIC);
  }
}

export function nameserverOutcome(env: ResolverEnv, query: NameQuery): Outcome {
  switch (query.type) {
    case RRType.A:
      return recordsOrNodata(nameserverAddresses(env, query.owner, env.nsIPv4), STATIC);
    case RRType.AAAA:
      return recordsOrNodata(nameserverAddresses(env, query.owner, env.nsIPv6), STATIC);
    default:
      return nodata(STATIC);
  }
}

function nameserverAddresses(env: ResolverEnv, owner: string, addresses: readonly string[]): ResourceRecord[] {
  return addresses.map((address) => addressRecord(owner, env.ttl, address));
}
