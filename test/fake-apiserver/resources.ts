// The resources the fake serves, described the way the API server's registry describes them.
import type { KindName, ResourceName, ResourceRef, StoredObject } from './types.js';

export interface ResourceInfo {
  resource: ResourceName;
  kind: KindName;
  listKind: string;
  /** '' for the core group. */
  group: string;
  version: string;
  namespaced: boolean;
  /** Field selector labels this resource supports, with how to read each one. */
  fields: Record<string, (obj: StoredObject) => string>;
}

const nameField = (obj: StoredObject): string => obj.metadata.name;
const namespaceField = (obj: StoredObject): string => obj.metadata.namespace ?? '';

function path(obj: StoredObject, ...keys: string[]): string {
  let cur: unknown = obj;
  for (const key of keys) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[key];
  }
  if (typeof cur === 'string') return cur;
  if (typeof cur === 'boolean' || typeof cur === 'number') return String(cur);
  return '';
}

// Field labels as registered by the real server (pkg/registry/core/*/strategy.go); unsupported ones answer 400.
export const RESOURCES: Record<ResourceName, ResourceInfo> = {
  services: {
    resource: 'services', kind: 'Service', listKind: 'ServiceList', group: '', version: 'v1', namespaced: true,
    fields: { 'metadata.name': nameField, 'metadata.namespace': namespaceField,
      'spec.clusterIP': (o) => path(o, 'spec', 'clusterIP'), 'spec.type': (o) => path(o, 'spec', 'type') },
  },
  endpointslices: {
    resource: 'endpointslices', kind: 'EndpointSlice', listKind: 'EndpointSliceList', group: 'discovery.k8s.io',
    version: 'v1', namespaced: true,
    fields: { 'metadata.name': nameField, 'metadata.namespace': namespaceField },
  },
  namespaces: {
    resource: 'namespaces', kind: 'Namespace', listKind: 'NamespaceList', group: '', version: 'v1', namespaced: false,
    fields: { 'metadata.name': nameField, 'status.phase': (o) => path(o, 'status', 'phase') },
  },
  pods: {
    resource: 'pods', kind: 'Pod', listKind: 'PodList', group: '', version: 'v1', namespaced: true,
    fields: {
      'metadata.name': nameField, 'metadata.namespace': namespaceField,
      'spec.nodeName': (o) => path(o, 'spec', 'nodeName'),
      'spec.restartPolicy': (o) => path(o, 'spec', 'restartPolicy'),
      'spec.schedulerName': (o) => path(o, 'spec', 'schedulerName'),
      'spec.serviceAccountName': (o) => path(o, 'spec', 'serviceAccountName'),
      'spec.hostNetwork': (o) => path(o, 'spec', 'hostNetwork') || 'false',
      'status.phase': (o) => path(o, 'status', 'phase'),
      'status.podIP': (o) => path(o, 'status', 'podIP'),
      'status.nominatedNodeName': (o) => path(o, 'status', 'nominatedNodeName'),
    },
  },
};

export const RESOURCE_NAMES = Object.keys(RESOURCES) as ResourceName[];

export function apiVersionOf(info: ResourceInfo): string {
  return info.group === '' ? info.version : `${info.group}/${info.version}`;
}

/** Resolves `Service`, `services` (or any case of either) to the resource; undefined when not served. */
export function resourceInfo(ref: ResourceRef | string): ResourceInfo | undefined {
  const lower = ref.toLowerCase();
  for (const info of Object.values(RESOURCES)) {
    if (info.resource === lower || info.kind.toLowerCase() === lower) return info;
  }
  return undefined;
}

/** The storage key, ordered like etcd's `/registry/<resource>/<namespace>/<name>`. */
export function storageKey(info: ResourceInfo, namespace: string | undefined, name: string): string {
  return info.namespaced ? `${namespace ?? ''}/${name}` : name;
}
