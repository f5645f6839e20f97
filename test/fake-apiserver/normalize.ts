// Turns caller-supplied JSON into the object the store keeps, with the defaults the real server adds.
import { randomBytes, randomUUID } from 'node:crypto';
import { apiVersionOf, type ResourceInfo } from './resources.js';
import type { KubeObject, StoredObject } from './types.js';

/** RFC 3339 at second precision, as the API server writes timestamps. */
export function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface Stamp {
  rv: number;
  uid: string | undefined;
  creationTimestamp: string | undefined;
  now: Date;
}

/**
 * Builds the stored form. Only the top level and `metadata` are copied: callers that pass objects they
 * keep mutating must clone first (the handles do; bulk `load` does not, for speed).
 */
export function toStored(info: ResourceInfo, input: KubeObject, stamp: Stamp): StoredObject {
  const meta = { ...input.metadata };
  if (meta.name === undefined || meta.name === '') {
    meta.name = `${typeof meta.generateName === 'string' ? meta.generateName : ''}${randomSuffix()}`;
  }
  if (info.namespaced) meta.namespace = meta.namespace || 'default';
  else delete meta.namespace;
  meta.uid = stamp.uid ?? meta.uid ?? randomUUID();
  meta.creationTimestamp = stamp.creationTimestamp ?? meta.creationTimestamp ?? timestamp(stamp.now);
  meta.resourceVersion = String(stamp.rv);
  const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = input;
  const stored = { kind: info.kind, apiVersion: apiVersionOf(info), metadata: meta, ...rest } as StoredObject;
  applyServerDefaults(info, stored);
  return stored;
}

// Only defaults that clients can observe and that matter to DNS: the namespace name label (relied on by
// namespace label selectors), the namespace phase, and EndpointSlice lists that come back as null when empty
// (protobuf storage does not keep an empty list, and the fields have no omitempty).
function applyServerDefaults(info: ResourceInfo, obj: StoredObject): void {
  if (info.resource === 'namespaces') {
    obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name };
    const statusField = obj.status as Record<string, unknown> | undefined;
    if (statusField?.phase === undefined) obj.status = { ...statusField, phase: 'Active' };
  }
  if (info.resource === 'endpointslices') {
    for (const field of ['endpoints', 'ports']) {
      const value = obj[field];
      if (value === undefined || (Array.isArray(value) && value.length === 0)) obj[field] = null;
    }
  }
}

function randomSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return [...randomBytes(5)].map((b) => alphabet[b % alphabet.length]).join('');
}

/** The same object carrying another resourceVersion (delete events, DELETED sent for a selector change). */
export function withResourceVersion(obj: StoredObject, rv: number): StoredObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } };
}

/** True when two stored forms differ only in resourceVersion: the server then skips the write. */
export function sameContent(a: StoredObject, b: StoredObject): boolean {
  return JSON.stringify(withResourceVersion(a, 0)) === JSON.stringify(withResourceVersion(b, 0));
}

/** List items carry no kind/apiVersion (the list does); watch events and GETs carry both. */
export function asListItem(obj: StoredObject): Omit<StoredObject, 'kind' | 'apiVersion'> {
  const { kind: _k, apiVersion: _a, ...item } = obj;
  return item;
}
