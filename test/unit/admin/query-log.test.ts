// --log-queries: one line per answered query while enabled, nothing while disabled.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { QueryLog, metricsThenLog, questionName } from '../../../src/admin/query-log.js';
import { createLogger } from '../../../src/logger.js';
import { NO_QUESTION_TAG, type QueryEvent } from '../../../src/wire/dispatcher.js';

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

/** A query packet as a client sends it: header, then the question `name` (as written, "" = root), QTYPE, QCLASS IN. */
function queryPacket(name: string, qtype: number): { query: Buffer; questionEnd: number } {
  const parts = [Buffer.from([0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0])];
  for (const label of name.split('.').filter(Boolean)) parts.push(Buffer.from([label.length]), Buffer.from(label, 'latin1'));
  parts.push(Buffer.from([0, qtype >> 8, qtype & 255, 0, 1]));
  const query = Buffer.concat(parts);
  return { query, questionEnd: query.length };
}

function srvEvent(): QueryEvent {
  return {
    transport: 'tcp', qtype: 33, rcode: 3, requestBytes: 60, responseBytes: 140, startedAt: 1_000,
    ...queryPacket('_http._tcp.Web.default.svc.cluster.local', 33),
    client: { address: 'fd00::9', port: 4242, transport: 'tcp' },
    answeredBy: 'resolver', answerCount: 0, questionTag: NO_QUESTION_TAG,
  };
}

const EVENT = srvEvent();

describe('QueryLog', () => {
  it('logs client, name as asked, type, rcode, sizes and duration when enabled', () => {
    const { logger, lines } = collect();
    const log = new QueryLog(logger, true, () => 1_002.5);
    log.observe(EVENT);
    expect(lines).toEqual([expect.objectContaining({
      level: 'info', msg: 'query', client: 'fd00::9', port: 4242, proto: 'tcp', name: '_http._tcp.Web.default.svc.cluster.local.',
      type: 'SRV', rcode: 'NXDOMAIN', answers: 0, by: 'resolver', requestBytes: 60, responseBytes: 140, durationMs: 2.5,
    })]);
  });

  it('logs the root name as "." and a query without a readable question with name null', () => {
    const { logger, lines } = collect();
    const log = new QueryLog(logger, true, () => 1_001);
    log.observe({ ...EVENT, qtype: 2, rcode: 0, ...queryPacket('', 2) });
    log.observe({ ...EVENT, qtype: 0, rcode: 1, answeredBy: 'error', query: Buffer.alloc(12), questionEnd: 0 });
    expect(lines).toEqual([
      expect.objectContaining({ name: '.', type: 'NS', rcode: 'NOERROR', durationMs: 1 }),
      expect.objectContaining({ name: null, type: 'TYPE0', rcode: 'FORMERR', by: 'error' }),
    ]);
  });

  it('copies what it logs during observe(): the dispatcher reuses the event and the query buffer', () => {
    const { logger, lines } = collect();
    const log = new QueryLog(logger, true, () => 1_002.5);
    const event = srvEvent() as { -readonly [K in keyof QueryEvent]: QueryEvent[K] };
    log.observe(event);
    event.query.fill(0x41);
    Object.assign(event, { rcode: 0, qtype: 1, answerCount: 7, startedAt: 0 });
    expect(lines).toEqual([expect.objectContaining({
      name: '_http._tcp.Web.default.svc.cluster.local.', type: 'SRV', rcode: 'NXDOMAIN', answers: 0, durationMs: 2.5,
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

  it('metricsThenLog hands every event to the metrics, and to the log only while it is on', () => {
    const { logger, lines } = collect();
    const log = new QueryLog(logger, false);
    const seen: QueryEvent[] = [];
    const both = metricsThenLog({ observe: (event) => seen.push(event) }, log);
    both.observe(EVENT);
    expect(seen).toEqual([EVENT]);
    expect(lines).toEqual([]);
    log.enabled = true;
    both.observe(EVENT);
    expect(seen).toHaveLength(2);
    expect(lines).toEqual([expect.objectContaining({ rcode: 'NXDOMAIN', type: 'SRV' })]);
  });

  it('metricsThenLog tags questions as the metrics do, and with none when the metrics give none', () => {
    const log = new QueryLog(collect().logger, true);
    const { query, questionEnd } = queryPacket('web.default.svc.cluster.local', 1);
    expect(metricsThenLog({ observe: () => {}, questionTag: (q, end) => end - q[12]! }, log).questionTag!(query, questionEnd)).toBe(questionEnd - 3);
    expect(metricsThenLog({ observe: () => {} }, log).questionTag!(query, questionEnd)).toBe(NO_QUESTION_TAG);
  });
});

describe('questionName', () => {
  it('decodes the name as asked, with its letter case and a trailing dot', () => {
    const { query, questionEnd } = queryPacket('Web.Default.svc.cluster.local', 1);
    expect(questionName(query, questionEnd)).toBe('Web.Default.svc.cluster.local.');
  });

  it('is null without a readable question or when the name runs past questionEnd', () => {
    const { query, questionEnd } = queryPacket('web.svc.cluster.local', 1);
    expect(questionName(query, 0)).toBeNull();
    expect(questionName(query, questionEnd - 6)).toBeNull();
    expect(questionName(query.subarray(0, 20), questionEnd)).toBeNull();
  });
});
