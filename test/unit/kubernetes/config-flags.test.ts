// The Kubernetes source's flags: --labels, --namespace-labels, --context without --kubeconfig, and
// KUBECONFIG holding several files.
import { describe, expect, it } from 'vitest';
import { configParser } from '../../helpers/config.js';

const context = { embeddedManifests: '/opt/svcdns/examples', version: '1.0.0', cwd: '/work/dir' };
const { config, error } = configParser(context);

describe('Kubernetes source flags', () => {
  it('--labels and --namespace-labels take label selectors, spelled as the API server does', () => {
    const c = config(['--kubeconfig', '/k', '--labels', 'app = web, tier in (a, b)', '--namespace-labels', 'dns!=off']);
    expect(c.labels).toBe('app=web,tier in (a,b)');
    expect(c.namespaceLabels).toBe('dns!=off');
    expect(config([]).labels).toBeNull();
    expect(config([], { SVCDNS_LABELS: 'team' }).labels).toBe('team');
  });

  it('a malformed selector is a one-line error naming the flag', () => {
    expect(error(['--labels', 'app=(web'])).toMatch(/^--labels: unbalanced/);
    expect(error([], { SVCDNS_NAMESPACE_LABELS: 'a b' })).toMatch(/^--namespace-labels \(from SVCDNS_NAMESPACE_LABELS\): .*not a requirement/);
  });

  it('--namespace-labels cannot be combined with --namespaces (as in CoreDNS)', () => {
    expect(error(['--namespaces', 'a', '--namespace-labels', 'dns=on'])).toBe('--namespace-labels: cannot be combined with --namespaces (choose one)');
  });

  it('--context alone takes the context from ~/.kube/config, as kubectl does', () => {
    expect(config(['--context', 'prod'], { HOME: '/home/me' }).source)
      .toEqual({ kind: 'kubernetes', kubeconfig: '/home/me/.kube/config', context: 'prod' });
    expect(error(['--context', 'prod'])).toMatch(/^--context: no kubeconfig/);
  });

  it('KUBECONFIG may list several files; relative ones are taken from the working directory', () => {
    expect(config([], { KUBECONFIG: 'a.yaml:/etc/b.yaml' }).source)
      .toEqual({ kind: 'kubernetes', kubeconfig: '/work/dir/a.yaml:/etc/b.yaml', context: null });
  });
});
