// /debug/explain for a service name (`<svc>.<ns>.svc`, `<ep>.<svc>...`, `_<port>._<proto>.<svc>...`):
// the service, its slices, and each endpoint address either answered or left out with the reason.
import { isIPv6 } from '../../cluster/ip.js';
import { labelAt, type PortRecord, type ServiceRecord, type ServiceView, type SliceRecord } from '../../zone/index.js';
import type { ServiceName } from '../../resolve/name-grammar.js';
import { RRType } from '../../resolve/message.js';
import type { Exclusions } from './exclusions.js';

export interface ServiceFacts {
  readonly namespace: string;
  readonly name: string;
  readonly kind: ServiceRecord['kind'];
  readonly hasSelector: boolean;
  readonly clusterIPs: readonly string[];
  readonly externalName?: string;
  readonly ports: readonly string[];
}

export interface SliceFacts {
  readonly name: string;
  /** name/protocol/port; null: a slice without ports (A/AAAA only, no SRV). */
  readonly ports: readonly string[] | null;
  /** Ready addresses the zone holds for this slice. */
  readonly addresses: readonly string[];
}

export interface AnsweredEndpoint {
  readonly address: string;
  readonly label: string;
  readonly slice: string;
}

export interface LeftOut {
  readonly addresses: readonly string[];
  readonly reason: string;
  readonly slice?: string;
  readonly label?: string;
  readonly hostname?: string;
  readonly podName?: string;
}

export interface EndpointFacts {
  /** Where the addresses of the answer come from. */
  readonly source: 'endpoints' | 'cluster IP' | 'none';
  readonly answered: readonly AnsweredEndpoint[] | readonly string[];
  readonly leftOut: readonly LeftOut[];
}

export interface ServiceSettings {
  readonly namespaceAllowed: boolean;
  readonly noEndpoints: boolean;
}

function portText(p: PortRecord): string {
  return `${p.name === '' ? '(unnamed)' : p.name}/${p.protocol}/${p.port}`;
}

export function serviceFacts(service: ServiceRecord): ServiceFacts {
  return {
    namespace: service.namespace,
    name: service.name,
    kind: service.kind,
    hasSelector: service.hasSelector,
    clusterIPs: service.clusterIPs,
    ...(service.externalName !== undefined ? { externalName: service.externalName } : {}),
    ports: service.ports.map(portText),
  };
}

export function sliceFacts(view: ServiceView): SliceFacts[] {
  return view.slices.map((s) => ({ name: s.name, ports: s.ports === null ? null : s.ports.map(portText), addresses: s.addresses }));
}

/** The address family an answer of `type` carries, or null when the type is not A/AAAA (SRV: both). */
function wantedFamily(type: number): 'ipv4' | 'ipv6' | null {
  if (type === RRType.A) return 'ipv4';
  if (type === RRType.AAAA) return 'ipv6';
  return null;
}

function portMatches(slice: SliceRecord, name: ServiceName): boolean {
  const port = name.port || undefined;
  const protocol = name.protocol || undefined;
  if (port === undefined && protocol === undefined) return true;
  if (slice.ports === null) return false;
  return slice.ports.some((p) => (port === undefined || p.name === port) && (protocol === undefined || p.protocol === protocol));
}

/** Why a ready endpoint held by the zone is not in the answer, or null when it is. */
function exclusionOf(
  settings: ServiceSettings, name: ServiceName, type: number, slice: SliceRecord, address: string, label: string,
): string | null {
  if (!settings.namespaceAllowed) return 'filtered namespace (not in --namespaces)';
  if (settings.noEndpoints) return 'endpoints are not read (--no-endpoints)';
  if (name.endpoint !== undefined && label !== name.endpoint) return `other endpoint name (${label})`;
  if (!portMatches(slice, name)) return 'port or protocol does not match';
  const family = wantedFamily(type);
  if (family !== null && (family === 'ipv6') !== isIPv6(address)) return 'other address family';
  if (type === RRType.SRV && slice.ports === null) return 'slice has no ports (no SRV)';
  if (family === null && type !== RRType.SRV) return `type ${type} carries no addresses`;
  return null;
}

export function endpointFacts(
  view: ServiceView, service: ServiceRecord | undefined, name: ServiceName, type: number,
  settings: ServiceSettings, exclusions: Exclusions,
): EndpointFacts {
  const notHeld: LeftOut[] = exclusions.forService(view.namespace, view.name).map((e) => ({
    addresses: e.addresses, reason: e.reason, slice: e.slice,
    ...(e.hostname !== undefined ? { hostname: e.hostname } : {}),
    ...(e.podName !== undefined ? { podName: e.podName } : {}),
  }));
  if (service !== undefined && service.kind === 'ClusterIP' && name.endpoint === undefined) {
    return clusterIPFacts(service, type, settings, notHeld);
  }
  if (service !== undefined && service.kind === 'ExternalName') return { source: 'none', answered: [], leftOut: notHeld };

  const answered: AnsweredEndpoint[] = [];
  const leftOut: LeftOut[] = [];
  const seen = new Set<string>();
  for (const slice of view.slices) {
    for (let i = 0; i < slice.addresses.length; i++) {
      const address = slice.addresses[i]!;
      const label = labelAt(slice, i);
      const reason = exclusionOf(settings, name, type, slice, address, label);
      if (reason !== null) leftOut.push({ addresses: [address], reason, slice: slice.name, label });
      else if (seen.has(address) && type !== RRType.SRV) leftOut.push({ addresses: [address], reason: 'duplicate address (answered once)', slice: slice.name, label });
      else {
        seen.add(address);
        answered.push({ address, label, slice: slice.name });
      }
    }
  }
  return { source: 'endpoints', answered, leftOut: [...leftOut, ...notHeld] };
}

/** A ClusterIP service answers its cluster IPs; its endpoints only matter for --ignore-empty-service and SRV targets. */
function clusterIPFacts(service: ServiceRecord, type: number, settings: ServiceSettings, notHeld: LeftOut[]): EndpointFacts {
  const family = wantedFamily(type);
  const answered: string[] = [];
  const leftOut: LeftOut[] = [];
  for (const ip of service.clusterIPs) {
    if (!settings.namespaceAllowed) leftOut.push({ addresses: [ip], reason: 'filtered namespace (not in --namespaces)' });
    else if (family !== null && (family === 'ipv6') !== isIPv6(ip)) leftOut.push({ addresses: [ip], reason: 'other address family' });
    else answered.push(ip);
  }
  return { source: 'cluster IP', answered, leftOut: [...leftOut, ...notHeld] };
}
