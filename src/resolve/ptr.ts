// Reverse zones (behaviour §3.9): the first service owning the address as a cluster IP answers
// alone; otherwise every service with the address as a ready endpoint, one PTR per distinct target.
// Targets are always in the primary zone, lower case. A name with a PTR exists: other types there
// are NODATA (CoreDNS: NXDOMAIN, see quirks.ts).
import { addressFromReverse } from '../zone/reverse.js';
import { ipGenerationKey } from '../zone/index.js';
import { apexOutcome } from './apex.js';
import type { NameQuery, ResolverEnv } from './env.js';
import { RRType } from './message.js';
import { nodata, nxdomain, records, type Outcome } from './outcome.js';
import { partialReverseName } from './quirks.js';
import { ptrRecord } from './records.js';

export function reverseOutcome(env: ResolverEnv, query: NameQuery): Outcome {
  if (query.rest === 0) return apexOutcome(env, query);
  const ip = addressFromReverse(query.lower);
  if (ip === null) return partialReverseName();
  const dependsOn = [ipGenerationKey(ip)];
  const answer = ptrTargets(env, ip).map((target) => ptrRecord(query.owner, env.ttl, target));
  if (answer.length === 0) return nxdomain(dependsOn);
  return query.type === RRType.PTR ? records(answer, dependsOn) : nodata(dependsOn);
}

function ptrTargets(env: ResolverEnv, ip: string): string[] {
  const primary = env.zones.primary.name;
  for (const owner of env.index.clusterIPOwners(ip)) {
    if (!env.namespaceAllowed(owner.namespace)) continue;
    return [`${owner.name}.${owner.namespace}.svc.${primary}`];
  }
  if (env.noEndpoints) return [];
  const targets: string[] = [];
  for (const owner of env.index.endpointOwners(ip)) {
    if (!env.namespaceAllowed(owner.namespace)) continue;
    const target = `${owner.label}.${owner.service}.${owner.namespace}.svc.${primary}`;
    if (!targets.includes(target)) targets.push(target);
  }
  return targets;
}
