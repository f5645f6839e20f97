// Deployment and DaemonSet modes: replicas, rollout, spreading, disruption budget, autoscaling.
import type { IDaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { describe, expect, it } from 'vitest';
import { selects, workload } from './objects.js';
import { findAll, findOne } from './render.js';
import { renderScenarios } from './scenarios.js';

const used = ['default values', 'daemonset', 'HPA', 'replacing kube-dns at a fixed cluster IP', 'listening on port 53 in the pod'];
const { manifestsFor } = renderScenarios(used);

describe('deployment mode (default)', () => {
  it('runs 2 replicas with a rolling update that takes down at most one pod', () => {
    const deployment = findOne<IDeployment>(manifestsFor('default values'), 'Deployment');
    expect(deployment.spec?.replicas).toBe(2);
    expect(deployment.spec?.strategy?.type).toBe('RollingUpdate');
    expect(deployment.spec?.strategy?.rollingUpdate?.maxUnavailable).toBe(1);
    expect(findAll(manifestsFor('default values'), 'DaemonSet')).toEqual([]);
  });

  it('selects its own pods by labels that never include k8s-app', () => {
    const deployment = findOne<IDeployment>(manifestsFor('replacing kube-dns at a fixed cluster IP'), 'Deployment');
    const selector = deployment.spec?.selector.matchLabels;
    expect(selects(selector, deployment.spec?.template.metadata?.labels)).toBe(true);
    expect(Object.keys(selector ?? {})).not.toContain('k8s-app');
  });

  it('spreads replicas over zones and nodes', () => {
    const { template } = workload(manifestsFor('default values'));
    const constraints = template.spec?.topologySpreadConstraints ?? [];
    expect(constraints.map((c) => c.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    for (const c of constraints) {
      expect(c.maxSkew).toBe(1);
      expect(selects(c.labelSelector?.matchLabels, template.metadata?.labels)).toBe(true);
    }
  });

  it('has no priority class unless one is given', () => {
    expect(workload(manifestsFor('default values')).template.spec?.priorityClassName).toBeUndefined();
    expect(workload(manifestsFor('replacing kube-dns at a fixed cluster IP')).template.spec?.priorityClassName).toBe(
      'system-cluster-critical',
    );
  });

  it('has a policy/v1 PodDisruptionBudget allowing one pod down, selecting the pods', () => {
    const manifests = manifestsFor('default values');
    const pdb = findOne<IPodDisruptionBudget>(manifests, 'PodDisruptionBudget');
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.spec?.maxUnavailable).toBe(1);
    expect(selects(pdb.spec?.selector?.matchLabels, workload(manifests).template.metadata?.labels)).toBe(true);
  });

  it('has no HPA unless autoscaling is enabled', () => {
    expect(findAll(manifestsFor('default values'), 'HorizontalPodAutoscaler')).toEqual([]);
  });
});

describe('autoscaling', () => {
  it('adds an autoscaling/v2 HPA on the Deployment and leaves replicas to it', () => {
    const manifests = manifestsFor('HPA');
    const deployment = findOne<IDeployment>(manifests, 'Deployment');
    const hpa = findOne<IHorizontalPodAutoscaler>(manifests, 'HorizontalPodAutoscaler');
    expect(deployment.spec?.replicas).toBeUndefined();
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec?.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata?.name });
    expect(hpa.spec?.minReplicas).toBe(2);
    expect(hpa.spec?.maxReplicas).toBe(6);
    expect(hpa.spec?.metrics?.map((m) => m.resource?.name)).toEqual(['cpu', 'memory']);
  });
});

describe('daemonset mode', () => {
  it('runs a DaemonSet with a rolling update instead of a Deployment', () => {
    const manifests = manifestsFor('daemonset');
    const daemonSet = findOne<IDaemonSet>(manifests, 'DaemonSet');
    expect(daemonSet.spec?.updateStrategy?.type).toBe('RollingUpdate');
    expect(findAll(manifests, 'Deployment')).toEqual([]);
  });

  it('has no PodDisruptionBudget, HPA or topology spread (one pod per node already)', () => {
    const manifests = manifestsFor('daemonset');
    expect(findAll(manifests, 'PodDisruptionBudget')).toEqual([]);
    expect(findAll(manifests, 'HorizontalPodAutoscaler')).toEqual([]);
    expect(workload(manifests).template.spec?.topologySpreadConstraints).toBeUndefined();
  });
});

describe('privileged DNS port', () => {
  it('needs no sysctl while the container listens on 1053', () => {
    expect(workload(manifestsFor('default values')).template.spec?.securityContext?.sysctls).toBeUndefined();
  });

  it('lowers net.ipv4.ip_unprivileged_port_start to the port when the container listens below 1024', () => {
    const spec = workload(manifestsFor('listening on port 53 in the pod')).template.spec;
    expect(spec?.securityContext?.sysctls).toEqual([{ name: 'net.ipv4.ip_unprivileged_port_start', value: '53' }]);
    expect(spec?.securityContext?.runAsNonRoot).toBe(true);
  });
});
