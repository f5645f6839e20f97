// The slim records DNS needs from Kubernetes objects. Sources convert API objects into these the
// moment they arrive and keep nothing else: at 150k pods whole objects cost gigabytes.
// Every record is immutable once built; a change arrives as a new record.

export type ServiceKind = 'ClusterIP' | 'Headless' | 'ExternalName';

export interface ServicePort {
  /** Port name, '' when unnamed (unnamed ports get no `_port._proto` SRV name). */
  readonly name: string;
  readonly port: number;
  /** Upper case as in the API: TCP, UDP or SCTP. */
  readonly protocol: string;
}

export interface SlimService {
  readonly namespace: string;
  readonly name: string;
  readonly kind: ServiceKind;
  /** Cluster IPs in canonical text form (IPv6 compressed, lower case); empty for headless and ExternalName. */
  readonly clusterIPs: readonly string[];
  /** Lower-cased target without trailing dot, ExternalName only. */
  readonly externalName?: string;
  readonly ports: readonly ServicePort[];
  /** True when the Service has a selector (matters for the programming-latency metric's service_kind). */
  readonly hasSelector: boolean;
}

export interface SlimEndpoint {
  /** Canonical text form of each address (IPv6 compressed, lower case). */
  readonly addresses: readonly string[];
  /** `hostname` field of the endpoint (StatefulSet pods with a matching subdomain). */
  readonly hostname?: string;
  /** targetRef.name when targetRef.kind is Pod (used by --endpoint-pod-names). */
  readonly podName?: string;
  /** conditions.ready; absent counts as true. Only ready endpoints are answered. */
  readonly ready: boolean;
  readonly nodeName?: string;
  readonly zone?: string;
}

export interface SlimEndpointSlice {
  readonly namespace: string;
  readonly name: string;
  /** From the `kubernetes.io/service-name` label; slices without it are never built. */
  readonly serviceName: string;
  readonly addressType: 'IPv4' | 'IPv6' | 'FQDN';
  /** null when the slice has no ports (A/AAAA still answered, no SRV). */
  readonly ports: readonly ServicePort[] | null;
  readonly endpoints: readonly SlimEndpoint[];
  /** `endpoints.kubernetes.io/last-change-trigger-time` in ms since the epoch, when present. */
  readonly triggerTime?: number;
}

export interface SlimNamespace {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface SlimPod {
  readonly namespace: string;
  readonly name: string;
  /** status.podIP (primary address only, as CoreDNS indexes). */
  readonly podIP: string;
  /** False for phases Succeeded, Failed and Unknown. */
  readonly active: boolean;
}

export type ObjectKind = 'service' | 'endpointslice' | 'namespace' | 'pod';

export type ClusterObject =
  | { readonly kind: 'service'; readonly obj: SlimService }
  | { readonly kind: 'endpointslice'; readonly obj: SlimEndpointSlice }
  | { readonly kind: 'namespace'; readonly obj: SlimNamespace }
  | { readonly kind: 'pod'; readonly obj: SlimPod };

/** namespace/name, or just name for cluster-scoped objects (namespaces). */
export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}
