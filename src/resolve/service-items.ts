// The (address, port, label) items a service name stands for, as CoreDNS enumerates them before
// de-duplication: SRV weights are computed over all of them (behaviour §3.5).
import { labelAt, type PortRecord, type ServiceRecord, type ServiceView } from '../zone/index.js';
import type { ServiceName } from './name-grammar.js';

export interface ServiceItem {
  readonly address: string;
  /** -1 for a portless slice or service: answers A/AAAA, never SRV. */
  readonly port: number;
  /** Endpoint label, or null for a cluster-IP item (target is the service name itself). */
  readonly label: string | null;
}

/** Whether the name is answered from endpoints (headless service, or an endpoint name). */
export function usesEndpoints(service: ServiceRecord, name: ServiceName): boolean {
  return name.endpoint !== undefined || service.kind === 'Headless';
}

export function collectItems(view: ServiceView, service: ServiceRecord, name: ServiceName, noEndpoints: boolean): ServiceItem[] {
  const items: ServiceItem[] = [];
  const port = name.port || undefined;
  const protocol = name.protocol || undefined;
  const unfiltered = port === undefined && protocol === undefined;
  const matches = (p: PortRecord): boolean =>
    (port === undefined || p.name === port) && (protocol === undefined || p.protocol === protocol);

  if (usesEndpoints(service, name)) {
    if (noEndpoints) return items;
    for (const slice of view.slices) {
      for (let i = 0; i < slice.addresses.length; i++) {
        const label = labelAt(slice, i);
        if (name.endpoint !== undefined && label !== name.endpoint) continue;
        const address = slice.addresses[i] ?? '';
        if (slice.ports === null) {
          if (unfiltered) items.push({ address, port: -1, label });
          continue;
        }
        for (const p of slice.ports) if (matches(p)) items.push({ address, port: p.port, label });
      }
    }
    return items;
  }

  // A ClusterIP service without ports (not valid in the API, possible in manifests) still
  // answers A/AAAA on its bare name; CoreDNS would call it nonexistent.
  if (service.ports.length === 0) {
    if (unfiltered) for (const address of service.clusterIPs) items.push({ address, port: -1, label: null });
    return items;
  }
  for (const p of service.ports) {
    if (!matches(p)) continue;
    for (const address of service.clusterIPs) items.push({ address, port: p.port, label: null });
  }
  return items;
}
