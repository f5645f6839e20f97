// Kubernetes objects as manifests, for the suites that build their own small clusters.
type Manifest = Record<string, unknown>;

export interface Port {
  name?: string;
  port: number;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
}

export interface Endpoint {
  addresses: string[];
  hostname?: string;
  ready?: boolean;
  /** targetRef to this pod (what --endpoint-pod-names reads). */
  pod?: string;
  zone?: string;
}

const portList = (ports: readonly Port[]): Manifest[] =>
  ports.map((p) => ({ ...(p.name !== undefined ? { name: p.name } : {}), port: p.port, protocol: p.protocol ?? 'TCP' }));

export function namespace(name: string): Manifest {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

export function clusterIPService(ns: string, name: string, ips: readonly string[], ports: readonly Port[] = [{ name: 'http', port: 80 }]): Manifest {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns },
    spec: { type: 'ClusterIP', clusterIP: ips[0], clusterIPs: ips, ports: portList(ports) },
  };
}

export function headlessService(ns: string, name: string, ports: readonly Port[] = [{ name: 'http', port: 80 }]): Manifest {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns },
    spec: { clusterIP: 'None', ports: portList(ports) },
  };
}

export function externalService(ns: string, name: string, target: string): Manifest {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { type: 'ExternalName', externalName: target } };
}

export function slice(
  ns: string, name: string, service: string, addressType: 'IPv4' | 'IPv6',
  endpoints: readonly Endpoint[], ports: readonly Port[] | null = [{ name: 'http', port: 80 }],
): Manifest {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': service } },
    addressType,
    ...(ports !== null ? { ports: portList(ports) } : {}),
    endpoints: endpoints.map((e) => ({
      addresses: e.addresses,
      conditions: { ready: e.ready ?? true },
      ...(e.hostname !== undefined ? { hostname: e.hostname } : {}),
      ...(e.pod !== undefined ? { targetRef: { kind: 'Pod', name: e.pod, namespace: ns } } : {}),
      ...(e.zone !== undefined ? { zone: e.zone } : {}),
    })),
  };
}

export function pod(ns: string, name: string, ip: string, phase = 'Running'): Manifest {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, status: { phase, podIP: ip } };
}
