// helm lint --strict for every mode, and the chart refusing values that would deploy something broken.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartDir, createHelm, type Helm } from './helm.js';
import { HelmFailure, render, releaseNamespace } from './render.js';
import { scenarios } from './scenarios.js';

let helm: Helm;
beforeAll(() => {
  helm = createHelm();
});
afterAll(() => helm.dispose());

async function renderError(values: object, apiVersions: string[] = []): Promise<string> {
  try {
    await render(helm, { values, apiVersions });
  } catch (error) {
    if (error instanceof HelmFailure) return error.stderr;
    throw error;
  }
  throw new Error('helm template accepted the values');
}

describe('helm lint --strict', () => {
  for (const scenario of scenarios.filter((s) => s.lint)) {
    it(`passes with ${scenario.name}`, async () => {
      const args = ['lint', '--strict', chartDir, '--namespace', releaseNamespace];
      if (scenario.values) args.push('-f', helm.valuesFile(scenario.values));
      const result = await helm.run(args);
      expect(result.stderr + result.stdout).toContain('0 chart(s) failed');
      expect(result.code).toBe(0);
    });
  }
});

describe('values.schema.json', () => {
  it('rejects a pods mode the server does not have', async () => {
    expect(await renderError({ config: { pods: 'sometimes' } })).toMatch(/config\.pods.*must be one of/);
  });

  it('rejects a replica count that is not an integer', async () => {
    expect(await renderError({ replicaCount: 'two' })).toMatch(/replicaCount.*Expected: integer/);
  });

  it('rejects a misspelt top-level key', async () => {
    expect(await renderError({ replicacount: 3 })).toMatch(/Additional property replicacount is not allowed/);
  });

  it('rejects a container port out of range', async () => {
    expect(await renderError({ ports: { dns: 70000 } })).toMatch(/ports\.dns/);
  });

  it('rejects an unknown mode', async () => {
    expect(await renderError({ mode: 'statefulset' })).toMatch(/mode.*must be one of/);
  });

  it('rejects a malformed lameduck duration', async () => {
    expect(await renderError({ config: { lameduck: 'five seconds' } })).toMatch(/config\.lameduck/);
  });
});

describe('value checks in the templates', () => {
  it('refuses a termination grace period that does not exceed the lame-duck period', async () => {
    expect(await renderError({ config: { lameduck: '30s' }, terminationGracePeriodSeconds: 30 })).toMatch(
      /terminationGracePeriodSeconds \(30\) must be greater than config\.lameduck \(30s\)/,
    );
  });

  it('counts minutes and rounds milliseconds up when comparing with the grace period', async () => {
    expect(await renderError({ config: { lameduck: '1m' }, terminationGracePeriodSeconds: 45 })).toMatch(/\(60s\)/);
    expect(await renderError({ config: { lameduck: '29500ms' }, terminationGracePeriodSeconds: 30 })).toMatch(/\(30s\)/);
  });

  it('refuses a ServiceMonitor when the cluster has no monitoring.coreos.com/v1 API', async () => {
    expect(await renderError({ serviceMonitor: { enabled: true } })).toMatch(/monitoring\.coreos\.com\/v1/);
  });

  it('refuses an HPA in daemonset mode', async () => {
    expect(await renderError({ mode: 'daemonset', autoscaling: { enabled: true } })).toMatch(/autoscaling\.enabled needs mode: deployment/);
  });

  it('refuses dnsPolicy None without dnsConfig', async () => {
    expect(await renderError({ dnsPolicy: 'None' })).toMatch(/dnsPolicy: None needs dnsConfig/);
  });
});
