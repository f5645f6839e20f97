// Topology-zone names (CoreDNS `zonal`, behaviour §3.12):
// `<topology-zone>.(pin|prefer)._zone.<svc>.<ns>.svc.<zone>` narrows a headless service to the
// endpoints whose EndpointSlice entry names that zone. `pin` with none there is NODATA (the name
// exists, it is just empty); `prefer` with none there falls back to every endpoint.
import { isIPv6 } from '../cluster/ip.js';
import { labelAt, serviceGenerationKey, zoneAt, type SliceRecord } from '../zone/index.js';
import type { NameQuery, ResolverEnv } from './env.js';
import { RRType } from './message.js';
import type { ZonalName } from './name-grammar.js';
import { STATIC, nodata, nxdomain, recordsOrNodata, type Outcome } from './outcome.js';
import { addressRecord } from './records.js';
import type { ServiceItem } from './service-items.js';
import { srvOutcome } from './srv.js';

export function zonalOutcome(env: ResolverEnv, query: NameQuery, name: ZonalName): Outcome {
  if (!env.exposed(name.namespace)) return nxdomain(STATIC);
  const view = env.index.service(name.namespace, name.service);
  const dependsOn = view?.dependencies ?? [serviceGenerationKey(name.namespace, name.service)];
  // Zone-scoped names are defined for headless services with ready endpoints only.
  if (view?.service?.kind !== 'Headless' || env.noEndpoints || view.readyCount === 0) return nxdomain(dependsOn);

  let items = itemsInZone(view.slices, name.topologyZone);
  if (items.length === 0 && name.directive === 'prefer') items = itemsInZone(view.slices, null);
  switch (query.type) {
    case RRType.A:
    case RRType.AAAA: {
      const wantIPv6 = query.type === RRType.AAAA;
      const addresses: string[] = [];
      for (const item of items) {
        if (isIPv6(item.address) === wantIPv6 && !addresses.includes(item.address)) addresses.push(item.address);
      }
      return recordsOrNodata(addresses.map((a) => addressRecord(query.owner, env.ttl, a)), dependsOn);
    }
    case RRType.SRV:
      return srvOutcome(query, env.ttl, view, items, dependsOn);
    default:
      return nodata(dependsOn);
  }
}

/** Every (address, port) of the endpoints in `zone` (null = every endpoint), as the bare name's SRV would list them. */
function itemsInZone(slices: readonly SliceRecord[], zone: string | null): ServiceItem[] {
  const items: ServiceItem[] = [];
  for (const slice of slices) {
    for (let i = 0; i < slice.addresses.length; i++) {
      if (zone !== null && zoneAt(slice, i) !== zone) continue;
      const address = slice.addresses[i] ?? '';
      const label = labelAt(slice, i);
      if (slice.ports === null) items.push({ address, port: -1, label });
      else for (const p of slice.ports) items.push({ address, port: p.port, label });
    }
  }
  return items;
}
