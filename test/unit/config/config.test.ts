import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import { configParser } from '../../helpers/config.js';

const dir = mkdtempSync(join(tmpdir(), 'svcdns-config-'));
const manifest = join(dir, 'app.yaml');
writeFileSync(manifest, '');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const context = { embeddedManifests: '/opt/svcdns/examples', version: '9.8.7', cwd: dir };
const parser = configParser(context);
const config = parser.config;

/** The one-line message of the ConfigError that argv/env produce. */
function error(argv: string[], env: Record<string, string> = {}): string {
  const message = parser.error(argv, env);
  expect(message).not.toContain('\n');
  return message;
}

describe('defaults', () => {
  it('serves the embedded examples on 127.0.0.1:1053 with admin on 127.0.0.1:8080', () => {
    expect(config([])).toEqual({
      source: { kind: 'manifests', path: '/opt/svcdns/examples', embedded: true },
      listen: [{ host: '127.0.0.1', port: 1053 }],
      admin: { host: '127.0.0.1', port: 8080 },
      zones: ['cluster.local'],
      ttl: 5,
      pods: 'disabled',
      upstream: { kind: 'system' },
      namespaces: [],
      endpointPodNames: false,
      ignoreEmptyService: false,
      noEndpoints: false,
      fallthrough: null,
      startupTimeoutMs: 5000,
      logLevel: 'info',
      podIP: null,
      maxUdpSize: 1232,
      cacheEntries: 50000,
      workers: 1, // set: test/unit/workers.test.ts
      lameduckMs: 5000, logQueries: false, configFile: null, // set: test/unit/admin/config-file.test.ts
      transferTo: [], zonal: false, // set: test/unit/resolve/flags.test.ts
      namespaceLabels: null, labels: null, // set: test/unit/kubernetes/config-flags.test.ts
      tcpMaxConnections: 1000, tcpIdleTimeoutMs: 30_000, rrl: null, // set: test/robust/flags.test.ts
      forward: expect.any(Object), // its defaults: test/unit/forward/config-flags.test.ts
    });
  });

  it('returns a frozen config', () => {
    const c = config(['--listen', '127.0.0.1:53']);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.listen)).toBe(true);
    expect(Object.isFrozen(c.listen[0])).toBe(true);
  });
});

describe('cluster source', () => {
  it('--manifests resolves a relative path against the working directory', () => {
    expect(config(['--manifests', 'app.yaml']).source).toEqual({ kind: 'manifests', path: manifest, embedded: false });
  });

  it('--manifests rejects a path that does not exist', () => {
    expect(error(['--manifests', 'nope.yaml'])).toBe('--manifests: "nope.yaml" does not exist');
  });

  it('--kubeconfig and --context select the Kubernetes source', () => {
    expect(config(['--kubeconfig', '/k/config', '--context', 'kind-kind']).source)
      .toEqual({ kind: 'kubernetes', kubeconfig: '/k/config', context: 'kind-kind' });
  });

  it('KUBECONFIG and SVCDNS_KUBECONFIG are read from the environment, SVCDNS_ first', () => {
    expect(config([], { KUBECONFIG: '/a' }).source).toMatchObject({ kind: 'kubernetes', kubeconfig: '/a' });
    expect(config([], { KUBECONFIG: '/a', SVCDNS_KUBECONFIG: '/b' }).source).toMatchObject({ kubeconfig: '/b' });
  });

  it('in a pod (KUBERNETES_SERVICE_HOST) the in-cluster service account is the default', () => {
    expect(config([], { KUBERNETES_SERVICE_HOST: '10.96.0.1' }).source).toEqual({ kind: 'kubernetes', kubeconfig: null, context: null });
  });

  it('--manifests wins over a KUBECONFIG in the environment', () => {
    expect(config(['--manifests', manifest], { KUBECONFIG: '/a' }).source.kind).toBe('manifests');
  });

  it('--manifests together with --kubeconfig is an error naming both', () => {
    expect(error(['--manifests', manifest, '--kubeconfig', '/a'])).toMatch(/^--manifests: .*--kubeconfig/);
  });
});

