// The list/watch loop of one resource against the fake API server (real client-node over HTTP): paging,
// resuming watches, relisting on 410 Gone, back-off on errors, silence detection, contained failures.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeClient } from '../../../src/cluster/kubernetes/client.js';
import { Reflector, type ReflectorOptions } from '../../../src/cluster/kubernetes/reflector.js';
import { resourceSpec } from '../../../src/cluster/kubernetes/resources.js';
import type { ObjectKind } from '../../../src/cluster/types.js';
import { FakeApiServer } from '../../fake-apiserver/index.js';
import {
  FAST, RecordingSink, capturingLogger, clientFor, eventually, headlessService, namespace, service, slice, sliceAddresses,
} from './support.js';

let server: FakeApiServer;
const running: Reflector[] = [];

beforeEach(async () => {
  server = await FakeApiServer.start();
});

afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
  await server.close();
});

interface Started {
  reflector: Reflector;
  sink: RecordingSink;
  connections: string[];
  records: ReturnType<typeof capturingLogger>['records'];
}

function start(kind: ObjectKind, options: Partial<ReflectorOptions> = {}, client: KubeClient = clientFor(server), labels: string | null = null): Started {
  const sink = new RecordingSink();
  const connections: string[] = [];
  const { logger, records } = capturingLogger();
  const reflector = new Reflector(resourceSpec(kind, { labels, namespaceLabels: null }), client, sink, {
    accepts: () => true,
    onConnection: (connected, error) => connections.push(connected ? 'up' : `down ${error ?? ''}`),
  }, logger, { ...FAST, ...options });
  running.push(reflector);
  reflector.start();
  return { reflector, sink, connections, records };
}

const watchRequests = () => server.requests().filter((r) => r.verb === 'watch');
const listRequests = () => server.requests().filter((r) => r.verb === 'list');

describe('listing', () => {
  it('lists in pages of the configured size and marks the kind synced after the last page', async () => {
    for (let i = 0; i < 7; i++) server.create(service('demo', `s${i}`));
    const { reflector, sink } = start('service', { pageSize: 3 });
    await reflector.firstAttempt;
    expect(sink.keys('service')).toEqual(['demo/s0', 'demo/s1', 'demo/s2', 'demo/s3', 'demo/s4', 'demo/s5', 'demo/s6']);
    expect(sink.synced.has('service')).toBe(true);
    const lists = listRequests();
    expect(lists.map((r) => r.query.limit)).toEqual(['3', '3', '3']);
    expect(lists[0]?.query.continue).toBeUndefined();
    expect(lists[1]?.query.continue).toBeTruthy();
    expect(reflector.stats()).toMatchObject({ synced: true, lists: 1, relists: 0, objects: 7 });
  });

  it('converts list items and watch objects alike (the list is read as raw JSON, not typed models)', async () => {
    server.create(headlessService('demo', 'db'));
    server.create(slice('demo', 'db', 'db-1', ['10.1.0.1', '10.1.0.2']));
    const { reflector, sink } = start('endpointslice');
    await reflector.firstAttempt;
    server.create(slice('demo', 'db', 'db-2', ['10.1.0.3']));
    await eventually(() => sink.keys('endpointslice').length === 2);
    expect(sink.get('endpointslice', 'demo/db-1')).toEqual({
      kind: 'endpointslice',
      obj: expect.objectContaining({ serviceName: 'db', addressType: 'IPv4', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }),
    });
    expect(sliceAddresses(sink, 'demo/db-2')).toEqual(['10.1.0.3']);
  });

  it('sends the label selector with the list and with the watch', async () => {
    server.create(service('demo', 'kept', { team: 'dns' }));
    server.create(service('demo', 'other', { team: 'web' }));
    const { reflector, sink } = start('service', {}, clientFor(server), 'team=dns');
    await reflector.firstAttempt;
    await server.waitForRequests('services', 'watch', 1);
    server.create(service('demo', 'later-other', { team: 'web' }));
    server.create(service('demo', 'later-kept', { team: 'dns' }));
    await eventually(() => sink.keys('service').includes('demo/later-kept'));
    expect(sink.keys('service')).toEqual(['demo/kept', 'demo/later-kept']);
    expect(listRequests()[0]?.query.labelSelector).toBe('team=dns');
    expect(watchRequests()[0]?.query.labelSelector).toBe('team=dns');
  });

  it('asks EndpointSlices with the service-name label only', async () => {
    const { reflector } = start('endpointslice', {}, clientFor(server), 'team=dns');
    await reflector.firstAttempt;
    await server.waitForRequests('endpointslices', 'watch', 1);
    expect(listRequests()[0]?.query.labelSelector).toBe('kubernetes.io/service-name,team=dns');
  });

  it('an EndpointSlice whose endpoints are null (empty) is held with no endpoints', async () => {
    server.create(headlessService('demo', 'db'));
    server.create({ ...slice('demo', 'db', 'db-empty', []), endpoints: [] });
    const { reflector, sink } = start('endpointslice');
    await reflector.firstAttempt;
    expect(server.get('EndpointSlice', 'demo', 'db-empty')?.['endpoints']).toBeNull();
    expect(sink.keys('endpointslice')).toEqual(['demo/db-empty']);
    expect(sliceAddresses(sink, 'demo/db-empty')).toEqual([]);
  });

  it('a failed list is retried after a back-off, and the first attempt still resolves', async () => {
    server.create(service('demo', 'a'));
    server.failNext('services', 503, 2, { verb: 'list' });
    const { reflector, sink, connections } = start('service');
    await reflector.firstAttempt;
    expect(sink.synced.has('service')).toBe(false);
    await eventually(() => sink.synced.has('service'));
    expect(sink.keys('service')).toEqual(['demo/a']);
    expect(connections[0]).toMatch(/^down list services: HTTP 503/);
    expect(connections.at(-1)).toBe('up');
    expect(reflector.stats().failures).toBe(2);
  });

  it('a 429 list waits at least its Retry-After before the next attempt', async () => {
    server.failNext('services', 429, 1, { verb: 'list', retryAfterSeconds: 1 });
    const { reflector, sink } = start('service', { backoff: { initialMs: 10, maxMs: 5000, random: () => 0.5 } });
    await reflector.firstAttempt;
    await eventually(() => sink.synced.has('service'));
    const [first, second] = listRequests();
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(900);
  });
});

