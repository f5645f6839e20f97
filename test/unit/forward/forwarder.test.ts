// The forwarder against scripted upstreams on loopback: relaying, matching, cache, coalescing,
// capacity, failover, serve-stale and lookups for ExternalName chasing.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UpstreamForwarder, type UpstreamForwarderOptions } from '../../../src/resolve/forward/forwarder.js';
import type { ForwardLogger } from '../../../src/resolve/forward/logger.js';
import { createLogger } from '../../../src/logger.js';
import { Rcode, RRType } from '../../../src/resolve/message.js';
import { FakeClock, FakeUpstream, decode, message, replyTo, soa, tcpClient, udpClient, type Script } from './support.js';

const opened: { close(): unknown }[] = [];

async function upstream(script: Script): Promise<FakeUpstream> {
  const fake = await FakeUpstream.start(script);
  opened.push(fake);
  return fake;
}

function forwarder(options: UpstreamForwarderOptions): UpstreamForwarder {
  const f = new UpstreamForwarder({ timeoutMs: 300, healthCheckIntervalMs: 0, ...options });
  opened.push(f);
  return f;
}

afterEach(async () => {
  for (const o of opened.splice(0)) await o.close();
});

const A = (name: string, address: string, ttl = 20) => ({ name, type: RRType.A, ttl, address });
const answerA: Script = (q) => replyTo(q, { answers: [A(decode(q).questions[0]!.name, '192.0.2.1')] });

function ask(name: string, type: number = RRType.A, extra: { id?: number; rd?: boolean; edns?: { do?: boolean; udp?: number } } = {}): Buffer {
  return message({ name, type, id: extra.id ?? 0xbeef, rd: extra.rd ?? true, ...(extra.edns ? { edns: extra.edns } : {}) });
}

describe('relaying a query', () => {
  it("sends the client's query with a fresh ID and RD set, and restores the client's ID, RD and letter case", async () => {
    const up = await upstream((q) => {
      const p = decode(q);
      const name = p.questions[0]!.name.toLowerCase();
      return message({ id: p.header.id, name, type: RRType.A, response: true, answers: [A(name, '192.0.2.1')] });
    });
    const f = forwarder({ upstreams: [up.upstream] });
    const query = ask('WwW.ExAmPlE.CoM', RRType.A, { id: 0x4242, rd: false });
    const reply = await f.forward(query, udpClient);
    expect(up.received).toHaveLength(1);
    expect(up.received[0]!.readUInt16BE(0)).not.toBe(0x4242);
    expect(decode(up.received[0]!).header.rd).toBe(1);
    const p = decode(reply!);
    expect(p.header.id).toBe(0x4242);
    expect(p.header.rd).toBe(0);
    expect(p.header.qr).toBe(1);
    expect(p.questions[0]!.name).toBe('WwW.ExAmPlE.CoM');
    expect(p.answers.map((r) => r.address)).toEqual(['192.0.2.1']);
  });

  it('ignores replies with another ID or another question, and takes the one that matches', async () => {
    const up = await upstream((q) => {
      const wrongId = Buffer.from(replyTo(q, { answers: [A('www.example.com', '198.51.100.6')] }));
      wrongId.writeUInt16BE((wrongId.readUInt16BE(0) + 1) & 0xffff, 0);
      const wrongQuestion = message({ id: q.readUInt16BE(0), name: 'evil.example.com', type: RRType.A, response: true, answers: [A('evil.example.com', '198.51.100.7')] });
      return [wrongId, wrongQuestion, replyTo(q, { answers: [A('www.example.com', '192.0.2.1')] })];
    });
    const f = forwarder({ upstreams: [up.upstream] });
    const reply = await f.forward(ask('www.example.com'), udpClient);
    expect(decode(reply!).answers.map((r) => r.address)).toEqual(['192.0.2.1']);
  });

  it('relays an upstream SERVFAIL as it is, without caching it', async () => {
    const up = await upstream((q) => replyTo(q, { rcode: Rcode.SERVFAIL }));
    const f = forwarder({ upstreams: [up.upstream] });
    for (let i = 0; i < 2; i++) {
      const reply = await f.forward(ask('broken.example'), udpClient);
      expect(decode(reply!).header.rcode).toBe(Rcode.SERVFAIL);
    }
    expect(up.received).toHaveLength(2);
  });

  it('answers a UDP client whose size limit the reply exceeds with TC set and no records', async () => {
    const many = Array.from({ length: 40 }, (_, i) => A('many.example', `192.0.2.${i + 1}`));
    const up = await upstream((q) => replyTo(q, { answers: many, edns: { udp: 4096 } }));
    const f = forwarder({ upstreams: [up.upstream] });
    const big = await f.forward(ask('many.example', RRType.A, { edns: { udp: 4096 } }), udpClient);
    expect(decode(big!).answers).toHaveLength(40);
    const overTcp = await f.forward(ask('many.example', RRType.A, { edns: { udp: 512 } }), tcpClient);
    expect(decode(overTcp!).answers).toHaveLength(40);
    const small = await f.forward(ask('many.example', RRType.A, { edns: { udp: 512 } }), udpClient);
    const p = decode(small!);
    expect(p.header.tc).toBe(1);
    expect(p.answers).toHaveLength(0);
    expect(p.additionals.filter((r) => r.type === RRType.OPT)).toHaveLength(1);
  });

  it('accepts a pino logger', () => {
    const logger: ForwardLogger = createLogger('silent');
    expect(typeof logger.warn).toBe('function');
  });
});

