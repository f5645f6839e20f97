// End to end against a real upstream (dnsmasq on loopback), asked with the real dig through a small
// UDP front that hands every query to the forwarder.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UpstreamForwarder, type UpstreamForwarderOptions } from '../../src/resolve/forward/forwarder.js';
import { LoopDetector } from '../../src/resolve/forward/loop.js';
import { Rcode, RRType } from '../../src/resolve/message.js';
import { addresses, dig } from '../helpers/dig.js';
import { Dnsmasq } from './dnsmasq.js';
import { Front } from './front.js';

const BIG_STRINGS = 10;
const ZONE = [
  '--host-record=www.outside.test,10.1.2.3',
  '--host-record=cached.outside.test,10.1.2.4',
  '--host-record=edge.outside.test,10.1.2.9',
  '--cname=alias.outside.test,mid.outside.test',
  '--cname=mid.outside.test,edge.outside.test',
  // About 2 KB: above dnsmasq's 1232-byte EDNS limit over UDP, so it truncates.
  `--txt-record=big.outside.test,${Array.from({ length: BIG_STRINGS }, (_, i) => `"${String(i).repeat(200)}"`).join(',')}`,
  '--local-ttl=60',
];

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function upstream(records: readonly string[] = ZONE): Promise<Dnsmasq> {
  const server = await Dnsmasq.start(records);
  cleanups.push(() => server.kill());
  return server;
}

