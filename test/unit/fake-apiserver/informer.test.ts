// The fake's handles, seen from the real client-node 2.0.1 informer: each fault must look to the client
// exactly as the real API server's behaviour does (libraries.md §2 lists the client's reactions).
import { ApiException, CoreV1Api, ListWatch, Watch, makeInformer, type V1Service } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeApiServer } from '../../fake-apiserver/index.js';
import { eventually, kubeConfigFor, service } from './support.js';

let server: FakeApiServer;
let core: CoreV1Api;
let watch: Watch;
const informers: Array<{ stop: () => Promise<void> }> = [];

beforeEach(async () => {
  server = await FakeApiServer.start();
  const kc = kubeConfigFor(server);
  core = kc.makeApiClient(CoreV1Api);
  watch = new Watch(kc);
});

afterEach(async () => {
  for (const informer of informers.splice(0)) await informer.stop();
  await server.close();
});

interface Observed {
  informer: ListWatch<V1Service>;
  log: string[];
  errors: unknown[];
  names: () => string[];
}

/** A services informer that reconnects without the library's back-off sleeps, recording what it sees. */
function observe(): Observed {
  const informer = new ListWatch<V1Service>('/api/v1/services', watch, () => core.listServiceForAllNamespaces(),
    false, undefined, undefined, { delayFn: () => Promise.resolve() });
  const log: string[] = [];
  const errors: unknown[] = [];
  for (const verb of ['add', 'update', 'delete'] as const) {
    informer.on(verb, (obj) => log.push(`${verb} ${obj.metadata?.name}`));
  }
  informer.on('error', (err) => errors.push(err));
  informers.push(informer);
  return { informer, log, errors, names: () => informer.list().map((s) => s.metadata?.name ?? '').sort() };
}

function setRequestTimeout(w: Watch, ms: number): void {
  // A private field in the typings; the library documents it as the inactivity timeout of a watch.
  (w as unknown as { requestTimeoutMs: number }).requestTimeoutMs = ms;
}

