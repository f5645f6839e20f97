// The Kubernetes source's small pure parts: back-off, label selectors, kubeconfig loading, the
// programming-latency recorder.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Backoff } from '../../../src/cluster/kubernetes/backoff.js';
import { loadKubeConfig } from '../../../src/cluster/kubernetes/kubeconfig.js';
import { checkLabelSelector } from '../../../src/cluster/kubernetes/label-selector.js';
import { ProgrammingLatency, recordProgrammingLatency, type ChangeFeed } from '../../../src/cluster/kubernetes/programming-latency.js';
import type { ServiceKind } from '../../../src/cluster/types.js';

describe('back-off', () => {
  it('doubles from the initial delay up to the cap, each delay between half and all of its step', () => {
    const low = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0 });
    expect(Array.from({ length: 6 }, () => low.next())).toEqual([50, 100, 200, 400, 500, 500]);
    const high = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0.999999 });
    expect(Array.from({ length: 6 }, () => high.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('starts over after a reset', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0 });
    b.next();
    b.next();
    expect(b.failures).toBe(2);
    b.reset();
    expect(b.next()).toBe(50);
  });
});

describe('label selectors', () => {
  it.each([
    ['app=web', 'app=web'],
    [' app == web , tier ', 'app==web,tier'],
    ['!canary', '!canary'],
    ['env in (prod, staging),team notin (x)', 'env in (prod,staging),team notin (x)'],
    ['example.com/owner!=me', 'example.com/owner!=me'],
    ['rank>3', 'rank>3'],
    ['', ''],
  ])('accepts %j as %j', (text, selector) => {
    expect(checkLabelSelector(text)).toEqual({ ok: true, selector });
  });

  it.each([
    ['app=web,', /empty requirement/],
    ['app=(x', /unbalanced/],
    ['env in ()', /empty/],
    ['app=we b', /not a requirement/],
    ['-app=web', /not a label key/],
    ['Example.COM/x=y', /prefix/],
    [`app=${'v'.repeat(64)}`, /not a label value/],
  ])('rejects %j', (text, error) => {
    const check = checkLabelSelector(text);
    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.error).toMatch(error);
  });
});

