// The forwarding flags of the config: defaults, values, environment and one-line errors.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import { configParser } from '../../helpers/config.js';

const context = { embeddedManifests: '/opt/svcdns/examples', version: '0.0.0', cwd: '/srv/app' };
const { config, error } = configParser(context);

describe('forwarding flags', () => {
  it('default to resolv.conf, 2 s, 1000 in flight, 30 s / 5 s cache caps, no serve-stale, private ranges', () => {
    expect(config([]).forward).toEqual({
      resolvConf: '/etc/resolv.conf',
      timeoutMs: 2000,
      maxConcurrent: 1000,
      cacheMaxTtl: 30,
      negativeMaxTtl: 5,
      serveStaleMs: 0,
      allowRecursion: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', '::1/128', 'fc00::/7', 'fe80::/10'],
    });
  });

  it('take values from the command line', () => {
    const forward = config([
      '--resolv-conf', 'etc/resolv.conf', '--forward-timeout', '500ms', '--max-concurrent', '20', '--cache-max-ttl', '60',
      '--negative-max-ttl', '1', '--serve-stale', '1h', '--allow-recursion', '10.1.0.0/16,FD00::/8', '--allow-recursion', '192.0.2.7',
    ]).forward;
    expect(forward).toEqual({
      resolvConf: '/srv/app/etc/resolv.conf', timeoutMs: 500, maxConcurrent: 20, cacheMaxTtl: 60, negativeMaxTtl: 1,
      serveStaleMs: 3_600_000, allowRecursion: ['10.1.0.0/16', 'fd00::/8', '192.0.2.7/32'],
    });
  });

  it('take values from SVCDNS_ environment variables', () => {
    const forward = config([], { SVCDNS_ALLOW_RECURSION: '0.0.0.0/0,::/0', SVCDNS_SERVE_STALE: '30s', SVCDNS_FORWARD_TIMEOUT: '1' }).forward;
    expect(forward.allowRecursion).toEqual(['0.0.0.0/0', '::/0']);
    expect(forward.serveStaleMs).toBe(30_000);
    expect(forward.timeoutMs).toBe(1000);
  });

  it('--serve-stale off and 0 both turn it off', () => {
    expect(config(['--serve-stale', 'off']).forward.serveStaleMs).toBe(0);
    expect(config(['--serve-stale', '0']).forward.serveStaleMs).toBe(0);
  });

  it('reject bad values with one line naming the flag', () => {
    expect(error(['--forward-timeout', '0'])).toBe('--forward-timeout: "0" must be more than 0');
    expect(error(['--forward-timeout', 'soon'])).toMatch(/^--forward-timeout: "soon" is not a duration/);
    expect(error(['--max-concurrent', '0'])).toBe('--max-concurrent: "0" is not a whole number of queries (1-1000000)');
    expect(error(['--cache-max-ttl', '1.5'])).toMatch(/^--cache-max-ttl: "1.5" is not a whole number of seconds/);
    expect(error(['--negative-max-ttl', '0'])).toMatch(/^--negative-max-ttl: "0" is not a whole number of seconds/);
    expect(error(['--allow-recursion', '10.0.0.0/8,internal'])).toBe('--allow-recursion: "internal" is not a CIDR such as 10.0.0.0/8 or fd00::/8');
  });

  it('are listed in --help', () => {
    const outcome = parseConfig(['--help'], {}, context);
    const text = outcome.action === 'help' ? outcome.text : '';
    for (const flag of ['resolv-conf', 'forward-timeout', 'max-concurrent', 'cache-max-ttl', 'negative-max-ttl', 'serve-stale', 'allow-recursion']) {
      expect(text).toContain(`--${flag}`);
    }
  });
});
