// --log-queries: one line per answered query while enabled, nothing while disabled.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { QueryLog, fanOut } from '../../../src/admin/query-log.js';
import { createLogger } from '../../../src/logger.js';
import type { QueryEvent } from '../../../src/wire/dispatcher.js';

function collect(): { logger: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('info', stream), lines };
}

const EVENT: QueryEvent = {
  transport: 'tcp', qtype: 33, rcode: 3, requestBytes: 60, responseBytes: 140, cacheHit: false, startedAt: 1_000n,
  client: { address: 'fd00::9', port: 4242, transport: 'tcp' },
  question: { labels: ['_http', '_tcp', 'Web', 'default', 'svc', 'cluster', 'local'], lower: [], type: 33, class: 1 },
  answeredBy: 'resolver', answerCount: 0,
};

describe('QueryLog', () => {
  it('logs client, name as asked, type, rcode, sizes and duration when enabled', () => {
    const { logger, lines } = collect();
    const log = new QueryLog(logger, true, () => 2_501_000n);
    log.observe(EVENT);
    expect(lines).toEqual([expect.objectContaining({
      level: 'info', msg: 'query', client: 'fd00::9', port: 4242, proto: 'tcp', name: '_http._tcp.Web.default.svc.cluster.local.',
      type: 'SRV', rcode: 'NXDOMAIN', answers: 0, by: 'resolver', requestBytes: 60, responseBytes: 140, durationMs: 2.5,
    })]);
  });

  it('logs nothing while disabled, and can be switched at run time', () => {
    const { logger, lines } = collect();
    const log = new QueryLog(logger, false);
    log.observe(EVENT);
    expect(lines).toEqual([]);
    log.enabled = true;
    log.observe(EVENT);
    expect(lines).toHaveLength(1);
  });

  it('fanOut hands each event to every observer', () => {
    const seen: string[] = [];
    const both = fanOut([{ observe: () => seen.push('a') }, { observe: () => seen.push('b') }]);
    both.observe(EVENT);
    expect(seen).toEqual(['a', 'b']);
  });
});
