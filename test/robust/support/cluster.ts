// A small cluster for the robustness suites, as manifests (what the built server reads) and as an
// in-process stack (zone, resolver, dispatcher) built from the same files, so both see one state.
import { ManifestSource } from '../../../src/cluster/manifests.js';
import type { ObjectKind } from '../../../src/cluster/types.js';
import { createLogger, type Logger } from '../../../src/logger.js';
import { ClusterResolver, zonesFromArgs } from '../../../src/resolve/resolver.js';
import { Dispatcher, type DispatcherOptions } from '../../../src/wire/dispatcher.js';
import { ZoneIndex } from '../../../src/zone/index.js';

export { BIG_ENDPOINTS, CLUSTER_YAML, WEB_IP, writeCluster } from './cluster-yaml.js';

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