describe('--listen and --admin', () => {
  it('takes IPv4 and bracketed IPv6, repeated or comma-separated', () => {
    expect(config(['--listen', '127.0.0.1:53', '--listen', '[::1]:1053,10.0.0.1:0']).listen).toEqual([
      { host: '127.0.0.1', port: 53 }, { host: '::1', port: 1053 }, { host: '10.0.0.1', port: 0 },
    ]);
  });

  it('canonicalises IPv6 and reads :PORT as every IPv4 address', () => {
    expect(config(['--listen', '[FD00:0:0::1]:53', '--listen', ':5353']).listen).toEqual([
      { host: 'fd00::1', port: 53 }, { host: '0.0.0.0', port: 5353 },
    ]);
  });

  it.each([['localhost:53'], ['127.0.0.1'], ['127.0.0.1:65536'], ['::1:53'], ['[::1]'], ['1.2.3.4:x']])('rejects %s', (bad) => {
    expect(error(['--listen', bad])).toBe(`--listen: "${bad}" is not HOST:PORT with an IP address host (IPv6 as [::1]:1053)`);
  });

  it('--admin none and off disable the admin server', () => {
    expect(config(['--admin', 'none']).admin).toBeNull();
    expect(config(['--admin', 'OFF']).admin).toBeNull();
    expect(config(['--admin', '[::1]:0']).admin).toEqual({ host: '::1', port: 0 });
  });

  it('--admin rejects a bad address', () => {
    expect(error(['--admin', 'x'])).toMatch(/^--admin: "x" is not HOST:PORT/);
  });
});

describe('zones and answers', () => {
  it('--zone lower-cases, drops the trailing dot, keeps CIDRs and removes repeats', () => {
    expect(config(['--zone', 'Cluster.Local.', '--zone', 'example.org', '--zone', '10.0.0.0/8', '--zone', 'cluster.local']).zones)
      .toEqual(['cluster.local', 'example.org', '10.0.0.0/8']);
  });

  it.each([['a..b'], ['-bad.zone'], ['10.0.0.0/33'], ['zone with space']])('--zone rejects %s', (bad) => {
    expect(error([`--zone=${bad}`])).toMatch(/^--zone: ".*" is not a /);
  });

  it('--zone needs at least one forward zone', () => {
    expect(error(['--zone', '10.0.0.0/8'])).toMatch(/^--zone: at least one zone must be a DNS name/);
  });

  it('--ttl takes 0 to 3600 seconds', () => {
    expect(config(['--ttl', '0']).ttl).toBe(0);
    expect(config(['--ttl', '3600']).ttl).toBe(3600);
    expect(error(['--ttl', 'abc'])).toBe('--ttl: "abc" is not a whole number of seconds (0-3600)');
    expect(error(['--ttl', '3601'])).toBe('--ttl: "3601" is not a whole number of seconds (0-3600)');
    expect(error(['--ttl', '1.5'])).toMatch(/^--ttl: /);
  });

  it('--pods takes disabled, insecure or verified', () => {
    expect(config(['--pods', 'verified']).pods).toBe('verified');
    expect(config(['--pods', 'insecure']).pods).toBe('insecure');
    expect(error(['--pods', 'all'])).toBe('--pods: "all" is not one of disabled, insecure, verified');
  });

  it('--namespaces takes a comma-separated list of namespace names', () => {
    expect(config(['--namespaces', 'kiada,default']).namespaces).toEqual(['kiada', 'default']);
    expect(error(['--namespaces', 'kiada,Bad_NS'])).toMatch(/^--namespaces: "Bad_NS" is not a namespace name/);
  });

  it('switches are off by default and on when given', () => {
    const c = config(['--endpoint-pod-names', '--ignore-empty-service', '--no-endpoints']);
    expect([c.endpointPodNames, c.ignoreEmptyService, c.noEndpoints]).toEqual([true, true, true]);
  });

  it('a switch given a value is an error naming it', () => {
    expect(error(['--no-endpoints=yes'])).toBe('--no-endpoints: takes no value');
  });

  it('--fallthrough alone means every zone, with a list only those zones', () => {
    expect(config(['--fallthrough']).fallthrough).toEqual([]);
    expect(config(['--fallthrough', '--ttl', '7']).fallthrough).toEqual([]);
    expect(config(['--fallthrough', 'Example.org.,in-addr.arpa']).fallthrough).toEqual(['example.org', 'in-addr.arpa']);
  });
});