describe('kubeconfig loading', () => {
  const dir = mkdtempSync(join(tmpdir(), 'svcdns-kubeconfig-'));
  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const kubeconfig = (server: string, skip: boolean, current = 'one') => `apiVersion: v1
kind: Config
clusters:
- name: c1
  cluster: {server: "${server}", insecure-skip-tls-verify: ${skip}}
users:
- name: u1
  user: {token: abc}
contexts:
- name: one
  context: {cluster: c1, user: u1}
- name: two
  context: {cluster: missing, user: u1}
current-context: "${current}"
`;

  it('loads the current context of a kubeconfig, or the one named with --context', () => {
    const path = write('good', kubeconfig('http://127.0.0.1:1', true));
    const loaded = loadKubeConfig({ kubeconfig: path, context: null }, {});
    expect(loaded).toMatchObject({ ok: true, server: 'http://127.0.0.1:1', context: 'one' });
  });

  it.each([
    ['a missing file', { kubeconfig: join(dir, 'absent'), context: null }, /no such file/],
    ['an unknown context', { kubeconfig: 'good', context: 'three' }, /^--context: .*no context "three" \(it has: one, two\)/],
    ['a context naming an undefined cluster', { kubeconfig: 'good', context: 'two' }, /names a cluster the file does not define/],
    ['plain http without insecure-skip-tls-verify', { kubeconfig: 'plain', context: null }, /plain http .*insecure-skip-tls-verify/],
    ['no current context', { kubeconfig: 'nocontext', context: null }, /no usable current-context; choose one with --context/],
    ['a file that is not YAML', { kubeconfig: 'garbage', context: null }, /cannot be read/],
  ])('reports %s in one line', (_what, target, error) => {
    write('good', kubeconfig('http://127.0.0.1:1', true));
    write('plain', kubeconfig('http://127.0.0.1:1', false));
    write('nocontext', kubeconfig('https://127.0.0.1:1', false, ''));
    write('garbage', 'clusters: [unclosed');
    const path = target.kubeconfig.startsWith('/') ? target.kubeconfig : join(dir, target.kubeconfig);
    const loaded = loadKubeConfig({ kubeconfig: path, context: target.context }, {});
    expect(loaded.ok).toBe(false);
    const error2 = loaded.ok ? '' : loaded.error;
    expect(error2).toMatch(error);
    expect(error2).not.toContain('\n');
  });

  it('several kubeconfig files (KUBECONFIG=a:b) merge; the first current-context wins', () => {
    const first = write('first', kubeconfig('http://127.0.0.1:1', true));
    const second = write('second', kubeconfig('http://127.0.0.1:2', true, 'two').replaceAll('c1', 'c2').replaceAll('u1', 'u2')
      .replace('name: one', 'name: three').replace('name: two', 'name: four'));
    const loaded = loadKubeConfig({ kubeconfig: `${first}:${second}`, context: null }, {});
    expect(loaded).toMatchObject({ ok: true, context: 'one', server: 'http://127.0.0.1:1' });
  });

  it('in a pod without a readable service-account token, says so in one line', () => {
    const loaded = loadKubeConfig({ kubeconfig: null, context: null },
      { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, { serviceAccountPrefix: join(dir, 'nowhere') });
    expect(loaded.ok).toBe(false);
    expect(loaded.ok ? '' : loaded.error).toMatch(/^in-cluster config .*cannot read the service-account token .*token/);
  });

  it('in a pod with the service-account files, uses the API server from the environment', () => {
    const prefix = join(dir, 'pod');
    mkdirSync(join(prefix, 'var/run/secrets/kubernetes.io/serviceaccount'), { recursive: true });
    writeFileSync(join(prefix, 'var/run/secrets/kubernetes.io/serviceaccount/token'), 'token');
    const saved = { ...process.env };
    process.env['KUBERNETES_SERVICE_HOST'] = '10.96.0.1';
    process.env['KUBERNETES_SERVICE_PORT'] = '443';
    try {
      const loaded = loadKubeConfig({ kubeconfig: null, context: null }, process.env, { serviceAccountPrefix: prefix });
      expect(loaded).toMatchObject({ ok: true, server: 'https://10.96.0.1:443' });
    } finally {
      process.env['KUBERNETES_SERVICE_HOST'] = saved['KUBERNETES_SERVICE_HOST'];
      process.env['KUBERNETES_SERVICE_PORT'] = saved['KUBERNETES_SERVICE_PORT'];
      if (saved['KUBERNETES_SERVICE_HOST'] === undefined) delete process.env['KUBERNETES_SERVICE_HOST'];
      if (saved['KUBERNETES_SERVICE_PORT'] === undefined) delete process.env['KUBERNETES_SERVICE_PORT'];
    }
  });
});

describe('programming latency', () => {
  type Listener = Parameters<ChangeFeed['onChange']>[0];
  function feed(services: Record<string, { kind: ServiceKind; hasSelector: boolean }>) {
    let listener: Listener = () => {};
    const zone: ChangeFeed = {
      onChange: (l) => {
        listener = l;
        return () => {};
      },
      service: (ns, name) => {
        const s = services[`${ns}/${name}`];
        return s === undefined ? undefined : { service: s };
      },
    };
    return { zone, emit: (serviceKeys: string[], triggerTime?: number) => listener(triggerTime === undefined ? { serviceKeys } : { serviceKeys, triggerTime }) };
  }

  it('records trigger-to-applied time for every kind of service, under CoreDNS service_kind names', () => {
    const { zone, emit } = feed({
      'a/ip': { kind: 'ClusterIP', hasSelector: true },
      'a/hl': { kind: 'Headless', hasSelector: true },
      'a/manual': { kind: 'Headless', hasSelector: false },
      'a/ext': { kind: 'ExternalName', hasSelector: false },
    });
    const latency = new ProgrammingLatency();
    recordProgrammingLatency(zone, latency, () => true, () => 10_000);
    emit(['a/ip'], 9_990);
    emit(['a/hl'], 9_000);
    emit(['a/manual'], 10_000 - 3);
    emit(['a/ext'], 9_000);
    emit(['a/unknown'], 9_000);
    emit(['a/ip']);
    expect(latency.histogram('cluster_ip')).toMatchObject({ count: 1, sum: 0.01 });
    expect(latency.histogram('headless_with_selector')).toMatchObject({ count: 1, sum: 1 });
    expect(latency.histogram('headless_without_selector')).toMatchObject({ count: 1 });
    expect(latency.count).toBe(3);
    // 10 ms falls in the 0.016 s bucket (cumulative counts, Prometheus style).
    expect(latency.histogram('cluster_ip').buckets.slice(0, 6)).toEqual([0, 0, 0, 0, 1, 1]);
  });

  it('records nothing while the source is not synced (first-list trigger times predate svcdns)', () => {
    const { zone, emit } = feed({ 'a/ip': { kind: 'ClusterIP', hasSelector: true } });
    const latency = new ProgrammingLatency();
    let synced = false;
    recordProgrammingLatency(zone, latency, () => synced, () => 10_000);
    emit(['a/ip'], 1);
    synced = true;
    emit(['a/ip'], 9_999);
    expect(latency.count).toBe(1);
  });
});
