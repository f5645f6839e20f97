// The unit-serve fixture (expectations from CoreDNS plugin/kubernetes tests, Apache-2.0, via
// shared/reference/conformance) behind a resolver whose options a test can override.
import type { ClusterObject } from '../../../../src/cluster/types.js';
import type { Answer, ResourceRecord } from '../../../../src/resolve/message.js';
import { ClusterResolver, type ResolverOptions } from '../../../../src/resolve/resolver.js';
import type { ZoneIndex } from '../../../../src/zone/index.js';
import { CLIENT, actualText, buildIndex, loadCaseFile, question, resolverOptions, type SuiteConfig } from './coredns-cases.js';

const file = loadCaseFile();

export const BASE_CONFIG: SuiteConfig = {
  zones: ['cluster.local'], ttl: 5, pods: 'disabled', namespaces: [], fallthrough: null,
  ignore_empty_service: false, endpoint_pod_names: false, noendpoints: false, synced: true,
};

export interface Served {
  index: ZoneIndex;
  resolver: ClusterResolver;
  ask(name: string, type: string | number): Promise<Answer | null>;
  /** Like ask, but fails the test when the resolver returned a Promise. */
  askSync(name: string, type: string | number): Answer | null;
}

export function serve(
  config: Partial<SuiteConfig> = {},
  options: Partial<ResolverOptions> = {},
  extra: readonly ClusterObject[] = [],
  fixtureName = 'unit-serve',
): Served {
  const fixture = file.fixture[fixtureName];
  if (fixture === undefined) throw new Error(`no fixture ${fixtureName}`);
  const merged = { ...BASE_CONFIG, ...config };
  const index = buildIndex(fixture, merged);
  for (const object of extra) index.upsert(object);
  const resolver = new ClusterResolver(index, { ...resolverOptions(merged), ...options });
  return {
    index,
    resolver,
    ask: async (name, type) => resolver.resolve(question(name, type), CLIENT),
    askSync: (name, type) => {
      const result = resolver.resolve(question(name, type), CLIENT);
      if (result instanceof Promise) throw new Error(`${name} ${String(type)} answered asynchronously`);
      return result;
    },
  };
}

/** Records as sorted `owner ttl TYPE data` lines, for set comparison. */
export function texts(records: readonly ResourceRecord[] | undefined): string[] {
  return (records ?? []).map((r) => actualText(r, false)).sort();
}

export function service(namespace: string, name: string, spec: { clusterIPs?: string[]; externalName?: string; ports?: { name: string; port: number; protocol: string }[] }): ClusterObject {
  const kind = spec.externalName !== undefined ? 'ExternalName' : spec.clusterIPs?.length ? 'ClusterIP' : 'Headless';
  return {
    kind: 'service',
    obj: {
      namespace, name, kind, clusterIPs: spec.clusterIPs ?? [], ports: spec.ports ?? [], hasSelector: kind !== 'ExternalName',
      ...(spec.externalName !== undefined ? { externalName: spec.externalName } : {}),
    },
  };
}
