// Forward cluster zones: the name grammar dispatched to the lookup of each shape (behaviour §3.2).
import { apexOutcome, nameserverOutcome } from './apex.js';
import type { NameQuery, ResolverEnv } from './env.js';
import { RRType } from './message.js';
import { parseClusterName } from './name-grammar.js';
import { STATIC, nodata, nxdomain, records, type Outcome } from './outcome.js';
import { podOutcome } from './pods.js';
import { dnsVersionOtherType, soaBelowApex, txtAtStructuralName } from './quirks.js';
import { dnsVersionRecord } from './records.js';
import { serviceOutcome } from './services.js';

export function forwardOutcome(env: ResolverEnv, query: NameQuery): Outcome {
  if (query.rest === 0) return apexOutcome(env, query);
  if (query.type === RRType.SOA) return soaBelowApex();
  const name = parseClusterName(query.lower, query.rest);
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
      if (query.type === RRType.TXT) return txtAtStructuralName();
      if (name.tree === 'pod' && env.pods === 'disabled') return nxdomain(STATIC);
      return env.exposed(name.namespace) ? nodata(STATIC) : nxdomain(STATIC);
    case 'service':
      return serviceOutcome(env, query, name);
    case 'pod':
      return podOutcome(env, query, name.namespace, name.label);
    case 'invalid':
      return nxdomain(STATIC);
  }
}
