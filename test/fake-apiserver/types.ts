// Shapes shared by the fake API server's modules. Objects are plain JSON, as on the wire.

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resourceVersion?: string;
  uid?: string;
  creationTimestamp?: string;
  [field: string]: unknown;
}

/** Any Kubernetes object as JSON. `kind` selects the resource when the object is created through a handle. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** An object as the store keeps it: name, resourceVersion, uid and creationTimestamp are always set. */
export interface StoredObject extends KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta & { name: string; resourceVersion: string; uid: string; creationTimestamp: string };
}

/** The `Status` object the API server returns for every failure (and in watch ERROR events). */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: { continue?: string };
  status: 'Failure';
  message: string;
  reason: string;
  details?: { name?: string; kind?: string; group?: string; retryAfterSeconds?: number };
  code: number;
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change in the store's history; `prev` (the object before the change) lets a past state be rebuilt. */
export interface StoreEvent {
  rv: number;
  type: EventType;
  resource: ResourceName;
  key: string;
  object: StoredObject;
  prev: StoredObject | undefined;
}

export type ResourceName = 'services' | 'endpointslices' | 'namespaces' | 'pods';
export type KindName = 'Service' | 'EndpointSlice' | 'Namespace' | 'Pod';
/** Handles accept a resource either by kind (`Service`) or by its plural (`services`). */
export type ResourceRef = ResourceName | KindName;

export type Verb = 'list' | 'watch' | 'get' | 'create' | 'update' | 'delete';
