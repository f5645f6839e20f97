// A small cluster for the robustness suites, as manifests (what the built server reads) and as an
// in-process stack (zone, resolver, dispatcher) built from the same files, so both see one state.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManifestSource } from '../../../src/cluster/manifests.js';
import type { ObjectKind } from '../../../src/cluster/types.js';
import { createLogger, type Logger } from '../../../src/logger.js';
import { ClusterResolver, zonesFromArgs } from '../../../src/resolve/resolver.js';
import { Dispatcher, type DispatcherOptions } from '../../../src/wire/dispatcher.js';
import { ZoneIndex } from '../../../src/zone/index.js';

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

export interface Stack {
  readonly dispatcher: Dispatcher;
  readonly zone: ZoneIndex;
  stop(): Promise<void>;
}

const KINDS: ObjectKind[] = ['service', 'endpointslice', 'namespace'];

/** The server's pipeline in this process, fed from the manifests at `path`, without sockets. */
export async function startStack(
  path: string, logger: Logger = createLogger('silent'), dispatcherOptions: Partial<DispatcherOptions> = {},
): Promise<Stack> {
  const zone = new ZoneIndex({ endpointPodNames: false, requiredKinds: KINDS, logger });
  const source = new ManifestSource({ path, kinds: KINDS, logger, watch: false, pollMs: 0 });
  await source.start(zone);
  const resolver = new ClusterResolver(zone, {
    zones: zonesFromArgs(['cluster.local', '10.0.0.0/8']), ttl: 5, pods: 'insecure', namespaces: [],
    ignoreEmptyService: false, noEndpoints: false, fallthrough: null, nsAddresses: ['127.0.0.1'],
  });
  const dispatcher = new Dispatcher({ resolver, generations: zone, logger, ...dispatcherOptions });
  return { dispatcher, zone, stop: () => source.stop() };
}