/** A front on a free port answering through a new forwarder with `options`. */
async function front(options: UpstreamForwarderOptions): Promise<{ front: Front; forwarder: UpstreamForwarder }> {
  const f = await Front.start();
  cleanups.push(() => f.close());
  const forwarder = new UpstreamForwarder({ timeoutMs: 1000, ...options });
  cleanups.push(() => forwarder.close());
  f.use(forwarder);
  return { front: f, forwarder };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('forwarding to a real upstream (dnsmasq)', () => {
  it('resolves an outside name, with the TTL capped at cacheMaxTtl', async () => {
    const dm = await upstream();
    const { front: f } = await front({ upstreams: [dm.upstream] });
    const result = await dig('WWW.Outside.Test', 'A', { port: f.port });
    expect(result.status).toBe('NOERROR');
    expect(addresses(result)).toEqual(['10.1.2.3']);
    expect(result.answer[0]!.name).toBe('WWW.Outside.Test.');
    expect(result.answer[0]!.ttl).toBe(30);
  });

  it('answers the second ask from the cache, with a smaller TTL and no upstream query', async () => {
    const dm = await upstream();
    const { front: f, forwarder } = await front({ upstreams: [dm.upstream] });
    const first = await dig('cached.outside.test', 'A', { port: f.port });
    await sleep(1100);
    const second = await dig('cached.outside.test', 'A', { port: f.port });
    expect(addresses(second)).toEqual(['10.1.2.4']);
    expect(second.answer[0]!.ttl).toBeLessThan(first.answer[0]!.ttl);
    expect((await dm.queries()).filter((q) => q.startsWith('query[A] cached.outside.test'))).toHaveLength(1);
    expect(forwarder.stats().cacheHits).toBe(1);
  });

  it('asks the next upstream when the first has been killed', async () => {
    const first = await upstream();
    const second = await upstream();
    const { front: f } = await front({ upstreams: [first.upstream, second.upstream] });
    await first.kill();
    const result = await dig('www.outside.test', 'A', { port: f.port });
    expect(addresses(result)).toEqual(['10.1.2.3']);
    expect(await second.queries()).toContain('query[A] www.outside.test from 127.0.0.1');
  });

  it('answers SERVFAIL within the timeout when every upstream has been killed', async () => {
    const first = await upstream();
    const second = await upstream();
    const { front: f } = await front({ upstreams: [first.upstream, second.upstream], timeoutMs: 500 });
    await first.kill();
    await second.kill();
    const started = Date.now();
    const result = await dig('www.outside.test', 'A', { port: f.port, timeoutSeconds: 3 });
    expect(result.status).toBe('SERVFAIL');
    expect(Date.now() - started).toBeLessThan(2 * 500 + 1000);
  });

  it('with serve-stale, answers from the expired cache entry (TTL 30) when every upstream is down', async () => {
    const dm = await upstream();
    const { front: f, forwarder } = await front({ upstreams: [dm.upstream], cacheMaxTtl: 1, serveStaleMs: 60_000, timeoutMs: 500 });
    expect(addresses(await dig('www.outside.test', 'A', { port: f.port }))).toEqual(['10.1.2.3']);
    await sleep(1100);
    await dm.kill();
    const stale = await dig('www.outside.test', 'A', { port: f.port });
    expect(stale.status).toBe('NOERROR');
    expect(stale.answer.map((r) => [r.data, r.ttl])).toEqual([['10.1.2.3', 30]]);
    expect(forwarder.stats().staleServed).toBe(1);
  });

  it('retries over TCP when the upstream truncates over UDP', async () => {
    const dm = await upstream();
    const { front: f, forwarder } = await front({ upstreams: [dm.upstream] });
    const result = await dig('big.outside.test', 'TXT', { port: f.port, options: ['+bufsize=4096', '+ignore'] });
    expect(result.flags).not.toContain('tc');
    expect(result.answer).toHaveLength(1);
    expect(result.answer[0]!.data.split('" "')).toHaveLength(BIG_STRINGS);
    expect(forwarder.stats().tcpRetries).toBe(1);
  });

  it('answers REFUSED when maxConcurrent queries are already in flight', async () => {
    const dm = await upstream();
    const { front: f, forwarder } = await front({ upstreams: [dm.upstream], maxConcurrent: 1, timeoutMs: 4000 });
    dm.pause();
    const held = dig('www.outside.test', 'A', { port: f.port, timeoutSeconds: 6 });
    await vi.waitFor(() => expect(forwarder.stats().inFlight).toBe(1), { timeout: 3000, interval: 20 });
    const refused = await dig('cached.outside.test', 'A', { port: f.port });
    expect(refused.status).toBe('REFUSED');
    dm.resume();
    expect(addresses(await held)).toEqual(['10.1.2.3']);
  });

  it('caches NXDOMAIN from an authoritative upstream for at most negativeMaxTtl', async () => {
    const dm = await upstream(['--auth-server=ns.outside.test,127.0.0.1', '--auth-zone=outside.test', '--auth-ttl=60', ...ZONE]);
    const { front: f } = await front({ upstreams: [dm.upstream], negativeMaxTtl: 5 });
    const first = await dig('nope.outside.test', 'A', { port: f.port });
    expect(first.status).toBe('NXDOMAIN');
    expect(first.authority[0]).toMatchObject({ type: 'SOA' });
    expect(first.authority[0]!.ttl).toBeLessThanOrEqual(5);
    expect((await dig('nope.outside.test', 'A', { port: f.port })).status).toBe('NXDOMAIN');
    expect((await dm.queries()).filter((q) => q.startsWith('auth[A] nope.outside.test'))).toHaveLength(1);
  });

  it('lookup() of a CNAME chain returns the CNAMEs, then the A record', async () => {
    const dm = await upstream();
    const forwarder = new UpstreamForwarder({ upstreams: [dm.upstream] });
    cleanups.push(() => forwarder.close());
    const result = await forwarder.lookup('alias.outside.test', RRType.A);
    expect(result).toEqual({
      rcode: Rcode.NOERROR,
      truncated: false,
      records: [
        { name: 'alias.outside.test', ttl: 30, class: 1, data: { type: RRType.CNAME, target: 'mid.outside.test' } },
        { name: 'mid.outside.test', ttl: 30, class: 1, data: { type: RRType.CNAME, target: 'edge.outside.test' } },
        { name: 'edge.outside.test', ttl: 30, class: 1, data: { type: RRType.A, address: '10.1.2.9' } },
      ],
    });
  });
});

describe('forwarding-loop detection', () => {
  it('detects a loop when the upstream is our own front door, and names it', async () => {
    const detector = new LoopDetector();
    const f = await Front.start({ loopDetector: detector });
    cleanups.push(() => f.close());
    const forwarder = new UpstreamForwarder({ upstreams: [{ host: '127.0.0.1', port: f.port }], timeoutMs: 1000 });
    cleanups.push(() => forwarder.close());
    f.use(forwarder);
    const result = await detector.check(forwarder);
    expect(result.loop).toBe(true);
    expect(result.upstream).toEqual({ host: '127.0.0.1', port: f.port });
    expect(result.detail).toContain(`127.0.0.1:${f.port}`);
    expect(f.probesSeen).toBe(1);
  });

  it('finds no loop with a real upstream', async () => {
    const dm = await upstream();
    const detector = new LoopDetector();
    const f = await Front.start({ loopDetector: detector });
    cleanups.push(() => f.close());
    const forwarder = new UpstreamForwarder({ upstreams: [dm.upstream], timeoutMs: 1000 });
    cleanups.push(() => forwarder.close());
    f.use(forwarder);
    const result = await detector.check(forwarder);
    expect(result).toMatchObject({ loop: false });
    expect(f.probesSeen).toBe(0);
    expect((await dm.queries()).some((q) => q.includes(detector.probeName))).toBe(true);
  });
});
