import { describe, expect, it } from 'vitest';
import { RESOURCES } from '../../fake-apiserver/resources.js';
import { ApiError } from '../../fake-apiserver/status.js';
import { VersionedStore } from '../../fake-apiserver/store.js';
import type { StoreEvent } from '../../fake-apiserver/types.js';
import { endpointSlice, namespace, service } from './support.js';

const { services, namespaces, endpointslices } = RESOURCES;

function codeOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err.code;
    throw err;
  }
  return undefined;
}

describe('VersionedStore', () => {
  it('bumps one cluster-wide resourceVersion on every write and stamps it on the object', () => {
    const store = new VersionedStore({ firstResourceVersion: 10 });
    const ns = store.create(namespaces, namespace('demo'));
    const svc = store.create(services, service('demo', 'web'));
    expect(ns.metadata.resourceVersion).toBe('11');
    expect(svc.metadata.resourceVersion).toBe('12');
    expect(store.resourceVersion).toBe(12);
    expect(svc.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(svc.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const gone = store.delete(services, 'demo', 'web');
    expect(gone.metadata.resourceVersion).toBe('13');
  });

  it('answers AlreadyExists, NotFound and Conflict like the API server', () => {
    const store = new VersionedStore();
    const created = store.create(services, service('demo', 'web'));
    expect(codeOf(() => store.create(services, service('demo', 'web')))).toBe(409);
    expect(codeOf(() => store.update(services, service('demo', 'missing')))).toBe(404);
    expect(codeOf(() => store.delete(services, 'demo', 'missing'))).toBe(404);
    const stale = { ...service('demo', 'web', { v: '2' }), metadata: { ...created.metadata, resourceVersion: '1' } };
    expect(codeOf(() => store.update(services, stale))).toBe(409);
  });

  it('keeps uid and creationTimestamp across updates and skips updates that change nothing', () => {
    const store = new VersionedStore();
    const created = store.create(services, service('demo', 'web'));
    const same = store.update(services, service('demo', 'web'));
    expect(same.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    const changed = store.update(services, service('demo', 'web', { v: '2' }));
    expect(Number(changed.metadata.resourceVersion)).toBe(Number(created.metadata.resourceVersion) + 1);
    expect(changed.metadata.uid).toBe(created.metadata.uid);
    expect(changed.metadata.creationTimestamp).toBe(created.metadata.creationTimestamp);
  });

  it('adds the defaults the real server adds to namespaces and empty EndpointSlices', () => {
    const store = new VersionedStore();
    const ns = store.create(namespaces, namespace('demo'));
    expect(ns.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'demo' });
    expect(ns.status).toEqual({ phase: 'Active' });
    const empty = store.create(endpointslices, { ...endpointSlice('demo', 'web', 'web-1', []), ports: [] });
    expect(empty.endpoints).toBeNull();
    expect(empty.ports).toBeNull();
  });

  it('notifies subscribers with the previous object, and deleting a namespace deletes its contents first', () => {
    const store = new VersionedStore();
    const events: StoreEvent[] = [];
    store.create(namespaces, namespace('demo'));
    store.create(services, service('demo', 'web'));
    store.subscribe((e) => events.push(e));
    store.update(services, service('demo', 'web', { v: '2' }));
    store.delete(namespaces, undefined, 'demo');
    expect(events.map((e) => `${e.type} ${e.resource} ${e.key}`)).toEqual([
      'MODIFIED services demo/web', 'DELETED services demo/web', 'DELETED namespaces demo']);
    expect(events[0]?.prev?.metadata.labels).toEqual({});
  });

  it('replays events after a resourceVersion and rebuilds the state as of a past resourceVersion', () => {
    const store = new VersionedStore({ firstResourceVersion: 0 });
    store.create(services, service('b', 'one'));
    store.create(services, service('a', 'two'));
    const before = store.resourceVersion;
    store.update(services, service('b', 'one', { v: '2' }));
    store.delete(services, 'a', 'two');
    store.create(services, service('c', 'three'));
    expect(store.eventsAfter('services', before)?.map((e) => e.type)).toEqual(['MODIFIED', 'DELETED', 'ADDED']);
    const past = store.entriesAt(services, before) ?? [];
    expect(past.map(([key, obj]) => `${key}@${obj.metadata.resourceVersion}`)).toEqual(['a/two@2', 'b/one@1']);
    expect(store.entriesAt(services, store.resourceVersion)?.map(([key]) => key)).toEqual(['b/one', 'c/three']);
  });

  it('expires resourceVersions older than the retained history', () => {
    const store = new VersionedStore({ firstResourceVersion: 0, historyLimit: 3 });
    for (let i = 0; i < 5; i++) store.create(services, service('demo', `s${i}`));
    // Events 3, 4 and 5 are kept, so watching from 2 is still complete; from 1 it is not.
    expect(store.oldestResourceVersion).toBe(2);
    expect(store.eventsAfter('services', 2)?.length).toBe(3);
    expect(store.eventsAfter('services', 1)).toBeUndefined();
    expect(store.entriesAt(services, 1)).toBeUndefined();
    store.expireBefore(5);
    expect(store.eventsAfter('services', 4)).toBeUndefined();
    expect(store.eventsAfter('services', 5)).toEqual([]);
  });

  it('replaces the whole state under new resourceVersions, expiring all older ones', () => {
    const store = new VersionedStore({ firstResourceVersion: 0 });
    store.create(services, service('demo', 'old'));
    const oldRv = store.resourceVersion;
    store.replaceAll([{ info: services, object: service('demo', 'new') }], 1000);
    expect(store.resourceVersion).toBe(oldRv + 1001);
    expect(store.entriesAt(services, store.resourceVersion)?.map(([key]) => key)).toEqual(['demo/new']);
    expect(store.eventsAfter('services', oldRv)).toBeUndefined();
  });

  it('rejects objects in a missing namespace when asked to', () => {
    const store = new VersionedStore({ requireNamespaces: true });
    expect(codeOf(() => store.create(services, service('nowhere', 'web')))).toBe(404);
  });
});
