import { ApiException, CoreV1Api, DiscoveryV1Api } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeApiServer } from '../../fake-apiserver/index.js';
import { endpointSlice, kubeConfigFor, namespace, pod, service } from './support.js';

let server: FakeApiServer;
let core: CoreV1Api;
let discovery: DiscoveryV1Api;

beforeEach(async () => {
  server = await FakeApiServer.start();
  const kc = kubeConfigFor(server);
  core = kc.makeApiClient(CoreV1Api);
  discovery = kc.makeApiClient(DiscoveryV1Api);
});

afterEach(async () => {
  await server.close();
});

async function apiErrorOf(call: Promise<unknown>): Promise<ApiException<unknown>> {
  try {
    await call;
  } catch (err) {
    if (err instanceof ApiException) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

function bodyOf(err: ApiException<unknown>): Record<string, unknown> {
  return (typeof err.body === 'string' ? JSON.parse(err.body) : err.body) as Record<string, unknown>;
}

describe('LIST', () => {
  it('returns the kind, the cluster resourceVersion and the items of every namespace', async () => {
    server.create(namespace('a'));
    server.create(service('a', 'web'));
    server.create(service('b', 'db'));
    const list = await core.listServiceForAllNamespaces();
    expect(list.kind).toBe('ServiceList');
    expect(list.apiVersion).toBe('v1');
    expect(list.metadata?.resourceVersion).toBe(server.resourceVersion);
    expect(list.items.map((s) => `${s.metadata?.namespace}/${s.metadata?.name}`)).toEqual(['a/web', 'b/db']);
    expect(list.items[0]?.metadata?.resourceVersion).toBeDefined();
  });

  it('serves list items without kind and apiVersion, like the real server', async () => {
    server.create(service('a', 'web'));
    const res = await fetch(`${server.url}/api/v1/services`);
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = await res.json() as { items: Array<Record<string, unknown>> };
    expect(body.items[0]?.kind).toBeUndefined();
    expect(body.items[0]?.apiVersion).toBeUndefined();
  });

  it('pages with limit and continue, every page from the first page\'s snapshot', async () => {
    for (let i = 0; i < 25; i++) server.create(service('demo', `svc-${String(i).padStart(2, '0')}`));
    const first = await core.listServiceForAllNamespaces({ limit: 10 });
    expect(first.items).toHaveLength(10);
    expect(first.metadata?.remainingItemCount).toBe(15);
    const snapshotRv = first.metadata?.resourceVersion;
    // Changes after the first page must not show up in later pages.
    server.delete('Service', 'demo', 'svc-24');
    server.create(service('demo', 'svc-99'));
    server.apply(service('demo', 'svc-15', { changed: 'yes' }));
    const second = await core.listServiceForAllNamespaces({ limit: 10, _continue: first.metadata?._continue });
    const third = await core.listServiceForAllNamespaces({ limit: 10, _continue: second.metadata?._continue });
    expect(third.metadata?._continue).toBeUndefined();
    const names = [...first.items, ...second.items, ...third.items].map((s) => s.metadata?.name);
    expect(names).toEqual(Array.from({ length: 25 }, (_, i) => `svc-${String(i).padStart(2, '0')}`));
    expect(second.metadata?.resourceVersion).toBe(snapshotRv);
    expect(second.items.find((s) => s.metadata?.name === 'svc-15')?.metadata?.labels).toEqual({});
  });

  it('answers 410 Expired for a continue token whose snapshot was compacted', async () => {
    for (let i = 0; i < 5; i++) server.create(service('demo', `s${i}`));
    const first = await core.listServiceForAllNamespaces({ limit: 2 });
    server.create(service('demo', 'later'));
    server.compact();
    const err = await apiErrorOf(core.listServiceForAllNamespaces({ limit: 2, _continue: first.metadata?._continue }));
    expect(err.code).toBe(410);
    expect(bodyOf(err)).toMatchObject({ kind: 'Status', reason: 'Expired', code: 410 });
  });

  it('filters by label selector and field selector', async () => {
    server.create(service('a', 'web', { app: 'web', tier: 'front' }));
    server.create(service('a', 'api', { app: 'api', tier: 'back' }));
    server.create(service('b', 'web', { app: 'web' }));
    const names = async (opts: { labelSelector?: string; fieldSelector?: string }): Promise<string[]> =>
      (await core.listServiceForAllNamespaces(opts)).items.map((s) => `${s.metadata?.namespace}/${s.metadata?.name}`);
    expect(await names({ labelSelector: 'app=web' })).toEqual(['a/web', 'b/web']);
    expect(await names({ labelSelector: 'tier notin (front)' })).toEqual(['a/api', 'b/web']);
    expect(await names({ labelSelector: 'app in (web,api),!tier' })).toEqual(['b/web']);
    expect(await names({ fieldSelector: 'metadata.namespace=a,metadata.name!=web' })).toEqual(['a/api']);
  });

  it('filters pods by status.phase and rejects unsupported field labels with 400', async () => {
    server.create(pod('a', 'running', 'Running', '10.1.0.1'));
    server.create(pod('a', 'pending', 'Pending', '10.1.0.2'));
    const running = await core.listPodForAllNamespaces({ fieldSelector: 'status.phase=Running' });
    expect(running.items.map((p) => p.metadata?.name)).toEqual(['running']);
    const err = await apiErrorOf(core.listServiceForAllNamespaces({ fieldSelector: 'status.phase=Running' }));
    expect(err.code).toBe(400);
    expect(bodyOf(err).message).toBe('field label not supported: status.phase');
  });

  it('rejects a malformed label selector with 400 BadRequest', async () => {
    const err = await apiErrorOf(core.listServiceForAllNamespaces({ labelSelector: 'app in (' }));
    expect(err.code).toBe(400);
    expect(bodyOf(err).reason).toBe('BadRequest');
  });

  it('pages a label-selected list without remainingItemCount', async () => {
    for (let i = 0; i < 6; i++) server.create(service('demo', `s${i}`, { even: String(i % 2 === 0) }));
    const first = await core.listServiceForAllNamespaces({ labelSelector: 'even=true', limit: 2 });
    expect(first.items.map((s) => s.metadata?.name)).toEqual(['s0', 's2']);
    expect(first.metadata?.remainingItemCount).toBeUndefined();
    const rest = await core.listServiceForAllNamespaces({ labelSelector: 'even=true', limit: 2, _continue: first.metadata?._continue });
    expect(rest.items.map((s) => s.metadata?.name)).toEqual(['s4']);
  });

  it('serves namespaced paths and cluster-scoped namespaces', async () => {
    server.create(namespace('a', { team: 'x' }));
    server.create(namespace('b'));
    server.create(endpointSlice('a', 'web', 'web-abc', ['10.1.0.1']));
    server.create(endpointSlice('b', 'web', 'web-def', ['10.1.0.2']));
    const inA = await discovery.listNamespacedEndpointSlice({ namespace: 'a' });
    expect(inA.kind).toBe('EndpointSliceList');
    expect(inA.apiVersion).toBe('discovery.k8s.io/v1');
    expect(inA.items.map((s) => s.metadata?.name)).toEqual(['web-abc']);
    const all = await discovery.listEndpointSliceForAllNamespaces({ labelSelector: 'kubernetes.io/service-name=web' });
    expect(all.items).toHaveLength(2);
    const namespaces = await core.listNamespace({ labelSelector: 'team=x' });
    expect(namespaces.items.map((n) => n.metadata?.name)).toEqual(['a']);
  });

  it('serves a past resourceVersion exactly, 410 when compacted, 504 when in the future', async () => {
    server.create(service('demo', 'one'));
    const rv = server.resourceVersion;
    server.create(service('demo', 'two'));
    const exact = await core.listServiceForAllNamespaces({ resourceVersion: rv, resourceVersionMatch: 'Exact' });
    expect(exact.items.map((s) => s.metadata?.name)).toEqual(['one']);
    expect(exact.metadata?.resourceVersion).toBe(rv);
    const notOlder = await core.listServiceForAllNamespaces({ resourceVersion: rv, resourceVersionMatch: 'NotOlderThan' });
    expect(notOlder.items).toHaveLength(2);
    const future = await apiErrorOf(core.listServiceForAllNamespaces({ resourceVersion: String(Number(server.resourceVersion) + 5) }));
    expect(future.code).toBe(504);
    server.compact();
    const expired = await apiErrorOf(core.listServiceForAllNamespaces({ resourceVersion: rv, resourceVersionMatch: 'Exact' }));
    expect(expired.code).toBe(410);
  });

  it('serves resourceVersion=0 whole, ignoring limit, as the watch cache does', async () => {
    for (let i = 0; i < 5; i++) server.create(service('demo', `s${i}`));
    const list = await core.listServiceForAllNamespaces({ resourceVersion: '0', limit: 2 });
    expect(list.items).toHaveLength(5);
    expect(list.metadata?._continue).toBeUndefined();
  });

  it('answers unknown paths and missing objects with a 404 Status', async () => {
    const res = await fetch(`${server.url}/api/v1/configmaps`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
    const err = await apiErrorOf(core.readNamespacedService({ name: 'nope', namespace: 'demo' }));
    expect(err.code).toBe(404);
    expect(bodyOf(err).message).toBe('services "nope" not found');
  });

  it('creates, reads, replaces and deletes objects over HTTP', async () => {
    const created = await core.createNamespacedService({ namespace: 'demo', body: { metadata: { name: 'web' }, spec: { clusterIP: '10.0.0.1' } } });
    expect(created.metadata?.resourceVersion).toBe(server.resourceVersion);
    const read = await core.readNamespacedService({ name: 'web', namespace: 'demo' });
    expect(read.spec?.clusterIP).toBe('10.0.0.1');
    const replaced = await core.replaceNamespacedService({ name: 'web', namespace: 'demo',
      body: { ...read, spec: { clusterIP: '10.0.0.2' } } });
    expect(replaced.spec?.clusterIP).toBe('10.0.0.2');
    const conflict = await apiErrorOf(core.replaceNamespacedService({ name: 'web', namespace: 'demo', body: read }));
    expect(conflict.code).toBe(409);
    await core.deleteNamespacedService({ name: 'web', namespace: 'demo' });
    expect(server.get('Service', 'demo', 'web')).toBeUndefined();
  });
});