describe('the response cache in front of the upstreams', () => {
  it('serves a repeat from the cache with the TTL counted down by the elapsed seconds', async () => {
    const clock = new FakeClock();
    const up = await upstream((q) => replyTo(q, { answers: [A('www.example.com', '192.0.2.1', 20)] }));
    const f = forwarder({ upstreams: [up.upstream], now: clock.now });
    const first = await f.forward(ask('www.example.com'), udpClient);
    expect(decode(first!).answers[0]!.ttl).toBe(20);
    clock.advance(6);
    const second = await f.forward(ask('WWW.example.com', RRType.A, { id: 7 }), udpClient);
    const p = decode(second!);
    expect(up.received).toHaveLength(1);
    expect(p.header.id).toBe(7);
    expect(p.questions[0]!.name).toBe('WWW.example.com');
    expect(p.answers[0]!.ttl).toBe(14);
    expect(f.stats().cacheHits).toBe(1);
    clock.advance(15);
    await f.forward(ask('www.example.com'), udpClient);
    expect(up.received).toHaveLength(2);
  });

  it('answers a fresh cached repeat at once, without a Promise; a miss is a Promise', async () => {
    const up = await upstream(answerA);
    const f = forwarder({ upstreams: [up.upstream] });
    const miss = f.forward(ask('now.example.com'), udpClient);
    expect(miss).toBeInstanceOf(Promise);
    await miss;
    const hit = f.forward(ask('now.example.com', RRType.A, { id: 9 }), udpClient);
    if (!Buffer.isBuffer(hit)) throw new Error('expected the cached reply at once');
    expect(decode(hit).header.id).toBe(9);
    expect(decode(hit).answers.map((r) => r.address)).toEqual(['192.0.2.1']);
    expect(up.received).toHaveLength(1);
  });

  it('caches NXDOMAIN no longer than negativeMaxTtl', async () => {
    const clock = new FakeClock();
    const up = await upstream((q) => replyTo(q, { rcode: Rcode.NXDOMAIN, authorities: [soa('example.com', 300, 300)] }));
    const f = forwarder({ upstreams: [up.upstream], now: clock.now, negativeMaxTtl: 3 });
    const nx = () => f.forward(ask('nope.example.com'), udpClient);
    expect(decode((await nx())!).header.rcode).toBe(Rcode.NXDOMAIN);
    clock.advance(2);
    const cachedReply = decode((await nx())!);
    expect(cachedReply.authorities[0]!.ttl).toBe(1);
    expect(up.received).toHaveLength(1);
    clock.advance(1);
    await nx();
    expect(up.received).toHaveLength(2);
  });

  it('keeps answers with and without the DO bit apart', async () => {
    const up = await upstream(answerA);
    const f = forwarder({ upstreams: [up.upstream] });
    await f.forward(ask('www.example.com', RRType.A, { edns: { do: false } }), udpClient);
    await f.forward(ask('www.example.com', RRType.A, { edns: { do: true } }), udpClient);
    await f.forward(ask('www.example.com', RRType.A, { edns: { do: true } }), udpClient);
    expect(up.received).toHaveLength(2);
  });

  it('sends identical concurrent misses upstream once', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const up = await upstream(async (q) => {
      await gate;
      return answerA(q, 0);
    });
    const f = forwarder({ upstreams: [up.upstream] });
    const replies = Promise.all([1, 2, 3].map((id) => f.forward(ask('Www.Example.Com', RRType.A, { id }), udpClient)));
    await vi.waitFor(() => expect(up.received).toHaveLength(1), { timeout: 2000 });
    release();
    const done = await replies;
    expect(up.received).toHaveLength(1);
    expect(done.map((r) => decode(r!).header.id)).toEqual([1, 2, 3]);
    expect(done.map((r) => decode(r!).answers[0]!.address)).toEqual(['192.0.2.1', '192.0.2.1', '192.0.2.1']);
    expect(f.stats().coalesced).toBe(2);
  });
});

