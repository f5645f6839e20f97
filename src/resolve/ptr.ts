// Reverse zones (behaviour §3.9): the first service owning the address as a cluster IP answers
// alone; otherwise every service with the address as a ready endpoint, one PTR per distinct target.
// Targets are always in the primary zone, lower case.
import { addressFromReverse } from '../zone/reverse.js';
import { ipGenerationKey } from '../zone/index.js';
import { apexOutcome } from './apex.js';
import type { NameQuery, ResolverEnv } from './env.js';
import { RRType, type ResourceRecord } from './message.js';
import { nxdomain, records, type Outcome } from './outcome.js';
import { nonPtrInReverseZone, partialReverseName, soaBelowApex } from './quirks.js';
import { ptrRecord } from './records.js';

export function reverseOutcome(env: ResolverEnv, query: NameQuery): Outcome {
  if (query.rest === 0) return apexOutcome(env, query);
  if (query.type === RRType.SOA) return soaBelowApex();
  if (query.type !== RRType.PTR) return nonPtrInReverseZone();
  const ip = addressFromReverse(query.lower);
  if (ip === null) return partialReverseName();
  const dependsOn = [ipGenerationKey(ip)];
  const primary = env.zones.primary.name;

  for (const owner of env.index.clusterIPOwners(ip)) {
    if (!env.namespaceAllowed(owner.namespace)) continue;
    return records([ptrRecord(query.owner, env.ttl, `${owner.name}.${owner.namespace}.svc.${primary}`)], dependsOn);
  }
  if (env.noEndpoints) return nxdomain(dependsOn);
  const answer: ResourceRecord[] = [];
  const seen = new Set<string>();
  for (const owner of env.index.endpointOwners(ip)) {
    if (!env.namespaceAllowed(owner.namespace)) continue;
    const target = `${owner.label}.${owner.service}.${owner.namespace}.svc.${primary}`;
    if (seen.has(target)) continue;
    seen.add(target);
    answer.push(ptrRecord(query.owner, env.ttl, target));
  }
  return answer.length === 0 ? nxdomain(dependsOn) : records(answer, dependsOn);
}
