// The API server misbehaving under svcdns: a restart with a new state and expired resourceVersions, an
// outage, and watches closed again and again with changes in between. Nothing stale, nothing lost.
import { describe, expect, it } from 'vitest';
import {
  ask, askUntil, clusterIPService, expectedIPs, headlessService, http, metric, namespaceObject, podsSlice,
  sortedAddresses, startCluster, startSvcdns,
} from './support.js';

describe('API server faults', () => {
  it('after a restart with a new state and old resourceVersions expired, svcdns serves exactly the new state', async () => {
    const cluster = await startCluster();
    cluster.api.create(namespaceObject('demo'));
    cluster.api.create(clusterIPService('demo', 'moved', '10.96.0.50'));
    cluster.api.create(clusterIPService('demo', 'deleted', '10.96.0.51'));
    cluster.api.create(headlessService('demo', 'db'));
    cluster.api.create(podsSlice('demo', 'db', 4));
    const svcdns = await startSvcdns(cluster);
    try {
      expect(sortedAddresses(await ask(svcdns, 'db.demo.svc.cluster.local'))).toEqual(expectedIPs(4));
      const listsBefore = cluster.api.requestCount('services', 'list');
      await cluster.api.restart({
        downMs: 300,
        objects: [
          namespaceObject('demo'),
          clusterIPService('demo', 'moved', '10.96.0.60'),
          clusterIPService('demo', 'created', '10.96.0.61'),
          headlessService('demo', 'db'),
          podsSlice('demo', 'db', 2, 5),
        ],
      });
      await askUntil(svcdns, 'deleted.demo.svc.cluster.local', 'A', (r) => r.status === 'NXDOMAIN', 10_000);
      expect(sortedAddresses(await ask(svcdns, 'moved.demo.svc.cluster.local'))).toEqual(['10.96.0.60']);
      expect(sortedAddresses(await ask(svcdns, 'created.demo.svc.cluster.local'))).toEqual(['10.96.0.61']);
      await askUntil(svcdns, 'db.demo.svc.cluster.local', 'A', (r) => r.answer.length === 2);
      expect(sortedAddresses(await ask(svcdns, 'db.demo.svc.cluster.local'))).toEqual(expectedIPs(2, 5));
      expect(cluster.api.requestCount('services', 'list')).toBeGreaterThan(listsBefore);
    } finally {
      await svcdns.stop();
    }
  });

  it('while the API server is down, answers come from the last known state, /ready stays OK, a metric and a log line say so', async () => {
    const cluster = await startCluster();
    cluster.api.create(namespaceObject('demo'));
    cluster.api.create(clusterIPService('demo', 'web', '10.96.0.70'));
    const svcdns = await startSvcdns(cluster);
    try {
      await cluster.api.refuseConnections(true);
      const lost = await svcdns.waitForLog((l) => String(l.msg).startsWith('lost the Kubernetes API server'), 10_000);
      expect(lost.level).toBe('warn');
      for (let i = 0; i < 3; i++) {
        expect(sortedAddresses(await ask(svcdns, 'web.demo.svc.cluster.local'))).toEqual(['10.96.0.70']);
        expect((await ask(svcdns, 'missing.demo.svc.cluster.local')).status).toBe('NXDOMAIN');
        expect((await http(svcdns, '/ready')).status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const metrics = (await http(svcdns, '/metrics')).body;
      expect(metric(metrics, 'svcdns_source_connected{source="kubernetes"}')).toBe(0);
      expect(metric(metrics, 'svcdns_kubernetes_outages_total')).toBe(1);

      cluster.api.apply(clusterIPService('demo', 'web', '10.96.0.71'));
      await cluster.api.refuseConnections(false);
      await svcdns.waitForLog((l) => l.msg === 'Kubernetes API server reachable again', 40_000);
      await askUntil(svcdns, 'web.demo.svc.cluster.local', 'A', (r) => sortedAddresses(r)[0] === '10.96.0.71', 5000);
      expect(metric((await http(svcdns, '/metrics')).body, 'svcdns_source_connected{source="kubernetes"}')).toBe(1);
      expect(svcdns.records().filter((l) => String(l.msg).startsWith('lost the Kubernetes API server'))).toHaveLength(1);
    } finally {
      await svcdns.stop();
    }
  });

  it('watches closed by the server every 2 s for 20 s, with changes in between: no change is lost, no relist', async () => {
    const cluster = await startCluster();
    cluster.api.create(namespaceObject('demo'));
    cluster.api.create(headlessService('demo', 'pool'));
    cluster.api.create(podsSlice('demo', 'pool', 1, 3));
    const svcdns = await startSvcdns(cluster);
    try {
      const cycles = 10;
      for (let i = 1; i <= cycles; i++) {
        await new Promise((resolve) => setTimeout(resolve, 2000));
        cluster.api.closeWatches();
        // Changes made right after the close reach DNS only through the resumed watches.
        cluster.api.create(clusterIPService('demo', `svc-${i}`, `10.96.1.${i}`));
        cluster.api.apply(podsSlice('demo', 'pool', i + 1, 3));
        await askUntil(svcdns, `svc-${i}.demo.svc.cluster.local`, 'A', (r) => r.answer.length === 1, 3000);
        await askUntil(svcdns, 'pool.demo.svc.cluster.local', 'A', (r) => r.answer.length === i + 1, 3000);
      }
      for (let i = 1; i <= cycles; i++) {
        expect(sortedAddresses(await ask(svcdns, `svc-${i}.demo.svc.cluster.local`))).toEqual([`10.96.1.${i}`]);
      }
      expect(sortedAddresses(await ask(svcdns, 'pool.demo.svc.cluster.local'))).toEqual(expectedIPs(cycles + 1, 3));
      for (const resource of ['services', 'endpointslices', 'namespaces'] as const) {
        expect(cluster.api.requestCount(resource, 'list')).toBe(1);
        expect(cluster.api.requestCount(resource, 'watch')).toBeGreaterThanOrEqual(cycles + 1);
      }
    } finally {
      await svcdns.stop();
    }
  });
});
