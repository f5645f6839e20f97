// The fake's etcd: one resourceVersion counter for the whole cluster, objects per resource, and a bounded
// history of changes from which watches are replayed and past states (paged lists) are rebuilt.
import { ApiError, alreadyExists, conflict, objectNotFound } from './status.js';
import { sameContent, toStored, withResourceVersion } from './normalize.js';
import { RESOURCES, RESOURCE_NAMES, storageKey, type ResourceInfo } from './resources.js';
import type { KubeObject, ResourceName, StoreEvent, StoredObject } from './types.js';

export interface StoreOptions {
  /** The resourceVersion of the empty store; the first write gets the next one. Default 100. */
  firstResourceVersion?: number;
  /** Events kept for replay; older resourceVersions answer 410. Default 10,000. */
  historyLimit?: number;
  /** Reject namespaced objects whose Namespace does not exist, as the real server does. Default false. */
  requireNamespaces?: boolean;
  now?: () => Date;
}

export type Entry = readonly [key: string, object: StoredObject];
type Listener = (event: StoreEvent) => void;

const SNAPSHOTS_KEPT = 16;
const byKey = (a: Entry, b: Entry): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

export class VersionedStore {
  private rv: number;
  private oldestRv: number;
  private readonly tables = new Map<ResourceName, Map<string, StoredObject>>();
  private history: StoreEvent[] = [];
  private historyStart = 0;
  private readonly listeners = new Set<Listener>();
  private readonly snapshots = new Map<string, Entry[]>();
  private readonly historyLimit: number;
  private readonly requireNamespaces: boolean;
  private readonly now: () => Date;

  constructor(options: StoreOptions = {}) {
    this.rv = options.firstResourceVersion ?? 100;
    this.oldestRv = this.rv;
    this.historyLimit = Math.max(1, options.historyLimit ?? 10_000);
    this.requireNamespaces = options.requireNamespaces ?? false;
    this.now = options.now ?? (() => new Date());
    for (const name of RESOURCE_NAMES) this.tables.set(name, new Map());
  }

  /** The cluster's current resourceVersion (that of the last write). */
  get resourceVersion(): number {
    return this.rv;
  }

