// The chart's supported modes, as values overrides; each one is linted, rendered and validated.
import { afterAll, beforeAll } from 'vitest';
import { createHelm, type Helm } from './helm.js';
import { render, type Manifest, type RenderOptions } from './render.js';

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

export interface RenderedScenarios {
  /** The manifests a scenario rendered to; throws for a scenario that was not asked for. */
  manifestsFor(name: string): Manifest[];
  /** The helm runner of this test file, for one-off renders. */
  helm(): Helm;
}

/**
 * Renders the named scenarios once for the calling test file (in its beforeAll, in parallel) and
 * disposes of helm after it (afterAll).
 */
export function renderScenarios(names: readonly string[] | 'all'): RenderedScenarios {
  let helm: Helm | undefined;
  const rendered = new Map<string, Manifest[]>();
  beforeAll(async () => {
    helm = createHelm();
    const wanted = names === 'all' ? scenarios : scenarios.filter((s) => names.includes(s.name));
    const all = await Promise.all(wanted.map((s) => render(helm!, s)));
    wanted.forEach((s, i) => rendered.set(s.name, all[i] ?? []));
  });
  afterAll(() => helm?.dispose());
  return {
    manifestsFor(name) {
      const manifests = rendered.get(name);
      if (!manifests) throw new Error(`scenario ${name} was not rendered`);
      return manifests;
    },
    helm() {
      if (!helm) throw new Error('helm is created in beforeAll');
      return helm;
    },
  };
}
