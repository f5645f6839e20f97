// Forward cluster zones: the name grammar dispatched to the lookup of each shape (behaviour §3.2).
// Every shape decides existence first; a type the name holds no records of is then NODATA.
import { apexOutcome, nameserverOutcome } from './apex.js';
import type { NameQuery, ResolverEnv } from './env.js';
import { RRType } from './message.js';
import { parseClusterName } from './name-grammar.js';
import { STATIC, nodata, nxdomain, records, type Outcome } from './outcome.js';
import { podOutcome } from './pods.js';
import { dnsVersionOtherType, txtAtStructuralName } from './quirks.js';
import { dnsVersionRecord } from './records.js';
import { serviceOutcome } from './services.js';
import { zonalOutcome } from './zonal.js';

export function forwardOutcome(env: ResolverEnv, query: NameQuery): Outcome {
  if (query.rest === 0) return apexOutcome(env, query);
  const name = parseClusterName(query.lower, query.rest, env.zonal);
  switch (name.kind) {
    case 'apex':
      return apexOutcome(env, query);
    case 'tree':
      return query.type === RRType.TXT ? txtAtStructuralName() : nodata(STATIC);
    case 'dns-version':
      return query.type === RRType.TXT ? records([dnsVersionRecord(query.owner)], STATIC) : dnsVersionOtherType();
    case 'nameserver':
      return nameserverOutcome(env, query);
    case 'namespace':
      if (name.tree === 'pod' && env.pods === 'disabled') return nxdomain(STATIC);
      if (!env.exposed(name.namespace)) return nxdomain(STATIC);
      return query.type === RRType.TXT ? txtAtStructuralName() : nodata(STATIC);
    case 'service':
      return serviceOutcome(env, query, name);
    case 'zonal':
      return zonalOutcome(env, query, name);
    case 'pod':
      return podOutcome(env, query, name.namespace, name.label);
    case 'invalid':
      return nxdomain(STATIC);
  }
}
