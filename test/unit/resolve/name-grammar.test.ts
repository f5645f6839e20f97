// The name grammar of forward cluster zones (behaviour §3.2), including CoreDNS's parse cases.
import { describe, expect, it } from 'vitest';
import { parseClusterName } from '../../../src/resolve/name-grammar.js';
import { loadCaseFile } from './helpers/coredns-cases.js';

/** Labels left of `zone` in `name`, lower-cased, as the resolver passes them. */
function parse(name: string, zone = 'cluster.local', zonal = false): ReturnType<typeof parseClusterName> {
  const lower = name.replace(/\.$/, '').toLowerCase().split('.').filter((l) => l !== '');
  return parseClusterName(lower, lower.length - zone.replace(/\.$/, '').split('.').length, zonal);
}

describe('cluster name grammar', () => {
  const file = loadCaseFile();
  // Empty labels cannot arrive in a question; multicluster is not supported; zonal names need --zonal (below).
  const valid = file.parse_cases.valid.filter((c) => !c.multicluster && !c.zonal && !c.query.includes('..'));

  it.each(valid.map((c) => [c.query, c] as const))('CoreDNS parse case %s', (_query, c) => {
    const name = parse(c.query, c.zone);
    const p = c.parsed;
    if (p.podOrSvc === '') {
      expect(['apex', 'tree']).toContain(name.kind);
      return;
    }
    expect(name).toMatchObject({ kind: 'service', namespace: p.namespace, service: p.service });
    if (name.kind !== 'service') return;
    expect(name.endpoint ?? '').toBe(p.endpoint);
    expect(name.port ?? '').toBe(p.port);
    expect(name.protocol ?? '').toBe(p.protocol);
  });

  const zonalCases = file.parse_cases.valid.filter((c) => c.zonal && !c.multicluster);
  it.each(zonalCases.map((c) => [c.query, c] as const))('CoreDNS zonal parse case %s', (_query, c) => {
    const name = parse(c.query, c.zone, true);
    const p = c.parsed;
    if (p.topologyZone === undefined) {
      expect(name).toMatchObject({ kind: 'service', service: p.service, port: p.port, protocol: p.protocol });
      return;
    }
    expect(name).toMatchObject({ kind: 'zonal', namespace: p.namespace, service: p.service, topologyZone: p.topologyZone });
    expect(c.query.split('.')).toContain((name as { directive: string }).directive);
  });

  const invalidWithZonal = file.parse_cases.invalid_even_with_zonal.filter((c) => !c.multicluster);
  it.each(invalidWithZonal.map((c) => [c.query]))('CoreDNS name invalid even with zonal: %s', (query) => {
    expect(parse(query, 'inter.webs.tests', true).kind).toBe('invalid');
  });

  it.each(file.parse_cases.invalid_without_options.map((q) => [q]))('CoreDNS invalid name %s', (query) => {
    const zone = query.endsWith('inter.webs.tests.') ? 'inter.webs.tests' : 'inter.webs.test';
    expect(parse(query, zone).kind).toBe('invalid');
  });

  it.each([
    ['cluster.local', { kind: 'apex' }],
    ['svc.cluster.local', { kind: 'tree', tree: 'svc' }],
    ['pod.cluster.local', { kind: 'tree', tree: 'pod' }],
    ['dns-version.cluster.local', { kind: 'dns-version' }],
    ['ns.dns.cluster.local', { kind: 'nameserver' }],
    ['testns.svc.cluster.local', { kind: 'namespace', tree: 'svc', namespace: 'testns' }],
    ['podns.pod.cluster.local', { kind: 'namespace', tree: 'pod', namespace: 'podns' }],
    ['web.prod.svc.cluster.local', { kind: 'service', namespace: 'prod', service: 'web' }],
    ['web-0.web.prod.svc.cluster.local', { kind: 'service', namespace: 'prod', service: 'web', endpoint: 'web-0' }],
    ['_http._tcp.web.prod.svc.cluster.local', { kind: 'service', service: 'web', port: 'http', protocol: 'tcp' }],
    ['http.tcp.web.prod.svc.cluster.local', { kind: 'service', service: 'web', port: 'http', protocol: 'tcp' }],
    ['10-0-0-1.podns.pod.cluster.local', { kind: 'pod', namespace: 'podns', label: '10-0-0-1' }],
    ['foo.cluster.local', { kind: 'invalid' }],
    ['a.b.c.web.prod.svc.cluster.local', { kind: 'invalid' }],
    ['x.10-0-0-1.podns.pod.cluster.local', { kind: 'invalid' }],
    ['web.prod.pood.cluster.local', { kind: 'invalid' }],
  ])('%s', (name, expected) => {
    expect(parse(name)).toMatchObject(expected);
  });
});