describe('the fake API server seen from the client-node informer', () => {
  it('lets makeInformer list and then follow additions, updates and deletions', async () => {
    server.create(service('demo', 'a'));
    const informer = makeInformer(kubeConfigFor(server), '/api/v1/services', () => core.listServiceForAllNamespaces());
    informers.push(informer);
    const seen: string[] = [];
    informer.on('add', (s) => seen.push(`add ${s.metadata?.name}`));
    informer.on('update', (s) => seen.push(`update ${s.metadata?.name}`));
    informer.on('delete', (s) => seen.push(`delete ${s.metadata?.name}`));
    await informer.start();
    server.create(service('demo', 'b'));
    server.apply(service('demo', 'a', { v: '2' }));
    server.delete('Service', 'demo', 'b');
    await eventually(() => seen.length === 4);
    expect(seen).toEqual(['add a', 'add b', 'update a', 'delete b']);
    expect(server.requestCount('services', 'list')).toBe(1);
    expect(server.requestCount('services', 'watch')).toBe(1);
    const watchRequest = server.requests().find((r) => r.verb === 'watch');
    expect(watchRequest?.query).toMatchObject({ watch: 'true' });
  });

  it('after closeWatches the informer resumes from its last resourceVersion without relisting and loses nothing', async () => {
    const o = observe();
    await o.informer.start();
    server.create(service('demo', 'a'));
    await eventually(() => o.log.length === 1);
    expect(server.closeWatches('services')).toBe(1);
    server.create(service('demo', 'made-while-disconnected'));
    await server.waitForRequests('services', 'watch', 2);
    await eventually(() => o.names().includes('made-while-disconnected'));
    expect(server.requestCount('services', 'list')).toBe(1);
    const rewatch = server.requests().filter((r) => r.verb === 'watch')[1];
    expect(Number(rewatch?.query.resourceVersion)).toBeGreaterThan(0);
    expect(o.errors).toEqual([]);
  });

  it('after a restart with a new state, a too-old resourceVersion makes the informer relist to exactly that state', async () => {
    server.create(service('demo', 'kept'));
    server.create(service('demo', 'vanishes'));
    const o = observe();
    await o.informer.start();
    await server.restart([service('demo', 'kept'), service('demo', 'appears')]);
    // A connection reset mid-stream stops the client-node informer; its owner restarts it.
    await eventually(() => o.errors.length === 1);
    expect(String((o.errors[0] as Error).message)).toMatch(/terminated|other side closed|socket/i);
    await o.informer.start();
    await eventually(() => o.log.includes('delete vanishes') && o.log.includes('add appears'));
    expect(o.names()).toEqual(['appears', 'kept']);
    expect(server.requestCount('services', 'list')).toBe(2);
    expect(o.informer.latestResourceVersion()).toBe(server.resourceVersion);
  });

  it('a restart that keeps the state lets an up-to-date client resume its watch without relisting', async () => {
    server.create(service('demo', 'a'));
    const o = observe();
    await o.informer.start();
    const rvBefore = server.resourceVersion;
    await server.restart({ downMs: 200 });
    expect(server.oldestResourceVersion).toBe(rvBefore);
    await eventually(() => o.errors.length === 1);
    await o.informer.start();
    server.create(service('demo', 'b'));
    await eventually(() => o.names().join() === 'a,b');
    expect(server.requestCount('services', 'list')).toBe(1);
  });

  it('refuses connections while down and serves again on the same port', async () => {
    server.create(service('demo', 'a'));
    const url = server.url;
    await server.refuseConnections(true);
    const o = observe();
    await o.informer.start();
    expect(o.errors).toHaveLength(1);
    expect(JSON.stringify(o.errors[0], Object.getOwnPropertyNames(o.errors[0])) + String((o.errors[0] as Error).cause))
      .toMatch(/ECONNREFUSED/);
    await server.refuseConnections(false);
    expect(server.url).toBe(url);
    await o.informer.start();
    expect(o.names()).toEqual(['a']);
  });

  it('answers injected failures with a Status body; a 500 on the watch stops the informer', async () => {
    const o = observe();
    server.failNext('services', 500, 1, { verb: 'watch' });
    await o.informer.start();
    await eventually(() => o.errors.length === 1);
    expect((o.errors[0] as { statusCode?: number }).statusCode).toBe(500);
    server.create(service('demo', 'unseen'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.requestCount('services', 'watch')).toBe(1);
    expect(o.names()).toEqual([]);
  });

  it('answers 429 with Retry-After, then serves normally once the armed failures are used up', async () => {
    server.failNext('Service', 429, 1, { verb: 'list', retryAfterSeconds: 7 });
    let failure: unknown;
    try {
      await core.listServiceForAllNamespaces();
    } catch (err) {
      failure = err;
    }
    expect(failure).toBeInstanceOf(ApiException);
    const apiErr = failure as ApiException<string>;
    expect(apiErr.code).toBe(429);
    expect(apiErr.headers['retry-after']).toBe('7');
    expect(JSON.parse(apiErr.body)).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', details: { retryAfterSeconds: 7 } });
    const list = await core.listServiceForAllNamespaces();
    expect(list.items).toEqual([]);
  });

  it('a stalled watch sends nothing, so the client times out and re-watches', async () => {
    setRequestTimeout(watch, 300);
    const o = observe();
    await o.informer.start();
    expect(server.stallWatches()).toBe(1);
    server.create(service('demo', 'during-stall'));
    // The client gives up on the silent stream, then on the new watch that gets no headers either.
    await server.waitForRequests('services', 'watch', 3);
    expect(o.names()).toEqual([]);
    server.stallWatches(false);
    await eventually(() => o.names().includes('during-stall'));
    expect(server.requestCount('services', 'list')).toBe(1);
  });

  it('slow watch headers beyond the client\'s timeout look like a dead server, then recover', async () => {
    setRequestTimeout(watch, 200);
    server.slow(1000, { lists: false, watches: true });
    const o = observe();
    const started = o.informer.start();
    await server.waitForRequests('services', 'watch', 1);
    server.slow(0);
    await started;
    server.create(service('demo', 'after-slowness'));
    await eventually(() => o.names().includes('after-slowness'));
    expect(server.requestCount('services', 'watch')).toBeGreaterThanOrEqual(2);
  });

  it('a truncated line is skipped by the client, which resumes from its last resourceVersion', async () => {
    const o = observe();
    await o.informer.start();
    server.create(service('demo', 'a'));
    await eventually(() => o.log.length === 1);
    expect(server.truncatedLine('services')).toBe(1);
    server.create(service('demo', 'b'));
    await eventually(() => o.names().join() === 'a,b');
    expect(server.requestCount('services', 'list')).toBe(1);
    expect(o.errors).toEqual([]);
  });

  it('resetWatches destroys the stream mid-way, which the client-node informer reports as an error', async () => {
    const o = observe();
    await o.informer.start();
    await server.waitForWatchers('services', 1);
    expect(server.resetWatches()).toBe(1);
    await eventually(() => o.errors.length === 1);
    expect(server.watchCount('services')).toBe(0);
  });

  it('a watch timeout set by the server ends streams cleanly and the informer resumes', async () => {
    server.configure({ watchTimeoutSeconds: 1 });
    const o = observe();
    await o.informer.start();
    server.create(service('demo', 'a'));
    await server.waitForRequests('services', 'watch', 2, 4000);
    server.create(service('demo', 'b'));
    await eventually(() => o.names().join() === 'a,b');
    expect(o.errors).toEqual([]);
  });
});
