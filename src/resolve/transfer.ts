// The records of a zone transfer (AXFR) of a forward cluster zone, in CoreDNS's order (behaviour
// §3.12): SOA, NS and glue, then every exposed service sorted by name, then the SOA again.
//   ClusterIP:    A/AAAA per cluster IP; per port a bare-name SRV and, for named ports, the
//                 `_<port>._<proto>` SRV, weight 100, target the service.
//   headless:     per ready address, slice by slice: A/AAAA at the service, A/AAAA at the endpoint
//                 name, then a `_<port>._<proto>` SRV per named port targeting the endpoint name.
//   ExternalName: its CNAME.
// One difference: CoreDNS weighs a headless SRV by the addresses of its own slice; we use the weight
// a query for the same name gets (all of the service's addresses with that port), so the two agree.
import type { ServiceView } from '../zone/index.js';
import { labelAt } from '../zone/index.js';
import type { ResolverEnv } from './env.js';
import type { ResourceRecord } from './message.js';
import { nameservers } from './nameservers.js';
import { addressRecord, cnameRecord, nsRecord, srvRecord } from './records.js';

const FULL_WEIGHT = 100;

/** The listing of zone `zone` (lower case, no trailing dot), which must be a forward zone. */
export function zoneTransferRecords(env: ResolverEnv, zone: string): ResourceRecord[] {
  const soa = env.soa(zone);
  const ns = nameservers(env, zone);
  const out: ResourceRecord[] = [soa, ...ns.targets.map((target) => nsRecord(zone, env.ttl, target)), ...ns.glue];
  const views = [...env.index.serviceViews()]
    .filter((view) => env.exposed(view.namespace))
    .sort((a, b) => compare(a.name, b.name) || compare(a.namespace, b.namespace));
  for (const view of views) serviceRecords(env, view, `${view.name}.${view.namespace}.svc.${zone}`, out);
  out.push(soa);
  return out;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function serviceRecords(env: ResolverEnv, view: ServiceView, base: string, out: ResourceRecord[]): void {
  const service = view.service;
  if (service === undefined) return;
  const ttl = env.ttl;
  switch (service.kind) {
    case 'ExternalName':
      if (service.externalName && !service.externalNameIsIP) out.push(cnameRecord(base, ttl, service.externalName));
      return;
    case 'ClusterIP':
      if (service.clusterIPs.length === 0) return;
      for (const ip of service.clusterIPs) out.push(addressRecord(base, ttl, ip));
      for (const p of service.ports) {
        out.push(srvRecord(base, ttl, FULL_WEIGHT, p.port, base));
        if (p.name !== '') out.push(srvRecord(`_${p.name}._${p.protocol}.${base}`, ttl, FULL_WEIGHT, p.port, base));
      }
      return;
    case 'Headless':
      if (!env.noEndpoints) endpointRecords(view, base, ttl, out);
      return;
  }
}

function endpointRecords(view: ServiceView, base: string, ttl: number, out: ResourceRecord[]): void {
  const weights = srvWeights(view);
  for (const slice of view.slices) {
    for (let i = 0; i < slice.addresses.length; i++) {
      const address = slice.addresses[i] ?? '';
      const target = `${labelAt(slice, i)}.${base}`;
      out.push(addressRecord(base, ttl, address), addressRecord(target, ttl, address));
      for (const p of slice.ports ?? []) {
        if (p.name === '') continue;
        const portName = `_${p.name}._${p.protocol}`;
        out.push(srvRecord(`${portName}.${base}`, ttl, weights.get(portName) ?? FULL_WEIGHT, p.port, target));
      }
    }
  }
}

/** floor(100/N) per `_<port>._<proto>` name, N its (address, port) items over every slice. */
function srvWeights(view: ServiceView): Map<string, number> {
  const counts = new Map<string, number>();
  for (const slice of view.slices) {
    for (const p of slice.ports ?? []) {
      if (p.name === '') continue;
      const key = `_${p.name}._${p.protocol}`;
      counts.set(key, (counts.get(key) ?? 0) + slice.addresses.length);
    }
  }
  return new Map([...counts].map(([key, n]) => [key, Math.max(1, Math.floor(FULL_WEIGHT / n))]));
}
