// Who the name servers of a zone are (behaviour §3.7), as CoreDNS works it out: the services whose
// ready endpoints include one of our own addresses front us, so their names are the NS targets and
// their cluster IPs (for a headless service, its endpoints) the glue. When no service fronts us,
// the target is `ns.dns.<zone>` with our own addresses.
import { ipGenerationKey } from '../zone/index.js';
import { labelAt, type ServiceView } from '../zone/index.js';
import type { ResolverEnv } from './env.js';
import type { ResourceRecord } from './message.js';
import { addressRecord, nameserverName } from './records.js';

export interface Nameservers {
  /** Distinct NS targets, in the order found. */
  readonly targets: readonly string[];
  /** One A/AAAA per distinct (target, address). */
  readonly glue: readonly ResourceRecord[];
  /** Our own addresses' keys (who selects them) and the services found (their cluster IPs). */
  readonly dependsOn: readonly string[];
}

/** The name servers of the zone whose name is spelt `zoneAsAsked` in the question. */
export function nameservers(env: ResolverEnv, zoneAsAsked: string): Nameservers {
  const targets: string[] = [];
  const glue: ResourceRecord[] = [];
  const seen = new Set<string>();
  const add = (target: string, address: string): void => {
    if (!targets.includes(target)) targets.push(target);
    const key = `${target} ${address}`;
    if (seen.has(key)) return;
    seen.add(key);
    glue.push(addressRecord(target, env.ttl, address));
  };
  const dependsOn: string[] = [];

  if (!env.noEndpoints) {
    const visited = new Set<string>();
    for (const own of env.ownAddresses) {
      dependsOn.push(ipGenerationKey(own));
      for (const owner of env.index.endpointOwners(own)) {
        const key = `${owner.namespace}/${owner.service}`;
        if (visited.has(key) || !env.exposed(owner.namespace)) continue;
        visited.add(key);
        const view = env.index.service(owner.namespace, owner.service);
        if (view?.service === undefined) continue;
        dependsOn.push(...view.dependencies);
        addFronting(view, `${view.name}.${view.namespace}.svc.${zoneAsAsked}`, add);
      }
    }
  }
  if (targets.length === 0) {
    const fallback = nameserverName(zoneAsAsked);
    for (const own of env.ownAddresses) add(fallback, own);
    if (targets.length === 0) targets.push(fallback);
  }
  return { targets, glue, dependsOn };
}

/** A ClusterIP service answers by its cluster IPs; a headless one by each ready endpoint's name. */
function addFronting(view: ServiceView, serviceName: string, add: (target: string, address: string) => void): void {
  const service = view.service;
  if (service === undefined || service.kind === 'ExternalName') return;
  if (service.kind === 'ClusterIP') {
    for (const ip of service.clusterIPs) add(serviceName, ip);
    return;
  }
  for (const slice of view.slices) {
    for (let i = 0; i < slice.addresses.length; i++) add(`${labelAt(slice, i)}.${serviceName}`, slice.addresses[i] ?? '');
  }
}