describe('capacity and failures', () => {
  it('answers REFUSED beyond maxConcurrent exchanges in flight', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const up = await upstream(async (q) => {
      await gate;
      return answerA(q, 0);
    });
    const f = forwarder({ upstreams: [up.upstream], maxConcurrent: 1, timeoutMs: 5000 });
    const held = f.forward(ask('one.example'), udpClient);
    const refused = await f.forward(ask('Two.Example', RRType.A, { id: 99, edns: {} }), udpClient);
    const p = decode(refused!);
    expect(p.header.rcode).toBe(Rcode.REFUSED);
    expect(p.header.id).toBe(99);
    expect(p.header.qr).toBe(1);
    expect(p.questions[0]!.name).toBe('Two.Example');
    expect(p.additionals.filter((r) => r.type === RRType.OPT)).toHaveLength(1);
    release();
    expect(decode((await held)!).header.rcode).toBe(Rcode.NOERROR);
  });

  it('after a timeout asks the next upstream, and skips the failed one once marked down', async () => {
    const silent = await upstream(() => null);
    const good = await upstream(answerA);
    const f = forwarder({ upstreams: [silent.upstream, good.upstream], maxFails: 1 });
    const reply = await f.forward(ask('a.example'), udpClient);
    expect(decode(reply!).answers).toHaveLength(1);
    expect(silent.received).toHaveLength(1);
    expect(f.stats().upstreams.map((u) => u.healthy)).toEqual([false, true]);
    await f.forward(ask('b.example'), udpClient);
    expect(silent.received).toHaveLength(1);
    expect(good.received).toHaveLength(2);
  });

  it('a closed upstream port fails at once (ICMP) and the next upstream answers', async () => {
    const gone = await upstream(() => null);
    const port = gone.upstream;
    await gone.close();
    const good = await upstream(answerA);
    const f = forwarder({ upstreams: [port, good.upstream], timeoutMs: 30_000 });
    const reply = await f.forward(ask('a.example'), udpClient);
    expect(decode(reply!).answers).toHaveLength(1);
  });

  it('still tries every upstream when all are marked down, and resolves null when all fail', async () => {
    const one = await upstream(() => null);
    const two = await upstream(() => null);
    const f = forwarder({ upstreams: [one.upstream, two.upstream], maxFails: 1, timeoutMs: 100 });
    expect(await f.forward(ask('a.example'), udpClient)).toBeNull();
    expect(f.stats().upstreams.every((u) => !u.healthy)).toBe(true);
    expect(await f.forward(ask('b.example'), udpClient)).toBeNull();
    expect(one.received).toHaveLength(2);
    expect(two.received).toHaveLength(2);
  });

  it('probes an upstream marked down with ". NS" and takes it back when it answers', async () => {
    let alive = false;
    const flaky = await upstream((q) => (alive ? replyTo(q, { rcode: Rcode.REFUSED }) : null));
    const good = await upstream(answerA);
    const f = forwarder({ upstreams: [flaky.upstream, good.upstream], maxFails: 1, timeoutMs: 100, healthCheckIntervalMs: 50 });
    await f.forward(ask('a.example'), udpClient);
    expect(f.stats().upstreams[0]!.healthy).toBe(false);
    alive = true;
    await vi.waitFor(() => expect(f.stats().upstreams[0]!.healthy).toBe(true), { timeout: 3000, interval: 25 });
    const probe = decode(flaky.received.at(-1)!);
    expect(probe.questions[0]).toMatchObject({ name: '', type: RRType.NS });
  });

  it('serves an expired answer with TTL 30 when every upstream fails inside the serve-stale window', async () => {
    const clock = new FakeClock();
    let alive = true;
    const up = await upstream((q) => (alive ? replyTo(q, { answers: [A('www.example.com', '192.0.2.1', 10)] }) : null));
    const f = forwarder({ upstreams: [up.upstream], now: clock.now, serveStaleMs: 60_000, timeoutMs: 100 });
    await f.forward(ask('www.example.com'), udpClient);
    alive = false;
    clock.advance(30);
    const stale = decode((await f.forward(ask('www.example.com'), udpClient))!);
    expect(stale.answers.map((r) => [r.address, r.ttl])).toEqual([['192.0.2.1', 30]]);
    expect(f.stats().staleServed).toBe(1);
    clock.advance(60);
    expect(await f.forward(ask('www.example.com'), udpClient)).toBeNull();
  });
});

