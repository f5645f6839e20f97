// The DNS-level description of a generated cluster. Query files and the comparison zone are derived
// from this, the Kubernetes objects are rendered from it, so all three always agree.

export const CLUSTER_ZONE = 'cluster.local';

/** What a service is there for in the benchmark: which query mixes draw on it. */
export type ServiceRole = 'clusterip' | 'headless' | 'large-headless';

export interface ModelPort {
  readonly name: string;
  /** Service port: what ClusterIP SRV answers carry. */
  readonly port: number;
  /** Endpoint (container) port: what headless SRV answers carry. */
  readonly targetPort: number;
  readonly protocol: 'TCP' | 'UDP';
}

export interface ModelEndpoint {
  readonly ip: string;
  readonly ready: boolean;
  /** Set for StatefulSet-like pods (spec.hostname + subdomain = service name). */
  readonly hostname?: string;
  readonly podName: string;
  readonly nodeName: string;
  readonly zone: string;
}

export interface ModelService {
  readonly namespace: string;
  readonly name: string;
  readonly role: ServiceRole;
  /** undefined for headless services. */
  readonly clusterIP?: string;
  readonly ports: readonly ModelPort[];
  readonly endpoints: readonly ModelEndpoint[];
}

export interface ClusterModel {
  readonly zone: string;
  readonly namespaces: readonly string[];
  readonly services: readonly ModelService[];
}

/** Plain Kubernetes API object as JSON (what `kubectl get -o json` prints, minus server fields). */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly uid?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly [field: string]: unknown;
}

export function serviceFqdn(svc: Pick<ModelService, 'name' | 'namespace'>, zone: string): string {
  return `${svc.name}.${svc.namespace}.svc.${zone}`;
}

/** The label CoreDNS gives an endpoint: its hostname, else the IP with dots replaced by dashes. */
export function endpointLabel(ep: ModelEndpoint): string {
  return ep.hostname ?? ep.ip.replaceAll('.', '-');
}

export function readyEndpoints(svc: ModelService): ModelEndpoint[] {
  return svc.endpoints.filter((ep) => ep.ready);
}

/** `d.c.b.a.in-addr.arpa` for IPv4 `a.b.c.d`. */
export function reverseName(ipv4: string): string {
  return `${ipv4.split('.').reverse().join('.')}.in-addr.arpa`;
}

export function ipv4FromInt(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function ipv4ToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  return (((parts[0] ?? 0) << 24) | ((parts[1] ?? 0) << 16) | ((parts[2] ?? 0) << 8) | (parts[3] ?? 0)) >>> 0;
}
