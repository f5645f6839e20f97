// The robustness suites' cluster as manifests: a ClusterIP service, a headless service with far more
// endpoints than fit in a UDP answer, and an ExternalName alias. No imports from src/, so plain
// Node scripts (bench/soak.ts) can use it too.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Endpoints of the headless service `big`: far more than fit in 512 bytes (or 1232). */
export const BIG_ENDPOINTS = 100;
export const WEB_IP = '10.96.0.10';

function bigSlice(): string {
  const endpoints = Array.from({ length: BIG_ENDPOINTS }, (_, i) =>
    `  - addresses: ["10.1.${Math.floor(i / 250)}.${(i % 250) + 1}"]\n    conditions: { ready: true }\n`).join('');
  return [
    'apiVersion: discovery.k8s.io/v1',
    'kind: EndpointSlice',
    'metadata: { name: big-1, namespace: default, labels: { kubernetes.io/service-name: big } }',
    'addressType: IPv4',
    'ports: [{ name: http, port: 80, protocol: TCP }]',
    'endpoints:',
    endpoints,
  ].join('\n');
}

export const CLUSTER_YAML = [
  `apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec:
  clusterIP: ${WEB_IP}
  clusterIPs: ["${WEB_IP}", "fd00::10"]
  ports: [{ name: http, port: 80, protocol: TCP }, { name: dns, port: 53, protocol: UDP }]
`,
  `apiVersion: v1
kind: Service
metadata: { name: big, namespace: default }
spec: { clusterIP: None, ports: [{ name: http, port: 80, protocol: TCP }] }
`,
  bigSlice(),
  `apiVersion: v1
kind: Service
metadata: { name: alias, namespace: default }
spec: { type: ExternalName, externalName: web.default.svc.cluster.local }
`,
].join('---\n');

/** Writes the cluster into `dir` and returns the file's path. */
export function writeCluster(dir: string): string {
  const path = join(dir, 'cluster.yaml');
  writeFileSync(path, CLUSTER_YAML);
  return path;
}

