// --config: a YAML file with the flags' settings in camelCase (or flag spelling), below flags and
// environment in precedence; unknown keys and bad values are one line naming the file and key; the
// keys the Helm chart writes all parse; durations as the chart's schema allows them.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ConfigError, parseConfig, type Config } from '../../../src/config.js';
import { camelCase } from '../../../src/config/file.js';
import { parseDuration } from '../../../src/config/values.js';

const CHART = join(import.meta.dirname, '../../../charts/svcdns');
const dir = mkdtempSync(join(tmpdir(), 'svcdns-config-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const CONTEXT = { embeddedManifests: dir, version: 'test', cwd: dir };

let counter = 0;
function file(text: string): string {
  const path = join(dir, `config-${counter++}.yaml`);
  writeFileSync(path, text);
  return path;
}

function run(argv: string[], env: Record<string, string> = {}): Config {
  const outcome = parseConfig(argv, env, CONTEXT);
  if (outcome.action !== 'run') throw new Error(`expected a run, got ${outcome.action}`);
  return outcome.config;
}

function failure(argv: string[], env: Record<string, string> = {}): string {
  try {
    run(argv, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('precedence', () => {
  const path = file('ttl: 10\nlogLevel: warn\nstartupTimeout: 2s\n');

  it('the file sets what flags and environment leave unset', () => {
    const config = run(['--config', path]);
    expect(config.ttl).toBe(10);
    expect(config.logLevel).toBe('warn');
    expect(config.startupTimeoutMs).toBe(2000);
    expect(config.configFile).toBe(path);
  });

  it('environment wins over the file, and a flag over both', () => {
    expect(run(['--config', path], { SVCDNS_TTL: '20' }).ttl).toBe(20);
    expect(run(['--config', path, '--ttl', '30'], { SVCDNS_TTL: '20' }).ttl).toBe(30);
  });

  it('defaults fill what nobody sets', () => {
    expect(run(['--config', path]).lameduckMs).toBe(5000);
  });

  it('the file can come from SVCDNS_CONFIG', () => {
    expect(run([], { SVCDNS_CONFIG: path }).ttl).toBe(10);
  });
});

describe('keys and values', () => {
  it('accepts the flag spelling as well as camelCase', () => {
    expect(run(['--config', file('startup-timeout: 3s\n')]).startupTimeoutMs).toBe(3000);
    expect(camelCase('endpoint-pod-names')).toBe('endpointPodNames');
  });

  it('lists may be YAML lists or comma-separated strings', () => {
    expect(run(['--config', file('namespaces: [a, b]\n')]).namespaces).toEqual(['a', 'b']);
    expect(run(['--config', file('namespaces: "a, b"\n')]).namespaces).toEqual(['a', 'b']);
    expect(run(['--config', file('upstream:\n  - 10.0.0.2\n  - "[fd00::2]:5353"\n')]).upstream).toEqual({
      kind: 'servers', servers: [{ host: '10.0.0.2', port: 53 }, { host: 'fd00::2', port: 5353 }],
    });
  });

  it('fallthrough takes true, false, a string or a list', () => {
    expect(run(['--config', file('fallthrough: true\n')]).fallthrough).toEqual([]);
    expect(run(['--config', file('fallthrough: false\n')]).fallthrough).toBeNull();
    expect(run(['--config', file('fallthrough: [in-addr.arpa, ip6.arpa]\n')]).fallthrough).toEqual(['in-addr.arpa', 'ip6.arpa']);
  });

  it('an empty file or a key without a value changes nothing', () => {
    expect(run(['--config', file('')]).ttl).toBe(5);
    expect(run(['--config', file('ttl:\n')]).ttl).toBe(5);
  });

  it("the chart's default config file parses", () => {
    const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as { config: Record<string, unknown> };
    const config = run(['--config', file(stringify(values.config))]);
    expect(config.zones).toEqual(values.config['zone']);
  });

  it('every key of the chart schema parses', () => {
    const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as {
      properties: { config: { properties: Record<string, unknown> } };
    };
    const values = parse(`
zone: [cluster.local, in-addr.arpa, ip6.arpa]
ttl: 5
pods: insecure
startupTimeout: 5s
lameduck: 1m30s
logLevel: info
upstream: [10.0.0.2:53]
namespaces: "default,kube-system"
endpointPodNames: true
ignoreEmptyService: true
fallthrough: "in-addr.arpa,ip6.arpa"
noEndpoints: false
maxUdpSize: 1232
cacheEntries: 10000
logQueries: true
`) as Record<string, unknown>;
    expect(Object.keys(values).sort()).toEqual(Object.keys(schema.properties.config.properties).sort());
    const config = run(['--config', file(JSON.stringify(values))]);
    expect(config).toMatchObject({
      zones: ['cluster.local', 'in-addr.arpa', 'ip6.arpa'], ttl: 5, pods: 'insecure', startupTimeoutMs: 5000, lameduckMs: 90_000,
      logLevel: 'info', namespaces: ['default', 'kube-system'], endpointPodNames: true, ignoreEmptyService: true,
      fallthrough: ['in-addr.arpa', 'ip6.arpa'], noEndpoints: false, maxUdpSize: 1232, cacheEntries: 10000, logQueries: true,
    });
  });
});

describe('errors are one line naming the file and key', () => {
  it('an unknown key', () => {
    const path = file('ttl: 5\ntimeToLive: 9\n');
    const message = failure(['--config', path]);
    expect(message).toBe(`config file ${path}: unknown key "timeToLive" (the keys are the flags in camelCase, e.g. startupTimeout; see svcdns --help)`);
  });

  it('a command-line-only key', () => {
    expect(failure(['--config', file('help: true\n')])).toContain('unknown key "help" (it is a command-line flag only)');
  });

  it('a bad value', () => {
    const path = file('ttl: forever\n');
    expect(failure(['--config', path])).toBe(`config file ${path}, key ttl: "forever" is not a whole number of seconds (0-3600)`);
  });

  it('a list where one value belongs, and a mapping', () => {
    expect(failure(['--config', file('ttl: [1, 2]\n')])).toMatch(/key ttl: takes one value, not a list$/);
    expect(failure(['--config', file('zone: { a: b }\n')])).toMatch(/key zone: takes a value, not a mapping$/);
  });

  it('the same setting in two spellings', () => {
    expect(failure(['--config', file('logLevel: info\nlog-level: debug\n')])).toMatch(/"log-level" and "logLevel" set the same setting$/);
  });

  it('YAML that does not parse, or is not a mapping', () => {
    const broken = failure(['--config', file('ttl: [1\n')]);
    expect(broken).toMatch(/: not valid YAML: /);
    expect(broken).not.toContain('\n');
    expect(failure(['--config', file('- a\n- b\n')])).toMatch(/expected a mapping of settings \(key: value\), found a list$/);
  });

  it('a file that does not exist', () => {
    expect(failure(['--config', join(dir, 'missing.yaml')])).toMatch(/^--config: ".*missing\.yaml" does not exist$/);
  });
});

describe('durations', () => {
  it('accept combinations such as 1m30s, as the chart schema does', () => {
    expect(parseDuration('1m30s', 600_000)).toBe(90_000);
    expect(parseDuration('1s500ms', 600_000)).toBe(1500);
    expect(parseDuration('2.5', 600_000)).toBe(2500);
    expect(() => parseDuration('1m30', 600_000)).toThrow();
    expect(() => parseDuration('s', 600_000)).toThrow();
  });

  it('--lameduck takes a duration, --log-queries is a switch', () => {
    expect(run(['--lameduck', '250ms']).lameduckMs).toBe(250);
    expect(run(['--log-queries']).logQueries).toBe(true);
    expect(run([]).logQueries).toBe(false);
    expect(failure(['--lameduck', 'soon'])).toMatch(/^--lameduck: "soon" is not a duration/);
  });
});
