// svcdns following a cluster through the fake API server, asked with dig: objects created after
// start-up, scaling, deletion, a type change, and the programming latency of those changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../helpers/server.js';
import {
  ask, askUntil, clusterIPService, expectedIPs, externalNameService, headlessService, http, namespaceObject, podsSlice,
  sortedAddresses, startCluster, startSvcdns, type Cluster,
} from './support.js';

let cluster: Cluster;
let svcdns: RunningServer;

beforeAll(async () => {
  cluster = await startCluster();
  cluster.api.create(namespaceObject('demo'));
  svcdns = await startSvcdns(cluster);
});

afterAll(async () => {
  await svcdns.stop();
});

describe('changes in the cluster reach the answers', () => {
  it('a Service and its EndpointSlice created after start-up are answered', async () => {
    cluster.api.create(clusterIPService('demo', 'web', '10.96.0.20'));
    cluster.api.create(headlessService('demo', 'db'));
    cluster.api.create(podsSlice('demo', 'db', 3));
    const web = await askUntil(svcdns, 'web.demo.svc.cluster.local', 'A', (r) => r.status === 'NOERROR' && r.answer.length > 0);
    expect(sortedAddresses(web)).toEqual(['10.96.0.20']);
    const db = await askUntil(svcdns, 'db.demo.svc.cluster.local', 'A', (r) => r.answer.length === 3);
    expect(sortedAddresses(db)).toEqual(expectedIPs(3));
  });

  it('pods scaling 4 → 10 → 2 change the headless answer', async () => {
    cluster.api.create(headlessService('demo', 'scaled'));
    for (const count of [4, 10, 2]) {
      cluster.api.apply(podsSlice('demo', 'scaled', count, 7));
      const answer = await askUntil(svcdns, 'scaled.demo.svc.cluster.local', 'A', (r) => r.answer.length === count);
      expect(sortedAddresses(answer)).toEqual(expectedIPs(count, 7));
    }
  });

  it('a deleted service becomes NXDOMAIN', async () => {
    cluster.api.create(clusterIPService('demo', 'doomed', '10.96.0.30'));
    await askUntil(svcdns, 'doomed.demo.svc.cluster.local', 'A', (r) => r.answer.length === 1);
    cluster.api.delete('Service', 'demo', 'doomed');
    const gone = await askUntil(svcdns, 'doomed.demo.svc.cluster.local', 'A', (r) => r.status === 'NXDOMAIN');
    expect(gone.answer).toEqual([]);
  });

  it('a service switched between ClusterIP and ExternalName changes record type', async () => {
    cluster.api.create(clusterIPService('demo', 'switch', '10.96.0.40'));
    await askUntil(svcdns, 'switch.demo.svc.cluster.local', 'A', (r) => r.answer.some((a) => a.type === 'A'));
    cluster.api.update(externalNameService('demo', 'switch', 'db.example.org'));
    const external = await askUntil(svcdns, 'switch.demo.svc.cluster.local', 'A', (r) => r.answer.some((a) => a.type === 'CNAME'));
    expect(external.answer.find((a) => a.type === 'CNAME')?.data).toBe('db.example.org.');
    expect(external.answer.some((a) => a.type === 'A')).toBe(false);
    cluster.api.update(clusterIPService('demo', 'switch', '10.96.0.41'));
    const back = await askUntil(svcdns, 'switch.demo.svc.cluster.local', 'A', (r) => r.answer.some((a) => a.type === 'A'));
    expect(back.answer.map((a) => `${a.type} ${a.data}`)).toEqual(['A 10.96.0.41']);
  });

  it('records the programming latency of EndpointSlice changes in /metrics, by service kind', async () => {
    cluster.api.create(headlessService('demo', 'timed'));
    cluster.api.create(podsSlice('demo', 'timed', 2, 9));
    await askUntil(svcdns, 'timed.demo.svc.cluster.local', 'A', (r) => r.answer.length === 2);
    const { status, body } = await http(svcdns, '/metrics');
    expect(status).toBe(200);
    const count = /coredns_kubernetes_dns_programming_duration_seconds_count\{service_kind="headless_with_selector"\} (\d+)/.exec(body);
    expect(Number(count?.[1])).toBeGreaterThan(0);
    expect(body).toMatch(/svcdns_source_connected\{source="kubernetes"\} 1/);
    expect(body).toMatch(/svcdns_kubernetes_objects\{kind="service"\} \d+/);
  });
});

describe('pods, watched only for --pods verified', () => {
  it('a pod record is answered while a running pod has the address, and only then', async () => {
    const podCluster = await startCluster();
    podCluster.api.create(namespaceObject('demo'));
    const verified = await startSvcdns(podCluster, ['--pods', 'verified']);
    try {
      podCluster.api.create(pod('demo', 'p1', '10.5.0.7', 'Running'));
      await askUntil(verified, '10-5-0-7.demo.pod.cluster.local', 'A', (r) => r.answer.length === 1);
      expect((await ask(verified, '10-5-0-8.demo.pod.cluster.local')).status).toBe('NXDOMAIN');
      podCluster.api.delete('Pod', 'demo', 'p1');
      await askUntil(verified, '10-5-0-7.demo.pod.cluster.local', 'A', (r) => r.status === 'NXDOMAIN');
      expect(podCluster.api.requestCount('pods', 'list')).toBe(1);
    } finally {
      await verified.stop();
    }
    // Without --pods verified, pods are never listed or watched.
    expect(cluster.api.requestCount('pods', '*')).toBe(0);
  });
});

function pod(ns: string, name: string, ip: string, phase: string) {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns },
    spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox' }] },
    status: { phase, podIP: ip, podIPs: [{ ip }] },
  };
}

