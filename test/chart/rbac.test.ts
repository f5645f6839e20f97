// RBAC: list and watch only, on exactly what DNS is built from; pods only for "pods verified".
import type { IClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import type { IClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { describe, expect, it } from 'vitest';
import { grants, workload } from './objects.js';
import { findOne, render } from './render.js';
import { renderScenarios, scenarios } from './scenarios.js';

// The list/watch-only check for every mode lives in modes.test.ts, which renders them all.
const used = ['default values', 'pods verified', 'daemonset', 'replacing kube-dns at a fixed cluster IP'];
const { manifestsFor, helm } = renderScenarios(used);

describe('ClusterRole', () => {
  it('covers services, namespaces and EndpointSlices, and not pods, by default', () => {
    expect(grants(manifestsFor('default values')).resources).toEqual([
      '/namespaces',
      '/services',
      'discovery.k8s.io/endpointslices',
    ]);
  });

  it('adds pods only when pods are verified', () => {
    expect(grants(manifestsFor('pods verified')).resources).toEqual([
      '/namespaces',
      '/pods',
      '/services',
      'discovery.k8s.io/endpointslices',
    ]);
    for (const scenario of scenarios.filter((s) => used.includes(s.name) && s.name !== 'pods verified')) {
      expect(grants(manifestsFor(scenario.name)).resources, scenario.name).not.toContain('/pods');
    }
  });

  it('drops EndpointSlices when the server is told not to read them', async () => {
    const manifests = await render(helm(), { values: { config: { noEndpoints: true } } });
    expect(grants(manifests).resources).toEqual(['/namespaces', '/services']);
  });
});

describe('ClusterRoleBinding and ServiceAccount', () => {
  it('bind the ClusterRole to the service account the pods run as', () => {
    const manifests = manifestsFor('default values');
    const role = findOne<IClusterRole>(manifests, 'ClusterRole');
    const binding = findOne<IClusterRoleBinding>(manifests, 'ClusterRoleBinding');
    const account = findOne<IServiceAccount>(manifests, 'ServiceAccount');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata?.name });
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: account.metadata?.name, namespace: account.metadata?.namespace },
    ]);
    const pod = workload(manifests).template.spec;
    expect(pod?.serviceAccountName).toBe(account.metadata?.name);
    expect(pod?.automountServiceAccountToken).toBe(true);
  });
});
