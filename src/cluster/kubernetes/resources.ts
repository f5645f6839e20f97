// What is watched for each kind of object: the API resource, the label selector sent with both the
// list and the watch, and the conversion of raw API JSON into the slim record (at arrival: nothing
// else of the object is kept).
import { toSlimEndpointSlice, toSlimNamespace, toSlimPod, toSlimService, SERVICE_NAME_LABEL, type Converted } from '../convert.js';
import type { ClusterObject, ObjectKind } from '../types.js';
import type { ResourceName } from './client.js';
import { combineSelectors } from './label-selector.js';

export interface ResourceSpec {
  readonly kind: ObjectKind;
  readonly resource: ResourceName;
  /** Sent with the list and with the watch ('' for none). */
  readonly labelSelector: string;
  convert(raw: unknown): Converted<ClusterObject>;
}

export interface SelectorOptions {
  /** --labels: applies to Services, EndpointSlices and Pods (as CoreDNS's `labels`). */
  readonly labels: string | null;
  /** --namespace-labels: applies to Namespaces. */
  readonly namespaceLabels: string | null;
}

function tagged<K extends ClusterObject['kind']>(kind: K, converted: Converted<Extract<ClusterObject, { kind: K }>['obj']>): Converted<ClusterObject> {
  if (converted.status !== 'ok') return converted;
  return { status: 'ok', value: { kind, obj: converted.value } as ClusterObject };
}

const RESOURCES: Readonly<Record<ObjectKind, ResourceName>> = {
  service: 'services',
  endpointslice: 'endpointslices',
  namespace: 'namespaces',
  pod: 'pods',
};

export function resourceSpec(kind: ObjectKind, selectors: SelectorOptions): ResourceSpec {
  const resource = RESOURCES[kind];
  switch (kind) {
    case 'service':
      return { kind, resource, labelSelector: combineSelectors(selectors.labels), convert: (raw) => tagged('service', toSlimService(raw)) };
    case 'endpointslice':
      // Slices without the service-name label publish nothing; the API server can leave them out.
      return {
        kind, resource, labelSelector: combineSelectors(SERVICE_NAME_LABEL, selectors.labels),
        convert: (raw) => tagged('endpointslice', toSlimEndpointSlice(raw)),
      };
    case 'namespace':
      return { kind, resource, labelSelector: combineSelectors(selectors.namespaceLabels), convert: (raw) => tagged('namespace', toSlimNamespace(raw)) };
    case 'pod':
      return { kind, resource, labelSelector: combineSelectors(selectors.labels), convert: (raw) => tagged('pod', toSlimPod(raw)) };
  }
}

/** `namespace/name` (or `name` for namespaces) of a converted object: the key it is held under. */
export function keyOf(object: ClusterObject): string {
  return object.kind === 'namespace' ? object.obj.name : `${object.obj.namespace}/${object.obj.name}`;
}

/** The namespace that decides whether an object is exposed (a Namespace decides for itself). */
export function namespaceOf(object: ClusterObject): string {
  return object.kind === 'namespace' ? object.obj.name : object.obj.namespace;
}

export interface RawIdentity {
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
}

function rawMetadata(raw: unknown): Record<string, unknown> | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const meta = (raw as { metadata?: unknown }).metadata;
  return typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>) : null;
}

/** metadata.resourceVersion of a raw object (bookmarks carry nothing else). */
export function rawResourceVersion(raw: unknown): string | undefined {
  const rv = rawMetadata(raw)?.['resourceVersion'];
  return typeof rv === 'string' && rv !== '' ? rv : undefined;
}

/** The key straight from raw metadata (for deletions and for objects that do not convert). */
export function rawIdentity(kind: ObjectKind, raw: unknown): RawIdentity | null {
  const meta = rawMetadata(raw);
  const name = meta?.['name'];
  if (typeof name !== 'string' || name === '') return null;
  if (kind === 'namespace') return { key: name, namespace: name, name };
  const namespace = meta?.['namespace'];
  const ns = typeof namespace === 'string' && namespace !== '' ? namespace : 'default';
  return { key: `${ns}/${name}`, namespace: ns, name };
}
