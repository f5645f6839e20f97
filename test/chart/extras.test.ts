// The optional ServiceMonitor and the `helm test` pod.
import type { IPod } from 'kubernetes-models/v1/Pod';
import { describe, expect, it } from 'vitest';
import { dnsService, selects } from './objects.js';
import { findAll, findOne, releaseNamespace, type Manifest } from './render.js';
import { renderScenarios } from './scenarios.js';

interface ServiceMonitor extends Manifest {
  spec: {
    selector: { matchLabels: Record<string, string> };
    namespaceSelector: { matchNames: string[] };
    endpoints: { port: string; path: string; interval: string }[];
  };
}

const used = ['default values', 'ServiceMonitor', 'replacing kube-dns at a fixed cluster IP'];
const { manifestsFor } = renderScenarios(used);

function testPod(manifests: readonly Manifest[]): IPod {
  return findOne<IPod>(manifests, 'Pod');
}

describe('ServiceMonitor', () => {
  it('is absent by default', () => {
    expect(findAll(manifestsFor('default values'), 'ServiceMonitor')).toEqual([]);
  });

  it('scrapes the DNS Service metrics port when enabled', () => {
    const manifests = manifestsFor('ServiceMonitor');
    const monitor = findOne<ServiceMonitor>(manifests, 'ServiceMonitor');
    const service = dnsService(manifests);
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.metadata.labels?.release).toBe('prometheus');
    expect(selects(monitor.spec.selector.matchLabels, service.metadata?.labels)).toBe(true);
    expect(monitor.spec.namespaceSelector.matchNames).toEqual([releaseNamespace]);
    expect(monitor.spec.endpoints).toHaveLength(1);
    expect(monitor.spec.endpoints[0]).toMatchObject({ port: 'metrics', path: '/metrics', interval: '30s' });
    expect(service.spec?.ports?.map((p) => p.name)).toContain('metrics');
  });
});

describe('helm test pod', () => {
  it('is a test hook that runs nslookup of kubernetes.default from busybox 1.28', () => {
    const pod = testPod(manifestsFor('default values'));
    expect(pod.metadata?.annotations?.['helm.sh/hook']).toBe('test');
    expect(pod.spec?.restartPolicy).toBe('Never');
    const container = pod.spec?.containers[0];
    expect(container?.image).toBe('busybox:1.28');
    expect(container?.command?.join(' ')).toContain('nslookup kubernetes.default.svc.cluster.local ');
  });

  it('asks the svcdns Service, through the address the kubelet injects for it', () => {
    const pod = testPod(manifestsFor('default values'));
    expect(pod.spec?.enableServiceLinks).toBe(true);
    expect(pod.spec?.containers[0]?.command?.at(-1)).toBe('nslookup kubernetes.default.svc.cluster.local "${SVCDNS_SERVICE_HOST}"');
  });

  it('asks the fixed cluster IP when the Service has one', () => {
    const pod = testPod(manifestsFor('replacing kube-dns at a fixed cluster IP'));
    expect(pod.spec?.containers[0]?.command?.at(-1)).toBe('nslookup kubernetes.default.svc.cluster.local "10.96.0.10"');
  });

  it('runs as non-root with nothing to escalate', () => {
    const pod = testPod(manifestsFor('default values'));
    expect(pod.spec?.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.spec?.containers[0]?.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
  });
});
