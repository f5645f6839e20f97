// What the zone keeps of each object: only what answers need, with names lower-cased and addresses
// canonical once, at ingestion, so lookups compare strings and never re-normalise.
import type { ServiceKind, ServicePort, SlimEndpointSlice, SlimService } from '../cluster/types.js';
import { dashedIP, explicitEndpointLabel } from './endpoint-label.js';
import { canonicalIP, isIPv6 } from '../cluster/ip.js';

export interface PortRecord {
  /** Lower-case port name, '' when unnamed. */
  readonly name: string;
  /** Lower-case protocol: tcp, udp or sctp. */
  readonly protocol: string;
  readonly port: number;
}

export interface ServiceRecord {
  readonly namespace: string;
  readonly name: string;
  readonly kind: ServiceKind;
  /** Canonical cluster IPs in API order (empty for headless and ExternalName). */
  readonly clusterIPs: readonly string[];
  readonly ipv4: readonly string[];
  readonly ipv6: readonly string[];
  /** Lower-case target without trailing dot (ExternalName only). */
  readonly externalName: string | undefined;
  /** An ExternalName that is an IP address publishes nothing (the name is NXDOMAIN). */
  readonly externalNameIsIP: boolean;
  readonly ports: readonly PortRecord[];
  readonly hasSelector: boolean;
}

/**
 * The ready endpoints of one EndpointSlice; `addresses[i]` answers under `labelAt(slice, i)`.
 * Labels are stored only when an endpoint has a hostname or pod-name label: the dashed-IP default
 * is derived when needed, which keeps one string per endpoint instead of two.
 */
export interface SliceRecord {
  readonly namespace: string;
  readonly name: string;
  /** Lower-case name of the owning Service (same namespace). */
  readonly serviceName: string;
  /** null when the slice has no ports: its addresses get A/AAAA but no SRV. */
  readonly ports: readonly PortRecord[] | null;
  readonly addresses: readonly string[];
  /** Explicit labels (null entry = dashed IP); null when no endpoint of the slice has one. */
  readonly labels: readonly (string | null)[] | null;
  /**
   * Lower-case topology zone of each address (null entry = none given), for `zonal` names; null
   * when no endpoint of the slice names a zone.
   */
  readonly zones: readonly (string | null)[] | null;
}

/** The label `slice.addresses[i]` answers under. */
export function labelAt(slice: SliceRecord, i: number): string {
  return slice.labels?.[i] ?? dashedIP(slice.addresses[i] ?? '');
}

/** An explicit label, or null when the dashed-IP default applies. */
export function explicitLabelAt(slice: SliceRecord, i: number): string | null {
  return slice.labels?.[i] ?? null;
}

/** The topology zone of `slice.addresses[i]`, or null when its endpoint named none. */
export function zoneAt(slice: SliceRecord, i: number): string | null {
  return slice.zones?.[i] ?? null;
}

/** One service an address is a ready endpoint of, and the label it has there (for PTR). */
export interface EndpointOwner {
  readonly namespace: string;
  readonly service: string;
  readonly label: string;
}

export function toPortRecords(ports: readonly ServicePort[]): PortRecord[] {
  return ports.map((p) => ({ name: p.name.toLowerCase(), protocol: p.protocol.toLowerCase(), port: p.port }));
}

export function toServiceRecord(s: SlimService): ServiceRecord {
  const clusterIPs: string[] = [];
  if (s.kind === 'ClusterIP') {
    for (const ip of s.clusterIPs) {
      const canonical = canonicalIP(ip);
      if (canonical !== null && !clusterIPs.includes(canonical)) clusterIPs.push(canonical);
    }
  }
  const externalName = s.kind === 'ExternalName' && s.externalName
    ? s.externalName.toLowerCase().replace(/\.+$/, '')
    : undefined;
  return {
    namespace: s.namespace.toLowerCase(),
    name: s.name.toLowerCase(),
    kind: s.kind,
    clusterIPs,
    ipv4: clusterIPs.filter((ip) => !isIPv6(ip)),
    ipv6: clusterIPs.filter(isIPv6),
    externalName,
    externalNameIsIP: externalName !== undefined && canonicalIP(externalName) !== null,
    ports: toPortRecords(s.ports),
    hasSelector: s.hasSelector,
  };
}

/** Only ready endpoints are kept; FQDN slices carry no addresses DNS can publish. */
export function toSliceRecord(slice: SlimEndpointSlice, endpointPodNames: boolean): SliceRecord {
  const addresses: string[] = [];
  const labels: (string | null)[] = [];
  const zones: (string | null)[] = [];
  let anyLabel = false;
  let anyZone = false;
  if (slice.addressType !== 'FQDN') {
    for (const endpoint of slice.endpoints) {
      if (!endpoint.ready) continue;
      const label = explicitEndpointLabel(endpoint.hostname, endpoint.podName, endpointPodNames);
      const zone = endpoint.zone ? endpoint.zone.toLowerCase() : null;
      for (const address of endpoint.addresses) {
        const canonical = canonicalIP(address);
        if (canonical === null) continue;
        addresses.push(canonical);
        labels.push(label);
        zones.push(zone);
        if (label !== null) anyLabel = true;
        if (zone !== null) anyZone = true;
      }
    }
  }
  return {
    namespace: slice.namespace.toLowerCase(),
    name: slice.name.toLowerCase(),
    serviceName: slice.serviceName.toLowerCase(),
    ports: slice.ports === null || slice.ports.length === 0 ? null : toPortRecords(slice.ports),
    addresses,
    labels: anyLabel ? labels : null,
    zones: anyZone ? zones : null,
  };
}

function sameStrings(a: readonly (string | null)[] | null, b: readonly (string | null)[] | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function samePorts(a: readonly PortRecord[] | null, b: readonly PortRecord[] | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (!x || !y || x.name !== y.name || x.protocol !== y.protocol || x.port !== y.port) return false;
  }
  return true;
}

export function sameService(a: ServiceRecord, b: ServiceRecord): boolean {
  return a.namespace === b.namespace && a.name === b.name && a.kind === b.kind
    && a.externalName === b.externalName && a.hasSelector === b.hasSelector
    && sameStrings(a.clusterIPs, b.clusterIPs) && samePorts(a.ports, b.ports);
}

export function sameSlice(a: SliceRecord, b: SliceRecord): boolean {
  return a.namespace === b.namespace && a.name === b.name && a.serviceName === b.serviceName
    && samePorts(a.ports, b.ports) && sameStrings(a.addresses, b.addresses) && sameStrings(a.labels, b.labels)
    && sameStrings(a.zones, b.zones);
}