  /** The oldest resourceVersion a watch or a consistent list may still start from. */
  get oldestResourceVersion(): number {
    return this.oldestRv;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(info: ResourceInfo, namespace: string | undefined, name: string): StoredObject | undefined {
    return this.table(info).get(storageKey(info, namespace || 'default', name));
  }

  count(info: ResourceInfo): number {
    return this.table(info).size;
  }

  create(info: ResourceInfo, input: KubeObject, keepIdentity = false): StoredObject {
    const stamp = { rv: this.rv + 1, uid: undefined, creationTimestamp: undefined, now: this.now() };
    const identity = keepIdentity ? {} : { uid: undefined, creationTimestamp: undefined };
    const obj = toStored(info, { ...input, metadata: { ...input.metadata, ...identity } }, stamp);
    const key = keyOf(info, obj);
    if (this.table(info).has(key)) throw new ApiError(alreadyExists(info.resource, info.group, obj.metadata.name));
    if (this.requireNamespaces && info.namespaced && !this.table(RESOURCES.namespaces).has(obj.metadata.namespace ?? '')) {
      throw new ApiError(objectNotFound('namespaces', '', obj.metadata.namespace ?? ''));
    }
    this.commit(info, key, 'ADDED', obj, undefined);
    return obj;
  }

  /** Replaces an existing object. A stale `metadata.resourceVersion` is a 409 Conflict unless `force`. */
  update(info: ResourceInfo, input: KubeObject, force = false): StoredObject {
    const probe = toStored(info, input, { rv: 0, uid: '', creationTimestamp: '', now: this.now() });
    const key = keyOf(info, probe);
    const existing = this.table(info).get(key);
    if (existing === undefined) throw new ApiError(objectNotFound(info.resource, info.group, probe.metadata.name));
    const expected = input.metadata.resourceVersion;
    if (!force && expected !== undefined && expected !== '' && expected !== existing.metadata.resourceVersion) {
      throw new ApiError(conflict(info.resource, info.group, existing.metadata.name));
    }
    const next = toStored(info, input, {
      rv: this.rv + 1, uid: existing.metadata.uid, creationTimestamp: existing.metadata.creationTimestamp, now: this.now(),
    });
    // The real server skips writes that change nothing: no new resourceVersion, no event.
    if (sameContent(next, existing)) return existing;
    this.commit(info, key, 'MODIFIED', next, existing);
    return next;
  }

  /** Create or unconditional update, like `kubectl apply` of a whole object. */
  upsert(info: ResourceInfo, input: KubeObject): StoredObject {
    const probe = toStored(info, input, { rv: 0, uid: '', creationTimestamp: '', now: this.now() });
    return this.table(info).has(keyOf(info, probe)) ? this.update(info, input, true) : this.create(info, input, true);
  }

  /** Deletes at once (no grace period). Deleting a Namespace first deletes everything in it. */
  delete(info: ResourceInfo, namespace: string | undefined, name: string): StoredObject {
    const key = storageKey(info, namespace || 'default', name);
    const existing = this.table(info).get(key);
    if (existing === undefined) throw new ApiError(objectNotFound(info.resource, info.group, name));
    if (info.resource === 'namespaces') this.deleteNamespaceContents(name);
    const gone = withResourceVersion(existing, this.rv + 1);
    this.commit(info, key, 'DELETED', gone, existing);
    return gone;
  }

  /**
   * Restores a whole state, as after an etcd restore: every resourceVersion jumps forward by `gap`, history is
   * dropped and every older resourceVersion is expired. Nobody is notified (callers drop their watches first).
   */
  replaceAll(objects: Iterable<{ info: ResourceInfo; object: KubeObject }>, gap: number): void {
    for (const table of this.tables.values()) table.clear();
    this.rv += Math.max(1, gap);
    this.history = [];
    this.historyStart = 0;
    this.snapshots.clear();
    const listeners = [...this.listeners];
    this.listeners.clear();
    try {
      for (const { info, object } of objects) this.upsert(info, object);
    } finally {
      for (const listener of listeners) this.listeners.add(listener);
    }
    this.expireBefore(this.rv);
  }

  /** Every resourceVersion below `rv` becomes too old (410); `rv` itself stays usable. */
  expireBefore(rv: number): void {
    this.oldestRv = Math.min(Math.max(this.oldestRv, rv), this.rv);
    this.trimHistory();
    for (const key of this.snapshots.keys()) {
      if (Number(key.slice(key.indexOf('@') + 1)) < this.oldestRv) this.snapshots.delete(key);
    }
  }

  /** Events of one resource after `rv`, oldest first; undefined when `rv` is older than the retained history. */
  eventsAfter(resource: ResourceName, rv: number): StoreEvent[] | undefined {
    if (rv < this.oldestRv) return undefined;
    const out: StoreEvent[] = [];
    for (let i = this.firstIndexAfter(rv); i < this.history.length; i++) {
      const event = this.history[i] as StoreEvent;
      if (event.resource === resource) out.push(event);
    }
    return out;
  }

  /** The resource's objects as of `rv`, sorted by storage key; undefined when `rv` is compacted. */
  entriesAt(info: ResourceInfo, rv: number): readonly Entry[] | undefined {
    if (rv < this.oldestRv) return undefined;
    const at = Math.min(rv, this.rv);
    const cacheKey = `${info.resource}@${at}`;
    const cached = this.snapshots.get(cacheKey);
    if (cached !== undefined) return cached;
    const state = new Map(this.table(info));
    const undo = at === this.rv ? [] : (this.eventsAfter(info.resource, at) ?? []);
    for (let i = undo.length - 1; i >= 0; i--) {
      const event = undo[i] as StoreEvent;
      if (event.prev === undefined) state.delete(event.key);
      else state.set(event.key, event.prev);
    }
    const entries: Entry[] = [...state.entries()].sort(byKey);
    this.snapshots.set(cacheKey, entries);
    if (this.snapshots.size > SNAPSHOTS_KEPT) this.snapshots.delete(this.snapshots.keys().next().value as string);
    return entries;
  }

  private commit(info: ResourceInfo, key: string, type: StoreEvent['type'], object: StoredObject,
    prev: StoredObject | undefined): void {
    this.rv += 1;
    if (type === 'DELETED') this.table(info).delete(key);
    else this.table(info).set(key, object);
    const event: StoreEvent = { rv: this.rv, type, resource: info.resource, key, object, prev };
    this.history.push(event);
    this.trimHistory();
    for (const listener of this.listeners) listener(event);
  }

  private deleteNamespaceContents(namespace: string): void {
    for (const info of Object.values(RESOURCES)) {
      if (!info.namespaced) continue;
      for (const [, obj] of [...this.table(info)].filter(([, o]) => o.metadata.namespace === namespace)) {
        this.delete(info, namespace, obj.metadata.name);
      }
    }
  }

  private trimHistory(): void {
    while (this.history.length - this.historyStart > this.historyLimit) this.historyStart++;
    while (this.historyStart < this.history.length && (this.history[this.historyStart] as StoreEvent).rv <= this.oldestRv) {
      this.historyStart++;
    }
    if (this.historyStart > 0) {
      // A dropped event makes every resourceVersion before it unreplayable.
      this.oldestRv = Math.max(this.oldestRv, (this.history[this.historyStart - 1] as StoreEvent).rv);
    }
    if (this.historyStart > 4096 && this.historyStart * 2 > this.history.length) {
      this.history = this.history.slice(this.historyStart);
      this.historyStart = 0;
    }
  }

  private firstIndexAfter(rv: number): number {
    let lo = this.historyStart;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.history[mid] as StoreEvent).rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private table(info: ResourceInfo): Map<string, StoredObject> {
    return this.tables.get(info.resource) as Map<string, StoredObject>;
  }
}

function keyOf(info: ResourceInfo, obj: StoredObject): string {
  return storageKey(info, obj.metadata.namespace, obj.metadata.name);
}