describe('upstreams, timeouts, sizes', () => {
  it('--upstream defaults to the system resolvers, takes addresses with port 53 by default, or none', () => {
    expect(config([]).upstream).toEqual({ kind: 'system' });
    expect(config(['--upstream', 'none']).upstream).toEqual({ kind: 'none' });
    expect(config(['--upstream', '1.1.1.1', '--upstream', '[2001:DB8::1]:5353', '--upstream', '2001:db8::2']).upstream).toEqual({
      kind: 'servers',
      servers: [{ host: '1.1.1.1', port: 53 }, { host: '2001:db8::1', port: 5353 }, { host: '2001:db8::2', port: 53 }],
    });
  });

  it('--upstream rejects names and "none" mixed with addresses', () => {
    expect(error(['--upstream', 'dns.google'])).toMatch(/^--upstream: "dns.google" is not ADDR\[:PORT\]/);
    expect(error(['--upstream', 'none', '--upstream', '1.1.1.1'])).toMatch(/^--upstream: "none" cannot be combined/);
  });

  it('--startup-timeout takes ms, s, m and plain seconds', () => {
    expect(config(['--startup-timeout', '500ms']).startupTimeoutMs).toBe(500);
    expect(config(['--startup-timeout', '5s']).startupTimeoutMs).toBe(5000);
    expect(config(['--startup-timeout', '1m']).startupTimeoutMs).toBe(60000);
    expect(config(['--startup-timeout', '2.5']).startupTimeoutMs).toBe(2500);
    expect(error(['--startup-timeout', 'soon'])).toMatch(/^--startup-timeout: "soon" is not a duration/);
  });

  it('--log-level takes the pino levels', () => {
    expect(config(['--log-level', 'debug']).logLevel).toBe('debug');
    expect(config(['--log-level', 'silent']).logLevel).toBe('silent');
    expect(error(['--log-level', 'loud'])).toMatch(/^--log-level: "loud" is not one of fatal, error/);
  });

  it('--pod-ip takes an IP, also from POD_IP', () => {
    expect(config(['--pod-ip', '10.244.0.5']).podIP).toBe('10.244.0.5');
    expect(config([], { POD_IP: 'fd00::0:5' }).podIP).toBe('fd00::5');
    expect(error(['--pod-ip', 'me'])).toBe('--pod-ip: "me" is not an IPv4 or IPv6 address');
  });

  it('--max-udp-size takes 512 to 65535', () => {
    expect(config(['--max-udp-size', '512']).maxUdpSize).toBe(512);
    expect(error(['--max-udp-size', '511'])).toBe('--max-udp-size: "511" is not a whole number of bytes (512-65535)');
  });

  it('--cache-entries takes a whole number, 0 disabling the cache', () => {
    expect(config(['--cache-entries', '0']).cacheEntries).toBe(0);
    expect(config(['--cache-entries', '500']).cacheEntries).toBe(500);
    expect(error(['--cache-entries', '-1'])).toMatch(/^--cache-entries: /);
  });
});

