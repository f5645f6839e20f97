// The chart's supported modes, as values overrides; each one is linted, rendered and validated.
import type { RenderOptions } from './render.js';

export interface Scenario extends RenderOptions {
  name: string;
  /** Lint can pass no --api-versions, so scenarios needing a CRD API are only templated. */
  lint: boolean;
}

export const scenarios: readonly Scenario[] = [
  { name: 'default values', lint: true },
  { name: 'daemonset', lint: true, values: { mode: 'daemonset', service: { internalTrafficPolicy: 'Local' } } },
  { name: 'pods verified', lint: true, values: { config: { pods: 'verified' } } },
  {
    name: 'replacing kube-dns at a fixed cluster IP',
    lint: true,
    values: {
      service: { name: 'kube-dns', clusterIP: '10.96.0.10' },
      k8sAppLabel: 'kube-dns',
      priorityClassName: 'system-cluster-critical',
    },
  },
  { name: 'HPA', lint: true, values: { autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 6, targetMemoryUtilizationPercentage: 80 } } },
  {
    name: 'ServiceMonitor',
    lint: false,
    values: { serviceMonitor: { enabled: true, labels: { release: 'prometheus' } } },
    apiVersions: ['monitoring.coreos.com/v1'],
  },
  {
    name: 'dual-stack',
    lint: true,
    values: {
      service: {
        ipFamilyPolicy: 'RequireDualStack',
        ipFamilies: ['IPv4', 'IPv6'],
        clusterIPs: ['10.96.0.10', 'fd00:10:96::a'],
      },
    },
  },
  { name: 'listening on port 53 in the pod', lint: true, values: { ports: { dns: 53 } } },
];
