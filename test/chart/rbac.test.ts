// RBAC: list and watch only, on exactly what DNS is built from; pods only for "pods verified".
import type { IClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import type { IClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHelm, type Helm } from './helm.js';
import { grants, workload } from './objects.js';
import { findOne, render, type Manifest } from './render.js';
import { scenarios } from './scenarios.js';

let helm: Helm;
const rendered = new Map<string, Manifest[]>();
// The list/watch-only check for every mode lives in modes.test.ts, which renders them all.
const used = ['default values', 'pods verified', 'daemonset', 'replacing kube-dns at a fixed cluster IP'];

beforeAll(async () => {
  helm = createHelm();
  const wanted = scenarios.filter((s) => used.includes(s.name));
  const all = await Promise.all(wanted.map((s) => render(helm, s)));
  wanted.forEach((s, i) => rendered.set(s.name, all[i] ?? []));
});
afterAll(() => helm.dispose());

describe('ClusterRole', () => {
  it('covers services, namespaces and EndpointSlices, and not pods, by default', () => {
    expect(grants(rendered.get('default values') ?? []).resources).toEqual([
      '/namespaces',
      '/services',
      'discovery.k8s.io/endpointslices',
    ]);
  });

  it('adds pods only when pods are verified', () => {
    expect(grants(rendered.get('pods verified') ?? []).resources).toEqual([
      '/namespaces',
      '/pods',
      '/services',
      'discovery.k8s.io/endpointslices',
    ]);
    for (const scenario of scenarios.filter((s) => used.includes(s.name) && s.name !== 'pods verified')) {
      expect(grants(rendered.get(scenario.name) ?? []).resources, scenario.name).not.toContain('/pods');
    }
  });

  it('drops EndpointSlices when the server is told not to read them', async () => {
    const manifests = await render(helm, { values: { config: { noEndpoints: true } } });
    expect(grants(manifests).resources).toEqual(['/namespaces', '/services']);
  });
});

describe('ClusterRoleBinding and ServiceAccount', () => {
  it('bind the ClusterRole to the service account the pods run as', () => {
    const manifests = rendered.get('default values') ?? [];
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
