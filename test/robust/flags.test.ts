// The overload flags: --tcp-max-conns, --tcp-idle-timeout, --rrl and --rrl-slip, from the command
// line and the environment, with one-line errors naming the flag.
import { describe, expect, it } from 'vitest';
import { configParser } from '../helpers/config.js';

const CONTEXT = { embeddedManifests: '/nonexistent/examples', version: 'test' };
const { config, error } = configParser(CONTEXT);

describe('overload flags', () => {
  it('default to 1000 TCP connections, a 30 s idle timeout and no rate limit', () => {
    const c = config([]);
    expect(c.tcpMaxConnections).toBe(1000);
    expect(c.tcpIdleTimeoutMs).toBe(30_000);
    expect(c.rrl).toBeNull();
  });

  it('read the flags and their SVCDNS_ environment variables', () => {
    const c = config(['--tcp-max-conns', '50', '--tcp-idle-timeout', '2500ms', '--rrl', '100', '--rrl-slip', '3']);
    expect(c).toMatchObject({ tcpMaxConnections: 50, tcpIdleTimeoutMs: 2500, rrl: { ratePerSecond: 100, slip: 3 } });
    const e = config([], { SVCDNS_TCP_MAX_CONNS: '7', SVCDNS_TCP_IDLE_TIMEOUT: '1m', SVCDNS_RRL: '10' });
    expect(e).toMatchObject({ tcpMaxConnections: 7, tcpIdleTimeoutMs: 60_000, rrl: { ratePerSecond: 10, slip: 2 } });
  });

  it('turn rate limiting off with --rrl 0', () => {
    expect(config(['--rrl', '0', '--rrl-slip', '1']).rrl).toBeNull();
  });

  it('reject bad values with a line naming the flag', () => {
    expect(error(['--tcp-max-conns', '0'])).toMatch(/^--tcp-max-conns: /);
    expect(error(['--tcp-max-conns', 'many'])).toMatch(/^--tcp-max-conns: /);
    expect(error(['--tcp-idle-timeout', '0s'])).toMatch(/^--tcp-idle-timeout: /);
    expect(error(['--rrl', '-5'])).toMatch(/^--rrl/);
    expect(error(['--rrl-slip', '11'])).toMatch(/^--rrl-slip: /);
  });
});
