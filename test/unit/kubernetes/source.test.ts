// The Kubernetes source as a whole against the fake API server: every kind synced, exposure by
// --namespaces and --namespace-labels, and the connection state (one log line per outage).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubernetesSource, type KubernetesSourceOptions } from '../../../src/cluster/kubernetes/source.js';
import { FakeApiServer } from '../../fake-apiserver/index.js';
import { FAST, RecordingSink, capturingLogger, clientFor, eventually, namespace, pod, service, slice } from './support.js';

let server: FakeApiServer;
const sources: KubernetesSource[] = [];

beforeEach(async () => {
  server = await FakeApiServer.start();
});

afterEach(async () => {
  for (const s of sources.splice(0)) await s.stop();
  await server.close();
});

function open(options: Partial<KubernetesSourceOptions> = {}) {
  const { logger, records } = capturingLogger();
  const source = new KubernetesSource({
    client: clientFor(server), kinds: ['service', 'endpointslice', 'namespace'], logger, reflector: FAST, ...options,
  });
  sources.push(source);
  const sink = new RecordingSink();
  return { source, sink, records, started: source.start(sink) };
}

describe('the Kubernetes source', () => {
  it('lists every kind, reports synced, then follows changes', async () => {
    server.create(namespace('demo'));
    server.create(service('demo', 'web'));
    server.create(slice('demo', 'web', 'web-1', ['10.1.0.1']));
    const { source, sink, started } = open();
    expect(source.status()).toMatchObject({ name: 'kubernetes', synced: false });
    await started;
    expect(source.status()).toMatchObject({ synced: true, connected: true });
    expect([...sink.synced].sort()).toEqual(['endpointslice', 'namespace', 'service']);
    expect(sink.keys('namespace')).toEqual(['demo']);
    server.delete('Service', 'demo', 'web');
    await eventually(() => sink.keys('service').length === 0);
    const stats = source.stats();
    expect(stats.resources.map((r) => [r.kind, r.objects])).toEqual([['service', 0], ['endpointslice', 1], ['namespace', 1]]);
  });

  it('--namespaces exposes only the listed namespaces', async () => {
    for (const ns of ['a', 'b']) {
      server.create(namespace(ns));
      server.create(service(ns, 'web'));
    }
    const { sink, started } = open({ namespaces: ['a'] });
    await started;
    server.create(service('b', 'later'));
    server.create(service('a', 'later'));
    await eventually(() => sink.keys('service').includes('a/later'));
    expect(sink.keys('service')).toEqual(['a/later', 'a/web']);
    expect(sink.keys('namespace')).toEqual(['a']);
  });

  it('--namespace-labels exposes the objects of matching namespaces, following relabelling both ways', async () => {
    server.create(namespace('in', { dns: 'yes' }));
    server.create(namespace('out', { dns: 'no' }));
    server.create(service('in', 'web'));
    server.create(service('out', 'web'));
    const { source, sink, started } = open({ namespaceLabels: 'dns=yes' });
    await started;
    await eventually(() => source.status().synced);
    expect(sink.keys('namespace')).toEqual(['in']);
    expect(sink.keys('service')).toEqual(['in/web']);

    server.apply(namespace('out', { dns: 'yes' }));
    await eventually(() => sink.keys('service').includes('out/web'));
    server.apply(namespace('in', { dns: 'no' }));
    await eventually(() => !sink.keys('service').includes('in/web'));
    expect(sink.keys('service')).toEqual(['out/web']);
    expect(sink.keys('namespace')).toEqual(['out']);
  });

  it('an outage is logged once when it starts and once when it ends; answers keep the last state', async () => {
    server.create(service('demo', 'web'));
    const { source, sink, records, started } = open();
    await started;
    await server.waitForWatchers('services', 1);
    await server.refuseConnections(true);
    await eventually(() => !source.status().connected);
    await eventually(() => source.stats().resources.every((r) => r.failures >= 3), 5000, 'several failed retries');
    expect(sink.keys('service')).toEqual(['demo/web']);
    expect(source.status().detail).toMatch(/cannot reach the API server .*ECONNREFUSED/);
    await server.refuseConnections(false);
    await eventually(() => source.status().connected);
    const lost = records.filter((r) => r.msg.startsWith('lost the Kubernetes API server'));
    const back = records.filter((r) => r.msg === 'Kubernetes API server reachable again');
    expect(lost).toHaveLength(1);
    expect(lost[0]?.level).toBe('warn');
    expect(back).toHaveLength(1);
    expect(source.stats()).toMatchObject({ outages: 1, connected: true, disconnectedSince: null });
  });

  it('compacts the heap once after the first lists of every kind, and again after a relist', async () => {
    server.create(service('demo', 'web'));
    let compactions = 0;
    const { source, started } = open({ compactHeap: () => compactions++, compactDelayMs: 20 });
    await started;
    await eventually(() => compactions === 1);
    await server.waitForWatchers('services', 1);
    // A write to a kind the source does not watch leaves every watch behind the revision.
    server.create(pod('demo', 'moves-the-revision', 'Running', '10.9.9.9'));
    await server.restart();
    await eventually(() => source.stats().resources.every((r) => r.relists === 1));
    await eventually(() => compactions === 2);
  });

  it('stop aborts a list in flight instead of waiting for it', async () => {
    server.slow(30_000, { lists: true, watches: false });
    const requests = new AbortController();
    const { source } = open({ client: clientFor(server, { signal: requests.signal }), onStopping: () => requests.abort() });
    await server.waitForRequests('services', 'list', 1);
    const outcome = await Promise.race([
      source.stop().then(() => 'stopped'),
      new Promise((resolve) => setTimeout(() => resolve('still listing'), 3000)),
    ]);
    expect(outcome).toBe('stopped');
  });

  it('start resolves after a failed first attempt; the source syncs once the server answers', async () => {
    await server.refuseConnections(true);
    const { source, sink, records, started } = open();
    await started;
    expect(source.status()).toMatchObject({ synced: false, connected: false });
    expect(records.filter((r) => r.msg.startsWith('cannot reach the Kubernetes API server'))).toHaveLength(1);
    await server.refuseConnections(false);
    await eventually(() => source.status().synced);
    expect(sink.synced.size).toBe(3);
  });
});