describe('lookup() for ExternalName targets', () => {
  it('returns the answer section decoded: CNAME then A, AAAA in compressed text, SRV, TXT', async () => {
    const up = await upstream((q) => {
      const type = decode(q).questions[0]!.type;
      if (type === RRType.A) {
        return replyTo(q, { answers: [{ name: 'ext.example.com', type: RRType.CNAME, ttl: 40, domain: 'edge.example.net' }, A('edge.example.net', '192.0.2.9', 20)] });
      }
      if (type === RRType.AAAA) return replyTo(q, { answers: [{ name: 'ext.example.com', type: RRType.AAAA, ttl: 20, address: '2001:db8:0:0:1:0:0:1' }] });
      if (type === RRType.SRV) return replyTo(q, { answers: [{ name: 'ext.example.com', type: RRType.SRV, ttl: 20, priority: 1, weight: 2, port: 443, target: 'edge.example.net' }] });
      return replyTo(q, { answers: [{ name: 'ext.example.com', type: RRType.TXT, ttl: 20, data: ['v=1', 'hello'] }] });
    });
    const f = forwarder({ upstreams: [up.upstream] });
    const a = await f.lookup('ext.example.com', RRType.A);
    expect(a).toEqual({
      rcode: Rcode.NOERROR, truncated: false,
      records: [
        { name: 'ext.example.com', ttl: 20, class: 1, data: { type: RRType.CNAME, target: 'edge.example.net' } },
        { name: 'edge.example.net', ttl: 20, class: 1, data: { type: RRType.A, address: '192.0.2.9' } },
      ],
    });
    expect((await f.lookup('ext.example.com.', RRType.AAAA))?.records[0]?.data).toEqual({ type: RRType.AAAA, address: '2001:db8::1:0:0:1' });
    expect((await f.lookup('ext.example.com', RRType.SRV))?.records[0]?.data).toEqual({ type: RRType.SRV, priority: 1, weight: 2, port: 443, target: 'edge.example.net' });
    expect((await f.lookup('ext.example.com', RRType.TXT))?.records[0]?.data).toEqual({ type: RRType.TXT, strings: ['v=1', 'hello'] });
  });

  it('returns the upstream rcode with no records for NXDOMAIN, and null when no upstream answers', async () => {
    const up = await upstream((q) => replyTo(q, { rcode: Rcode.NXDOMAIN, authorities: [soa('example.com', 60, 60)] }));
    const f = forwarder({ upstreams: [up.upstream] });
    expect(await f.lookup('nope.example.com', RRType.A)).toEqual({ rcode: Rcode.NXDOMAIN, records: [], truncated: false });
    const silent = await upstream(() => null);
    const g = forwarder({ upstreams: [silent.upstream], timeoutMs: 100 });
    expect(await g.lookup('a.example', RRType.A)).toBeNull();
    expect(await g.lookup('bad..name', RRType.A)).toBeNull();
  });

  it("spells the owner names as looked up, even when the cached reply came from a client's MiXeD case query", async () => {
    // Owner names as the upstream received the question: compressed against it, or written out in its case.
    const up = await upstream((q) => {
      const asked = decode(q).questions[0]!.name;
      return replyTo(q, { answers: [{ name: asked, type: RRType.CNAME, ttl: 40, domain: `edge.${asked}` }, A(`edge.${asked}`, '192.0.2.9')] });
    });
    const f = forwarder({ upstreams: [up.upstream] });
    await f.forward(ask('EXT.Example.COM', RRType.A, { edns: {} }), udpClient);
    const result = await f.lookup('ext.example.com', RRType.A);
    expect(up.received).toHaveLength(1);
    expect(result?.records.map((r) => r.name)).toEqual(['ext.example.com', 'edge.ext.example.com']);
  });

  it('reports truncated when the upstream truncates over UDP and has no TCP to retry on', async () => {
    const up = await upstream((q) => replyTo(q, { tc: true, answers: [A('big.example', '192.0.2.1')] }));
    const f = forwarder({ upstreams: [up.upstream] });
    const result = await f.lookup('big.example', RRType.A);
    expect(result?.truncated).toBe(true);
    expect(result?.records).toHaveLength(1);
    expect(f.stats().tcpRetries).toBe(1);
  });
});
