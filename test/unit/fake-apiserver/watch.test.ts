import { Watch } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeApiServer } from '../../fake-apiserver/index.js';
import { eventually, kubeConfigFor, recordEvent, service, type RecordedEvent } from './support.js';

let server: FakeApiServer;
let watch: Watch;
const controllers: AbortController[] = [];

beforeEach(async () => {
  server = await FakeApiServer.start();
  watch = new Watch(kubeConfigFor(server));
});

afterEach(async () => {
  for (const c of controllers.splice(0)) c.abort();
  await server.close();
});

interface Session {
  events: RecordedEvent[];
  /** undefined while open; null for a clean end; the error otherwise. */
  ended: () => unknown;
}

async function startWatch(path: string, params: Record<string, string | number | boolean>): Promise<Session> {
  const events: RecordedEvent[] = [];
  let end: unknown;
  const controller = await watch.watch(path, params, (type, obj) => events.push(recordEvent(type, obj)), (err: unknown) => {
    end = err ?? null;
  });
  controllers.push(controller);
  return { events, ended: () => end };
}

describe('WATCH', () => {
  it('replays every change after the given resourceVersion, in order, then streams new ones', async () => {
    server.create(service('demo', 'a'));
    const from = server.resourceVersion;
    server.create(service('demo', 'b'));
    server.apply(service('demo', 'a', { v: '2' }));
    server.delete('Service', 'demo', 'b');
    const session = await startWatch('/api/v1/services', { resourceVersion: from });
    await eventually(() => session.events.length === 3);
    server.create(service('demo', 'c'));
    await eventually(() => session.events.length === 4);
    expect(session.events.map((e) => `${e.type} ${e.name}`)).toEqual(['ADDED b', 'MODIFIED a', 'DELETED b', 'ADDED c']);
    const rvs = session.events.map((e) => Number(e.resourceVersion));
    expect(rvs).toEqual([...rvs].sort((x, y) => x - y));
    expect(rvs[3]).toBe(Number(server.resourceVersion));
    // Watch events carry kind and apiVersion, unlike list items.
    expect(session.events[0]?.object).toMatchObject({ kind: 'Service', apiVersion: 'v1' });
  });

  it('starts with ADDED events for the current state when no resourceVersion is given', async () => {
    server.create(service('demo', 'a'));
    server.create(service('demo', 'b'));
    const session = await startWatch('/api/v1/services', {});
    await eventually(() => session.events.length === 2);
    expect(session.events.map((e) => `${e.type} ${e.name}`)).toEqual(['ADDED a', 'ADDED b']);
  });

  it('sends an ERROR event with a 410 Expired Status for a too old resourceVersion, then ends the stream', async () => {
    server.create(service('demo', 'a'));
    const old = server.resourceVersion;
    server.create(service('demo', 'b'));
    server.compact();
    const session = await startWatch('/api/v1/services', { resourceVersion: old });
    await eventually(() => session.ended() !== undefined);
    expect(session.ended()).toBeNull();
    expect(session.events).toHaveLength(1);
    expect(session.events[0]?.type).toBe('ERROR');
    expect(session.events[0]?.object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
    expect(String(session.events[0]?.object.message)).toMatch(/^too old resource version: \d+ \(\d+\)$/);
  });

  it('can answer a too old resourceVersion with HTTP 410 instead', async () => {
    server.configure({ expiredWatch: 'http' });
    server.create(service('demo', 'a'));
    server.expireBefore(Number(server.resourceVersion) + 1);
    const session = await startWatch('/api/v1/services', { resourceVersion: '1' });
    await eventually(() => session.ended() !== undefined);
    expect((session.ended() as { statusCode?: number }).statusCode).toBe(410);
  });

  it('sends periodic bookmarks carrying only the current resourceVersion when allowed', async () => {
    server.configure({ bookmarkIntervalMs: 50 });
    server.create(service('demo', 'a'));
    const session = await startWatch('/api/v1/services', { resourceVersion: server.resourceVersion, allowWatchBookmarks: true });
    await eventually(() => session.events.length >= 2);
    const bookmark = session.events[0];
    expect(bookmark?.type).toBe('BOOKMARK');
    expect(bookmark?.resourceVersion).toBe(server.resourceVersion);
    expect(bookmark?.object).toMatchObject({ kind: 'Service', apiVersion: 'v1' });
    expect(Object.keys(bookmark?.object.metadata as object).sort()).toEqual(['creationTimestamp', 'resourceVersion']);
  });

  it('sends no bookmarks unless the client asks for them', async () => {
    server.configure({ bookmarkIntervalMs: 20 });
    const session = await startWatch('/api/v1/services', { resourceVersion: server.resourceVersion, timeoutSeconds: 1 });
    await eventually(() => session.ended() !== undefined);
    expect(session.events).toEqual([]);
  });

  it('ends the stream cleanly after timeoutSeconds', async () => {
    const session = await startWatch('/api/v1/services', { resourceVersion: server.resourceVersion, timeoutSeconds: 1 });
    expect(session.ended()).toBeUndefined();
    await eventually(() => session.ended() !== undefined, 3000, 'the server to end the watch');
    expect(session.ended()).toBeNull();
  });

  it('sends DELETED when an object stops matching the selector and ADDED when it matches again', async () => {
    server.create(service('demo', 'web', { app: 'web' }));
    const session = await startWatch('/api/v1/services', { resourceVersion: server.resourceVersion, labelSelector: 'app=web' });
    server.create(service('demo', 'other', { app: 'other' }));
    server.apply(service('demo', 'web', { app: 'web', v: '2' }));
    server.apply(service('demo', 'web', { app: 'moved' }));
    const movedRv = server.resourceVersion;
    server.apply(service('demo', 'web', { app: 'web' }));
    server.delete('Service', 'demo', 'web');
    await eventually(() => session.events.length === 4);
    expect(session.events.map((e) => `${e.type} ${e.name}`)).toEqual(['MODIFIED web', 'DELETED web', 'ADDED web', 'DELETED web']);
    // The DELETED for a selector change carries the last matching content at the event's resourceVersion.
    expect(session.events[1]?.resourceVersion).toBe(movedRv);
    expect((session.events[1]?.object.metadata as { labels: object }).labels).toEqual({ app: 'web', v: '2' });
  });

  it('filters events by namespace path and field selector', async () => {
    const from = server.resourceVersion;
    server.create(service('a', 'x'));
    server.create(service('b', 'x'));
    server.create(service('a', 'y'));
    const namespaced = await startWatch('/api/v1/namespaces/a/services', { resourceVersion: from });
    const byName = await startWatch('/api/v1/services', { resourceVersion: from, fieldSelector: 'metadata.name=x' });
    await eventually(() => namespaced.events.length === 2 && byName.events.length === 2);
    expect(namespaced.events.map((e) => e.name)).toEqual(['x', 'y']);
    expect(byName.events.map((e) => (e.object.metadata as { namespace: string }).namespace)).toEqual(['a', 'b']);
  });

  it('sends initial events then a bookmark marking their end when sendInitialEvents is asked', async () => {
    server.create(service('demo', 'a'));
    const session = await startWatch('/api/v1/services', {
      sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan', allowWatchBookmarks: true,
    });
    await eventually(() => session.events.length === 2);
    expect(session.events.map((e) => e.type)).toEqual(['ADDED', 'BOOKMARK']);
    expect((session.events[1]?.object.metadata as { annotations: object }).annotations)
      .toEqual({ 'k8s.io/initial-events-end': 'true' });
  });

  it('accepts watch=1 as well as watch=true', async () => {
    server.create(service('demo', 'a'));
    const controller = new AbortController();
    const res = await fetch(`${server.url}/api/v1/services?watch=1`, { signal: controller.signal });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    controller.abort();
    expect(JSON.parse(new TextDecoder().decode(first.value).trim())).toMatchObject({ type: 'ADDED' });
  });
});