describe('watching', () => {
  it('follows additions, updates and deletions after the list', async () => {
    server.create(service('demo', 'a'));
    const { reflector, sink } = start('service');
    await reflector.firstAttempt;
    server.create(service('demo', 'b'));
    server.apply(service('demo', 'a', {}, '10.96.0.99'));
    server.delete('Service', 'demo', 'b');
    await eventually(() => sink.calls.includes('remove service demo/b'));
    const a = sink.get('service', 'demo/a');
    expect(a?.kind === 'service' ? a.obj.clusterIPs : []).toEqual(['10.96.0.99']);
    expect(sink.keys('service')).toEqual(['demo/a']);
    expect(reflector.stats().events).toBe(3);
  });

  it('requests bookmarks and a server-side timeout on every watch', async () => {
    const { reflector } = start('service');
    await reflector.firstAttempt;
    await server.waitForRequests('services', 'watch', 1);
    expect(watchRequests()[0]?.query).toMatchObject({ watch: 'true', allowWatchBookmarks: 'true', timeoutSeconds: '300' });
  });

  it('a watch the server closes is resumed at once from the last resourceVersion, without a relist', async () => {
    const { reflector, sink } = start('service');
    await reflector.firstAttempt;
    server.create(service('demo', 'a'));
    await eventually(() => sink.keys('service').length === 1);
    const seen = server.resourceVersion;
    expect(server.closeWatches('services')).toBe(1);
    server.create(service('demo', 'made-while-closed'));
    await eventually(() => sink.keys('service').includes('demo/made-while-closed'));
    expect(watchRequests()[1]?.query.resourceVersion).toBe(seen);
    expect(server.requestCount('services', 'list')).toBe(1);
    expect(reflector.stats()).toMatchObject({ watchClosed: 1, failures: 0 });
  });

  it('bookmarks advance the resourceVersion the next watch resumes from', async () => {
    server.configure({ bookmarkIntervalMs: 30 });
    const { reflector } = start('service');
    await reflector.firstAttempt;
    // Changes to another resource move the cluster's revision; only bookmarks tell the services watch.
    server.create(namespace('bumps-the-revision'));
    const rv = server.resourceVersion;
    await eventually(() => reflector.stats().resourceVersion === rv);
    server.closeWatches('services');
    await server.waitForRequests('services', 'watch', 2);
    expect(watchRequests()[1]?.query.resourceVersion).toBe(rv);
  });

  it('410 Gone on the watch relists, and the relist replaces the state exactly', async () => {
    server.create(service('demo', 'kept'));
    server.create(service('demo', 'deleted-while-away'));
    const { reflector, sink } = start('service');
    await reflector.firstAttempt;
    await server.restart([service('demo', 'kept', {}, '10.96.0.77'), service('demo', 'new')]);
    await eventually(() => reflector.stats().relists === 1);
    expect(sink.keys('service')).toEqual(['demo/kept', 'demo/new']);
    const kept = sink.get('service', 'demo/kept');
    expect(kept?.kind === 'service' ? kept.obj.clusterIPs : []).toEqual(['10.96.0.77']);
    expect(sink.calls).toContain('remove service demo/deleted-while-away');
    expect(reflector.stats()).toMatchObject({ watchExpired: 1, lists: 2 });
  });

  it('a relist over several pages reaches the sink in one step after its last page (never old and new mixed)', async () => {
    for (let i = 0; i < 6; i++) server.create(service('demo', `s${i}`, {}, `10.96.0.${i + 1}`));
    const { reflector, sink } = start('service', { pageSize: 2 });
    await reflector.firstAttempt;
    const listsAtCall: number[] = [];
    const upsert = sink.upsert.bind(sink);
    sink.upsert = (object) => {
      listsAtCall.push(server.requestCount('services', 'list'));
      upsert(object);
    };
    await server.restart(Array.from({ length: 6 }, (_, i) => service('demo', `s${i}`, {}, `10.96.1.${i + 1}`)));
    await eventually(() => reflector.stats().relists === 1);
    expect(listRequests().filter((r) => r.query.continue === undefined)).toHaveLength(2);
    expect(listsAtCall).toHaveLength(6);
    // Every upsert of the relist came after its third (last) page.
    expect(new Set(listsAtCall)).toEqual(new Set([6]));
  });

  it('a relist skips objects held at the same resourceVersion and applies only what changed', async () => {
    server.create(service('demo', 'same'));
    server.create(service('demo', 'changes'));
    const { reflector, sink } = start('service');
    await reflector.firstAttempt;
    await server.waitForWatchers('services', 1);
    server.apply(service('demo', 'changes', {}, '10.96.0.5'));
    await eventually(() => sink.calls.filter((c) => c === 'upsert service demo/changes').length === 2);
    // Behind by a write elsewhere, the watch resumes from an expired resourceVersion after the restart.
    server.create(namespace('moves-the-revision'));
    await server.restart({ downMs: 50 });
    server.apply(service('demo', 'changes', {}, '10.96.0.6'));
    await eventually(() => reflector.stats().relists === 1);
    expect(sink.calls.filter((c) => c === 'upsert service demo/same')).toHaveLength(1);
    const changed = sink.get('service', 'demo/changes');
    expect(changed?.kind === 'service' ? changed.obj.clusterIPs : []).toEqual(['10.96.0.6']);
  });

  it('410 answered as an HTTP status (not an ERROR event) relists too', async () => {
    server.configure({ expiredWatch: 'http' });
    server.create(service('demo', 'a'));
    const { reflector, sink } = start('service');
    await reflector.firstAttempt;
    await server.waitForRequests('services', 'watch', 1);
    await server.restart([]);
    // The resumed watch's resourceVersion is older than the history: 410, then a relist.
    await eventually(() => reflector.stats().relists === 1);
    expect(sink.keys('service')).toEqual([]);
    expect(reflector.stats().watchExpired).toBe(1);
  });

  it('a 500 on the watch is retried after a back-off from the same resourceVersion, without a relist', async () => {
    const { reflector, sink, connections } = start('service');
    await reflector.firstAttempt;
    await server.waitForRequests('services', 'watch', 1);
    server.failNext('services', 500, 3, { verb: 'watch' });
    server.closeWatches('services');
    server.create(service('demo', 'after-errors'));
    await eventually(() => sink.keys('service').includes('demo/after-errors'));
    expect(reflector.stats()).toMatchObject({ failures: 3, lists: 1 });
    expect(connections.filter((c) => c.startsWith('down'))).toHaveLength(3);
    expect(connections.at(-1)).toBe('up');
    const resumed = watchRequests().slice(1).map((r) => r.query.resourceVersion);
    expect(new Set(resumed).size).toBe(1);
  });

  it('a connection reset mid-stream is retried; the loop keeps running', async () => {
    const { reflector, sink } = start('service');
    await reflector.firstAttempt;
    await server.waitForRequests('services', 'watch', 1);
    expect(server.resetWatches('services')).toBe(1);
    server.create(service('demo', 'after-reset'));
    await eventually(() => sink.keys('service').includes('demo/after-reset'));
    expect(reflector.stats().failures).toBe(1);
  });

  it('refused connections back off with growing delays, then recover when the server is back', async () => {
    const { reflector, sink, connections } = start('service', { backoff: { initialMs: 10, maxMs: 80, random: () => 0.5 } });
    await reflector.firstAttempt;
    await server.waitForRequests('services', 'watch', 1);
    await server.refuseConnections(true);
    await eventually(() => reflector.stats().failures >= 6, 5000, 'six failed attempts');
    server.create(service('demo', 'while-down'));
    await server.refuseConnections(false);
    await eventually(() => sink.keys('service').includes('demo/while-down'));
    expect(connections[0]).toBe('up');
    expect(connections.some((c) => /^down .*ECONNREFUSED/.test(c))).toBe(true);
    expect(connections.at(-1)).toBe('up');
  });

  it('a silent watch (not even a bookmark) is detected and restarted from the last resourceVersion', async () => {
    const { reflector, sink } = start('service', {}, clientFor(server, { silenceTimeoutMs: 300 }));
    await reflector.firstAttempt;
    await server.waitForWatchers('services', 1);
    expect(server.stallWatches(true)).toBe(1);
    server.create(service('demo', 'during-stall'));
    // The open stream says nothing, and the watch opened after it gets no headers either.
    await server.waitForRequests('services', 'watch', 3);
    expect(sink.keys('service')).toEqual([]);
    server.stallWatches(false);
    await eventually(() => sink.keys('service').includes('demo/during-stall'));
    expect(reflector.stats().watchSilent).toBeGreaterThanOrEqual(2);
    expect(server.requestCount('services', 'list')).toBe(1);
  });

  it('a watch the server keeps ending at once without a line does not become a request storm', async () => {
    server.configure({ watchTimeoutSeconds: 0 });
    const { reflector } = start('service', { backoff: { initialMs: 50, maxMs: 100, random: () => 0.5 } });
    await reflector.firstAttempt;
    await new Promise((resolve) => setTimeout(resolve, 500));
    // At most one watch per ~37-75 ms back-off step, not thousands.
    expect(server.requestCount('services', 'watch')).toBeLessThan(20);
  });

  it('a sink that throws is contained: logged, and later events still apply', async () => {
    const { reflector, sink, records } = start('service');
    await reflector.firstAttempt;
    sink.throwFor = 'poison';
    server.create(service('demo', 'poison'));
    server.create(service('demo', 'fine'));
    await eventually(() => sink.keys('service').includes('demo/fine'));
    expect(records.some((r) => r.level === 'error' && r.msg.includes('could not apply'))).toBe(true);
  });

  it('an object that does not convert is logged and skipped; the stream goes on', async () => {
    const { reflector, sink, records } = start('service');
    await reflector.firstAttempt;
    server.create({ ...service('demo', 'bad'), spec: { clusterIP: 'not-an-ip' } });
    server.create(service('demo', 'good'));
    await eventually(() => sink.keys('service').includes('demo/good'));
    expect(sink.keys('service')).toEqual(['demo/good']);
    expect(reflector.stats().rejected).toBe(1);
    expect(records.some((r) => r.level === 'warn' && String(r['error']).includes('not-an-ip'))).toBe(true);
  });

  it('an object that stops matching the label selector is removed', async () => {
    server.create(service('demo', 'a', { team: 'dns' }));
    const { reflector, sink } = start('service', {}, clientFor(server), 'team=dns');
    await reflector.firstAttempt;
    server.apply(service('demo', 'a', { team: 'web' }));
    await eventually(() => sink.keys('service').length === 0);
  });

  it('stop ends the loop promptly, also while waiting out a back-off', async () => {
    const { reflector } = start('service', { backoff: { initialMs: 60_000, maxMs: 60_000 } });
    await reflector.firstAttempt;
    await server.refuseConnections(true);
    await eventually(() => reflector.stats().phase === 'waiting');
    await reflector.stop();
    expect(reflector.stats().phase).toBe('stopped');
  });
});
