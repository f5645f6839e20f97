// --workers: the flag, the role a worker reads from its environment, the IPC message checks, and the
// /metrics page the supervisor merges from the workers' pages. (The processes themselves:
// test/e2e/workers.test.ts.)
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { configParser } from '../helpers/config.js';
import { mergeMetricPages } from '../../src/workers/metrics-merge.js';
import { isSupervisorRequest, isWorkerMessage, WORKER_ENV, workerRoleFromEnv } from '../../src/workers/protocol.js';

const context = { embeddedManifests: '/opt/svcdns/examples', version: '0.0.0-test' };
const { config } = configParser(context);

describe('--workers', () => {
  it('is 1 by default: this process answers alone', () => {
    expect(config([]).workers).toBe(1);
  });

  it('takes a count from 1 to 64', () => {
    expect(config(['--workers', '4']).workers).toBe(4);
    expect(config(['--workers', '64']).workers).toBe(64);
  });

  it('rejects 0, more than 64 and non-numbers with a one-line error naming the flag', () => {
    for (const bad of ['0', '65', 'two']) {
      expect(() => config(['--workers', bad])).toThrow(ConfigError);
      expect(() => config(['--workers', bad])).toThrow(/^--workers: /);
    }
  });
});

describe('workerRoleFromEnv', () => {
  it('is null in a process that is not a worker', () => {
    expect(workerRoleFromEnv({})).toBeNull();
  });

  it('reads the index and the addresses to share', () => {
    const role = { index: 1, listen: [{ host: '127.0.0.1', port: 5353 }, { host: '::1', port: 5353 }] };
    expect(workerRoleFromEnv({ [WORKER_ENV]: JSON.stringify(role) })).toEqual(role);
  });

  it('ignores a value that is not a role rather than guessing', () => {
    for (const text of ['nonsense', '{}', '{"index":"1","listen":[]}', '{"index":0,"listen":[{"host":1,"port":2}]}']) {
      expect(workerRoleFromEnv({ [WORKER_ENV]: text })).toBeNull();
    }
  });
});

describe('IPC messages', () => {
  it('accepts only well-formed worker messages', () => {
    expect(isWorkerMessage({ type: 'ready' })).toBe(true);
    expect(isWorkerMessage({ type: 'reply', id: 3, reply: { status: 200, contentType: 'text/plain', body: 'x' } })).toBe(true);
    expect(isWorkerMessage({ type: 'reply', id: 3, reply: { status: '200', contentType: 'text/plain', body: 'x' } })).toBe(false);
    expect(isWorkerMessage({ type: 'other' })).toBe(false);
    expect(isWorkerMessage(null)).toBe(false);
  });

  it('accepts only well-formed supervisor requests', () => {
    expect(isSupervisorRequest({ type: 'request', id: 1, url: '/metrics' })).toBe(true);
    expect(isSupervisorRequest({ type: 'request', id: 1 })).toBe(false);
    expect(isSupervisorRequest('request')).toBe(false);
  });
});

describe('mergeMetricPages', () => {
  const page = (requests: number, hits: number): string => [
    '# HELP coredns_dns_requests_total Counter of DNS requests.',
    '# TYPE coredns_dns_requests_total counter',
    `coredns_dns_requests_total{zone="cluster.local.",proto="udp"} ${requests}`,
    '# HELP coredns_cache_hits_total Hits.',
    '# TYPE coredns_cache_hits_total counter',
    `coredns_cache_hits_total ${hits}`,
    '# HELP svcdns_empty Labels written as {}.',
    '# TYPE svcdns_empty gauge',
    'svcdns_empty{} 1',
    '',
  ].join('\n');

  it('labels every sample with its worker and keeps each family together under one HELP and TYPE', () => {
    expect(mergeMetricPages([page(5, 2), page(7, 3)], [0, 1])).toBe([
      '# HELP coredns_dns_requests_total Counter of DNS requests.',
      '# TYPE coredns_dns_requests_total counter',
      'coredns_dns_requests_total{worker="0",zone="cluster.local.",proto="udp"} 5',
      'coredns_dns_requests_total{worker="1",zone="cluster.local.",proto="udp"} 7',
      '# HELP coredns_cache_hits_total Hits.',
      '# TYPE coredns_cache_hits_total counter',
      'coredns_cache_hits_total{worker="0"} 2',
      'coredns_cache_hits_total{worker="1"} 3',
      '# HELP svcdns_empty Labels written as {}.',
      '# TYPE svcdns_empty gauge',
      'svcdns_empty{worker="0"} 1',
      'svcdns_empty{worker="1"} 1',
      '',
    ].join('\n'));
  });

  it('names workers by their number, not their position (a restarting worker is left out)', () => {
    expect(mergeMetricPages([page(1, 1)], [3])).toContain('coredns_cache_hits_total{worker="3"} 1');
  });

  it('gives an empty page when no worker answered', () => {
    expect(mergeMetricPages([], [])).toBe('');
  });
});