describe('environment', () => {
  it('reads every flag from SVCDNS_<FLAG>, lists comma-separated', () => {
    const c = config([], {
      SVCDNS_MANIFESTS: manifest, SVCDNS_LISTEN: '127.0.0.1:53,[::1]:53', SVCDNS_ADMIN: 'none', SVCDNS_ZONE: 'a.test,b.test',
      SVCDNS_TTL: '30', SVCDNS_PODS: 'insecure', SVCDNS_UPSTREAM: '9.9.9.9', SVCDNS_NAMESPACES: 'x,y',
      SVCDNS_ENDPOINT_POD_NAMES: 'true', SVCDNS_IGNORE_EMPTY_SERVICE: '1', SVCDNS_NO_ENDPOINTS: 'yes',
      SVCDNS_FALLTHROUGH: 'a.test', SVCDNS_STARTUP_TIMEOUT: '1s', SVCDNS_LOG_LEVEL: 'warn', SVCDNS_POD_IP: '10.0.0.9',
      SVCDNS_MAX_UDP_SIZE: '4096', SVCDNS_CACHE_ENTRIES: '7',
    });
    expect(c).toEqual({
      source: { kind: 'manifests', path: manifest, embedded: false },
      listen: [{ host: '127.0.0.1', port: 53 }, { host: '::1', port: 53 }],
      admin: null, zones: ['a.test', 'b.test'], ttl: 30, pods: 'insecure',
      upstream: { kind: 'servers', servers: [{ host: '9.9.9.9', port: 53 }] }, namespaces: ['x', 'y'],
      endpointPodNames: true, ignoreEmptyService: true, noEndpoints: true, fallthrough: ['a.test'],
      startupTimeoutMs: 1000, logLevel: 'warn', podIP: '10.0.0.9', maxUdpSize: 4096, cacheEntries: 7,
      workers: 1, // from the environment: test/unit/workers.test.ts
      lameduckMs: 5000, logQueries: false, configFile: null, // from the environment: test/unit/admin/config-file.test.ts
      transferTo: [], zonal: false, // from the environment: test/unit/resolve/flags.test.ts
      namespaceLabels: null, labels: null, // from the environment: test/unit/kubernetes/config-flags.test.ts
      tcpMaxConnections: 1000, tcpIdleTimeoutMs: 30_000, rrl: null, // from the environment: test/robust/flags.test.ts
      forward: expect.any(Object), // from the environment: test/unit/forward/config-flags.test.ts
    });
  });

  it('flags win over the environment, for single values and lists', () => {
    const c = config(['--ttl', '9', '--listen', '127.0.0.1:99'], { SVCDNS_TTL: '30', SVCDNS_LISTEN: '127.0.0.1:53' });
    expect(c.ttl).toBe(9);
    expect(c.listen).toEqual([{ host: '127.0.0.1', port: 99 }]);
  });

  it('switches read false words as off and SVCDNS_FALLTHROUGH=* as every zone', () => {
    expect(config([], { SVCDNS_NO_ENDPOINTS: 'false' }).noEndpoints).toBe(false);
    expect(config([], { SVCDNS_FALLTHROUGH: '*' }).fallthrough).toEqual([]);
    expect(config([], { SVCDNS_FALLTHROUGH: 'false' }).fallthrough).toBeNull();
  });

  it('an empty variable counts as unset', () => {
    expect(config([], { SVCDNS_TTL: '' }).ttl).toBe(5);
  });

  it('a bad value from the environment names the flag and the variable', () => {
    expect(error([], { SVCDNS_TTL: 'abc' })).toBe('--ttl (from SVCDNS_TTL): "abc" is not a whole number of seconds (0-3600)');
    expect(error([], { SVCDNS_NO_ENDPOINTS: 'maybe' })).toBe('--no-endpoints (from SVCDNS_NO_ENDPOINTS): "maybe" is not true or false');
  });
});

describe('usage errors, help and version', () => {
  it('an unknown flag is one line naming it', () => {
    expect(error(['--bogus'])).toBe('--bogus: unknown flag (svcdns --help lists them all)');
  });

  it('a missing value names the flag and its placeholder', () => {
    expect(error(['--ttl'])).toBe('--ttl: needs a value (--ttl SECONDS)');
    expect(error(['--listen', '--ttl', '5'])).toBe('--listen: needs a value (--listen HOST:PORT; a value starting with "-" is written --listen=-…)');
  });

  it('a positional argument is rejected', () => {
    expect(error(['examples'])).toBe('examples: unexpected argument (every setting is a --flag)');
  });

  it('--help lists every flag with its environment variable and default', () => {
    const outcome = parseConfig(['--help'], {}, context);
    expect(outcome.action).toBe('help');
    const text = outcome.action === 'help' ? outcome.text : '';
    const flags = [
      'manifests', 'kubeconfig', 'context', 'listen', 'admin', 'zone', 'ttl', 'pods', 'upstream', 'namespaces',
      'endpoint-pod-names', 'ignore-empty-service', 'no-endpoints', 'fallthrough', 'startup-timeout', 'log-level',
      'pod-ip', 'max-udp-size', 'cache-entries', 'help', 'version',
    ];
    for (const flag of flags) expect(text).toContain(`--${flag}`);
    for (const flag of flags.filter((f) => f !== 'help' && f !== 'version')) {
      expect(text).toContain(`SVCDNS_${flag.toUpperCase().replaceAll('-', '_')}`);
    }
    expect(text).toContain('KUBECONFIG');
    expect(text).toContain('POD_IP');
    expect(text).toContain('default: 127.0.0.1:1053');
    expect(text).toContain('default: cluster.local');
    expect(text).toContain('default: 5s');
  });

  it('--help wins over other flags, even bad values; -h is short for it', () => {
    expect(parseConfig(['--ttl', 'abc', '--help'], {}, context).action).toBe('help');
    expect(parseConfig(['-h'], {}, context).action).toBe('help');
  });

  it('--version prints the package version', () => {
    expect(parseConfig(['--version'], {}, context)).toEqual({ action: 'version', text: 'svcdns 9.8.7' });
  });
});
