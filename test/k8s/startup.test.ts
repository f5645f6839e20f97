// Start-up against the fake API server: SERVFAIL (not NXDOMAIN) and /ready 503 until the first list of
// everything has arrived; the start-up timeout; selectors on the wire; one-line configuration errors.
import { describe, expect, it } from 'vitest';
import { runToExit } from '../helpers/server.js';
import {
  ask, askUntil, clusterIPService, http, namespaceObject, sortedAddresses, startCluster, startSvcdns,
} from './support.js';

describe('start-up', () => {
  it('answers SERVFAIL before the first sync, NXDOMAIN after; /ready follows', async () => {
    const cluster = await startCluster();
    cluster.api.create(namespaceObject('demo'));
    cluster.api.create(clusterIPService('demo', 'web', '10.96.0.10'));
    cluster.api.slow(2500, { lists: true, watches: false });
    const svcdns = await startSvcdns(cluster, ['--startup-timeout', '1m'], { waitReady: false });
    try {
      const early = await ask(svcdns, 'missing.demo.svc.cluster.local');
      expect(early.status).toBe('SERVFAIL');
      const notReady = await http(svcdns, '/ready');
      expect(notReady.status).toBe(503);
      expect(JSON.parse(notReady.body)).toMatchObject({ ready: false, source: { name: 'kubernetes', synced: false } });

      await askUntil(svcdns, 'missing.demo.svc.cluster.local', 'A', (r) => r.status === 'NXDOMAIN', 10_000);
      expect((await http(svcdns, '/ready')).status).toBe(200);
      expect(sortedAddresses(await ask(svcdns, 'web.demo.svc.cluster.local'))).toEqual(['10.96.0.10']);
    } finally {
      await svcdns.stop();
    }
  });

  it('after --startup-timeout it warns and answers normally while the lists are still coming', async () => {
    const cluster = await startCluster();
    cluster.api.slow(4000, { lists: true, watches: false });
    const svcdns = await startSvcdns(cluster, ['--startup-timeout', '500ms'], { waitReady: false });
    try {
      await svcdns.waitForLog((l) => l.level === 'warn' && String(l.msg).includes('start-up timeout'), 10_000);
      expect((await ask(svcdns, 'missing.demo.svc.cluster.local')).status).toBe('NXDOMAIN');
      expect((await http(svcdns, '/ready')).status).toBe(200);
    } finally {
      await svcdns.stop();
    }
  });

  it('--labels reaches both the list and the watch: only matching services are answered', async () => {
    const cluster = await startCluster();
    cluster.api.create(namespaceObject('demo'));
    cluster.api.create({ ...clusterIPService('demo', 'mine', '10.96.0.11'), metadata: { name: 'mine', namespace: 'demo', labels: { dns: 'on' } } });
    cluster.api.create(clusterIPService('demo', 'other', '10.96.0.12'));
    const svcdns = await startSvcdns(cluster, ['--labels', 'dns=on']);
    try {
      cluster.api.create({ ...clusterIPService('demo', 'later', '10.96.0.13'), metadata: { name: 'later', namespace: 'demo', labels: { dns: 'on' } } });
      await askUntil(svcdns, 'later.demo.svc.cluster.local', 'A', (r) => r.answer.length === 1);
      expect((await ask(svcdns, 'mine.demo.svc.cluster.local')).answer).toHaveLength(1);
      expect((await ask(svcdns, 'other.demo.svc.cluster.local')).status).toBe('NXDOMAIN');
      const serviceRequests = cluster.api.requests().filter((r) => r.resource === 'services');
      expect(serviceRequests.map((r) => `${r.verb} ${r.query.labelSelector}`)).toEqual(['list dns=on', 'watch dns=on']);
    } finally {
      await svcdns.stop();
    }
  });
});

describe('configuration errors are one line and exit 2', () => {
  it('a kubeconfig that does not exist', async () => {
    const { code, stderr } = await runToExit(['--kubeconfig', '/nonexistent/kubeconfig']);
    expect(code).toBe(2);
    expect(stderr).toBe('svcdns: kubeconfig /nonexistent/kubeconfig: no such file\n');
  });

  it('a context the kubeconfig does not have', async () => {
    const cluster = await startCluster();
    const { code, stderr } = await runToExit(['--kubeconfig', cluster.kubeconfig, '--context', 'elsewhere']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^svcdns: --context: kubeconfig .* has no context "elsewhere" \(it has: fake\)\n$/);
  });

  it('in a pod (KUBERNETES_SERVICE_HOST) without a service-account token', async () => {
    const { code, stderr } = await runToExit([], { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^svcdns: in-cluster config .*service-account token.*\n$/);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a label selector that is not one', async () => {
    const { code, stderr } = await runToExit(['--kubeconfig', '/nonexistent/kubeconfig', '--labels', 'app=(web']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^svcdns: --labels: .*unbalanced/);
  });
});
