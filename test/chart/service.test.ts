// The DNS Service: fixed cluster IP to replace kube-dns, the k8s-app label, dual-stack, metrics.
import { describe, expect, it } from 'vitest';
import { containerPort, dnsService, selects, svcdnsContainer, workload } from './objects.js';
import { renderScenarios } from './scenarios.js';

const used = ['default values', 'replacing kube-dns at a fixed cluster IP', 'dual-stack', 'daemonset'];
const { manifestsFor } = renderScenarios(used);

describe('DNS Service', () => {
  it('selects the svcdns pods', () => {
    const manifests = manifestsFor('default values');
    expect(selects(dnsService(manifests).spec?.selector, workload(manifests).template.metadata?.labels)).toBe(true);
  });

  it('lets the cluster pick the IP and family by default, without the k8s-app label', () => {
    const service = dnsService(manifestsFor('default values'));
    expect(service.metadata?.name).toBe('svcdns');
    expect(service.spec?.type).toBe('ClusterIP');
    expect(service.spec?.clusterIP).toBeUndefined();
    expect(service.spec?.ipFamilyPolicy).toBeUndefined();
    expect(service.metadata?.labels?.['k8s-app']).toBeUndefined();
  });

  it('can take over kube-dns: its name, its fixed cluster IP and the k8s-app: kube-dns label', () => {
    const manifests = manifestsFor('replacing kube-dns at a fixed cluster IP');
    const service = dnsService(manifests);
    expect(service.metadata?.name).toBe('kube-dns');
    expect(service.spec?.clusterIP).toBe('10.96.0.10');
    expect(service.metadata?.labels?.['k8s-app']).toBe('kube-dns');
    expect(workload(manifests).template.metadata?.labels?.['k8s-app']).toBe('kube-dns');
    // The selector stays the chart's own, so it never picks up the old CoreDNS pods.
    expect(Object.keys(service.spec?.selector ?? {})).not.toContain('k8s-app');
  });

  it('is dual-stack with both fixed cluster IPs when asked', () => {
    const spec = dnsService(manifestsFor('dual-stack')).spec;
    expect(spec?.ipFamilyPolicy).toBe('RequireDualStack');
    expect(spec?.ipFamilies).toEqual(['IPv4', 'IPv6']);
    expect(spec?.clusterIPs).toEqual(['10.96.0.10', 'fd00:10:96::a']);
    expect(spec?.clusterIP).toBe('10.96.0.10');
  });

  it('keeps node-local traffic on the node in daemonset mode when internalTrafficPolicy is Local', () => {
    expect(dnsService(manifestsFor('daemonset')).spec?.internalTrafficPolicy).toBe('Local');
  });

  it('exposes metrics on 9153, forwarded to the admin port, with prometheus.io annotations naming the pod port', () => {
    const manifests = manifestsFor('default values');
    const service = dnsService(manifests);
    const admin = containerPort(svcdnsContainer(manifests), 'admin').port;
    const metrics = service.spec?.ports?.find((p) => p.name === 'metrics');
    expect(metrics).toMatchObject({ port: 9153, targetPort: admin, protocol: 'TCP' });
    expect(service.metadata?.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(admin),
      'prometheus.io/path': '/metrics',
    });
  });
});
