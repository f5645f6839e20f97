// The dispatcher: cache validity by generations, rotation per query, size limits, error paths.
import { performance } from 'node:perf_hooks';
import { Packet } from 'dns2';
import { describe, expect, it } from 'vitest';
import type { Answer, Client, Forwarder, Question, Resolver } from '../../../src/resolve/message.js';
import { Rcode, RRType } from '../../../src/resolve/message.js';
import { Dispatcher, NO_QUESTION_TAG, type QueryEvent, type QueryObserver } from '../../../src/wire/dispatcher.js';
import { ReplyScratch } from '../../../src/wire/response.js';
import {
  FakeGenerations, VersionedGenerations, aRecord, addressList, answer, collectingLogger, labels, query, stubCluster, type QuerySpec,
} from '../../wire/support.js';

const UDP: Client = { address: '127.0.0.1', port: 5353, transport: 'udp' };
const TCP: Client = { address: '127.0.0.1', port: 5353, transport: 'tcp' };

interface Harness {
  dispatcher: Dispatcher;
  generations: FakeGenerations;
  calls: Question[];
  events: QueryEvent[];
  logLines: () => Record<string, unknown>[];
}

function harness(resolve: (q: Question) => Answer | Promise<Answer> | null, extra: { forwarder?: Forwarder; maxUdpSize?: number; cacheEntries?: number } = {}): Harness {
  const generations = new FakeGenerations();
  const calls: Question[] = [];
  const events: QueryEvent[] = [];
  const { logger, lines } = collectingLogger();
  const resolver: Resolver = {
    resolve(q) {
      calls.push(q);
      return resolve(q);
    },
  };
  const dispatcher = new Dispatcher({ resolver, generations, logger, observer: { observe: (e) => events.push({ ...e }) }, ...extra });
  return { dispatcher, generations, calls, events, logLines: lines };
}

function ask(h: Harness, spec: QuerySpec, client: Client = UDP): Buffer {
  const reply = h.dispatcher.handle(query(spec), client);
  if (!Buffer.isBuffer(reply)) throw new Error('expected a synchronous reply');
  return reply;
}

function decode(buf: Buffer): Packet {
  const packet = Packet.parse(buf);
  expect(packet.errors).toEqual([]);
  return packet;
}

const rcodeOf = (buf: Buffer): number => buf[3]! & 0x0f;
const tcBit = (buf: Buffer): boolean => (buf[2]! & 0x02) !== 0;
const WEB = labels('web.default.svc.cluster.local');
const FOUR = labels('four.default.svc.cluster.local');
const BIG = labels('big.default.svc.cluster.local');

describe('dispatcher: answers from the resolver', () => {
  it('answers synchronously with the resolver\'s records', () => {
    const h = harness(stubCluster());
    const packet = decode(ask(h, { labels: WEB }));
    expect(packet.header.aa).toBe(1);
    expect(packet.answers.map((r) => [r.name, r.address])).toEqual([['web.default.svc.cluster.local', '10.96.0.10']]);
    expect(h.calls[0]!.lower).toEqual(WEB);
  });

  it('answers NXDOMAIN with the SOA in authority', () => {
    const h = harness(stubCluster());
    const packet = decode(ask(h, { labels: labels('nope.default.svc.cluster.local') }));
    expect(packet.header.rcode).toBe(Rcode.NXDOMAIN);
    expect(packet.authorities[0]!.type).toBe(RRType.SOA);
  });

  it('awaits a resolver Promise (a chased ExternalName)', async () => {
    const h = harness(() => Promise.resolve(answer({ answer: [aRecord('ext.default.svc.cluster.local', '192.0.2.1')] })));
    const reply = await h.dispatcher.handle(query({ labels: labels('ext.default.svc.cluster.local') }), UDP);
    expect(decode(reply!).answers[0]!.address).toBe('192.0.2.1');
  });
});

describe('dispatcher: the encoded-answer cache', () => {
  it('serves a repeated question from the cache without asking the resolver again', () => {
    const h = harness(stubCluster());
    const first = ask(h, { id: 1, labels: WEB });
    const second = ask(h, { id: 2, labels: WEB });
    expect(h.calls).toHaveLength(1);
    expect(second.readUInt16BE(0)).toBe(2);
    expect(second.subarray(2)).toEqual(first.subarray(2));
    expect(h.events.map((e) => e.answeredBy === 'cache')).toEqual([false, true]);
  });

  it('keys on the question bytes as sent: another letter case misses and gets its own case echoed', () => {
    const h = harness(stubCluster());
    ask(h, { labels: WEB });
    const mixed = labels('WeB.DeFaUlT.svc.cluster.local');
    const packet = decode(ask(h, { labels: mixed }));
    expect(h.calls).toHaveLength(2);
    expect(packet.answers[0]!.name).toBe('WeB.DeFaUlT.svc.cluster.local');
  });

  it('keys on type and class too', () => {
    const h = harness(stubCluster());
    ask(h, { labels: WEB, type: RRType.A });
    ask(h, { labels: WEB, type: RRType.AAAA });
    expect(h.calls).toHaveLength(2);
  });

  it('is invalidated when the generation of a key the answer depends on moves', () => {
    let address = '10.96.0.10';
    const h = harness(() => answer({ answer: [aRecord('web.default.svc.cluster.local', address)], dependsOn: ['svc/default/web', 'ns/default'] }));
    ask(h, { labels: WEB });
    address = '10.96.0.99';
    expect(decode(ask(h, { labels: WEB })).answers[0]!.address).toBe('10.96.0.10');
    h.generations.bump('ns/default');
    expect(decode(ask(h, { labels: WEB })).answers[0]!.address).toBe('10.96.0.99');
    expect(h.calls).toHaveLength(2);
    h.generations.bump('unrelated');
    ask(h, { labels: WEB });
    expect(h.calls).toHaveLength(2);
  });

  it('is invalidated when the epoch moves', () => {
    const h = harness(stubCluster());
    ask(h, { labels: WEB });
    h.generations.epoch++;
    ask(h, { labels: WEB });
    expect(h.calls).toHaveLength(2);
    ask(h, { labels: WEB });
    expect(h.calls).toHaveLength(2);
  });

  it('never caches an answer with dependsOn null', () => {
    const h = harness(() => answer({ answer: [aRecord('web.default.svc.cluster.local', '10.0.0.1')], dependsOn: null }));
    ask(h, { labels: WEB });
    ask(h, { labels: WEB });
    expect(h.calls).toHaveLength(2);
  });

  it('does not cache answers that came back as a Promise', async () => {
    const h = harness(() => Promise.resolve(answer({ answer: [aRecord('web.default.svc.cluster.local', '10.0.0.1')] })));
    await h.dispatcher.handle(query({ labels: WEB }), UDP);
    await h.dispatcher.handle(query({ labels: WEB }), UDP);
    expect(h.calls).toHaveLength(2);
  });

  it('can be turned off with cacheEntries 0', () => {
    const h = harness(stubCluster(), { cacheEntries: 0 });
    ask(h, { labels: WEB });
    ask(h, { labels: WEB });
    expect(h.calls).toHaveLength(2);
  });
});

describe('dispatcher: rotation', () => {
  it('rotates a headless answer by one position per query (round-robin, not random)', () => {
    const h = harness(stubCluster());
    const ips = addressList(4);
    const firsts = Array.from({ length: 6 }, () => decode(ask(h, { labels: FOUR })).answers.map((r) => r.address));
    expect(firsts).toEqual([0, 1, 2, 3, 0, 1].map((shift) => [...ips.slice(shift), ...ips.slice(0, shift)]));
  });

  it('rotates before truncating, so successive truncated replies start at successive addresses', () => {
    const h = harness(stubCluster());
    const ips = addressList(100);
    const starts = Array.from({ length: 3 }, () => {
      const reply = ask(h, { labels: BIG });
      expect(tcBit(reply)).toBe(true);
      return decode(reply).answers[0]!.address;
    });
    expect(starts).toEqual(ips.slice(0, 3));
  });

  it('keeps the round-robin position when the answer is rebuilt after a change', () => {
    const h = harness(stubCluster());
    ask(h, { labels: FOUR });
    ask(h, { labels: FOUR });
    h.generations.epoch++;
    const third = decode(ask(h, { labels: FOUR })).answers[0]!.address;
    expect(h.calls).toHaveLength(2);
    expect(third).toBe(addressList(4)[2]);
  });
});

describe('dispatcher: replies in a scratch', () => {
  it('answers from the cache and the resolver into the scratch with the same bytes as without it', () => {
    const plain = harness(stubCluster());
    const shared = harness(stubCluster());
    const scratch = new ReplyScratch();
    for (const spec of [{ labels: FOUR }, { labels: FOUR }, { labels: BIG }, { labels: BIG, edns: { udpSize: 1232 } }]) {
      const own = ask(plain, spec);
      const reply = shared.dispatcher.handle(query(spec), UDP, scratch);
      if (!Buffer.isBuffer(reply)) throw new Error('expected a synchronous reply');
      expect(Buffer.compare(reply, own)).toBe(0);
    }
    // Two questions: every other reply came from the cache.
    expect(shared.calls).toHaveLength(2);
  });

  it('never hands a Promise\'s reply the scratch: a late answer keeps its bytes', async () => {
    const h = harness(() => Promise.resolve(answer({ answer: [aRecord('late.default.svc.cluster.local', '10.9.9.9')] })));
    const scratch = new ReplyScratch();
    const pending = h.dispatcher.handle(query({ labels: labels('late.default.svc.cluster.local') }), UDP, scratch);
    if (Buffer.isBuffer(pending) || pending === null) throw new Error('expected a Promise');
    const late = await pending;
    scratch.take(late!.length).fill(0);
    expect(decode(late!).answers.map((r) => r.address)).toEqual(['10.9.9.9']);
  });
});

describe('dispatcher: size limits', () => {
  it('limits UDP without EDNS to 512 bytes', () => {
    const h = harness(stubCluster());
    const reply = ask(h, { labels: BIG });
    expect(reply.length).toBeLessThanOrEqual(512);
    expect(tcBit(reply)).toBe(true);
  });

  it("limits UDP with EDNS to the client's size, capped by maxUdpSize and never below 512", () => {
    const h = harness(stubCluster(), { maxUdpSize: 1232 });
    const big = ask(h, { labels: BIG, edns: { udpSize: 4096 } });
    expect(big.length).toBeLessThanOrEqual(1232);
    expect(big.length).toBeGreaterThan(1232 - 16);
    expect(tcBit(big)).toBe(true);
    const small = ask(h, { labels: BIG, edns: { udpSize: 700 } });
    expect(small.length).toBeLessThanOrEqual(700);
    expect(small.length).toBeGreaterThan(700 - 16);
    const tiny = ask(h, { labels: BIG, edns: { udpSize: 100 } });
    expect(tiny.length).toBeGreaterThan(512 - 16);
    expect(tiny.length).toBeLessThanOrEqual(512);
  });

  it('allows 65535 bytes over TCP', () => {
    const h = harness(stubCluster());
    const reply = ask(h, { labels: BIG }, TCP);
    expect(tcBit(reply)).toBe(false);
    expect(decode(reply).answers).toHaveLength(100);
  });
});

describe('dispatcher: error replies', () => {
  it('sends nothing for a response or a runt', () => {
    const h = harness(stubCluster());
    expect(h.dispatcher.handle(query({ labels: WEB, flags: 0x8000 }), UDP)).toBeNull();
    expect(h.dispatcher.handle(Buffer.from([1, 2, 3]), UDP)).toBeNull();
    expect(h.events).toEqual([]);
  });

  it('answers FORMERR, NOTIMP, REFUSED and BADVERS without asking the resolver', () => {
    const h = harness(stubCluster());
    expect(rcodeOf(ask(h, { labels: WEB, qdcount: 2 }))).toBe(Rcode.FORMERR);
    const notimp = ask(h, { labels: WEB, flags: 4 << 11 });
    expect(rcodeOf(notimp)).toBe(Rcode.NOTIMP);
    expect((notimp[2]! >> 3) & 0x0f).toBe(4);
    expect(decode(ask(h, { labels: WEB, qclass: 3 })).questions[0]!.class).toBe(3);
    expect(decode(ask(h, { labels: WEB, edns: { version: 2 } })).header.rcode).toBe(Rcode.BADVERS);
    expect(h.calls).toEqual([]);
    expect(h.events.map((e) => e.rcode)).toEqual([Rcode.FORMERR, Rcode.NOTIMP, Rcode.REFUSED, Rcode.BADVERS]);
  });

  it('answers SERVFAIL when the resolver throws, logging once per interval', () => {
    const h = harness(() => {
      throw new Error('boom');
    });
    expect(rcodeOf(ask(h, { labels: WEB }))).toBe(Rcode.SERVFAIL);
    expect(rcodeOf(ask(h, { labels: WEB }))).toBe(Rcode.SERVFAIL);
    expect(h.logLines()).toHaveLength(1);
    expect(h.logLines()[0]).toMatchObject({ level: 'warn', kind: 'resolver' });
  });

  it('answers SERVFAIL when the resolver Promise rejects', async () => {
    const h = harness(() => Promise.reject(new Error('upstream down')));
    const reply = await h.dispatcher.handle(query({ labels: WEB }), UDP);
    expect(rcodeOf(reply!)).toBe(Rcode.SERVFAIL);
  });

  it('answers SERVFAIL when the answer cannot be encoded', () => {
    const h = harness(() => answer({ answer: [aRecord('web.default.svc.cluster.local', 'not-an-ip')] }));
    const packet = decode(ask(h, { labels: WEB, edns: {} }));
    expect(packet.header.rcode).toBe(Rcode.SERVFAIL);
    expect(packet.questions[0]!.name).toBe('web.default.svc.cluster.local');
    expect(packet.additionals[0]!.type).toBe(41);
  });
});

describe('dispatcher: names that are not ours', () => {
  const outside = labels('example.com');

  it('answers REFUSED when there is no forwarder', () => {
    const h = harness(stubCluster());
    expect(rcodeOf(ask(h, { labels: outside }))).toBe(Rcode.REFUSED);
  });

  it('returns what the forwarder gives, for the raw query', async () => {
    const seen: Buffer[] = [];
    const upstreamReply = Buffer.from('upstream-reply-bytes');
    const h = harness(stubCluster(), {
      forwarder: {
        forward: (q) => {
          seen.push(q);
          return Promise.resolve(upstreamReply);
        },
      },
    });
    const raw = query({ labels: outside });
    expect(await h.dispatcher.handle(raw, UDP)).toBe(upstreamReply);
    expect(seen[0]).toEqual(raw);
  });

  it("sends a forwarder's immediate reply (a cached outside answer) at once, counted as the forwarder's", () => {
    const cached = Buffer.from(query({ labels: outside }));
    cached[2] = 0x81;
    const h = harness(stubCluster(), { forwarder: { forward: () => cached } });
    expect(h.dispatcher.handle(query({ labels: outside }), UDP)).toBe(cached);
    expect(h.events.map((e) => e.answeredBy)).toEqual(['forwarder']);
    const nothing = harness(stubCluster(), { forwarder: { forward: () => null } });
    const reply = nothing.dispatcher.handle(query({ labels: outside }), UDP);
    if (!Buffer.isBuffer(reply)) throw new Error('expected a reply at once');
    expect(rcodeOf(reply)).toBe(Rcode.SERVFAIL);
  });

  it('answers SERVFAIL when the forwarder gives null or rejects', async () => {
    const nothing = harness(stubCluster(), { forwarder: { forward: () => Promise.resolve(null) } });
    expect(rcodeOf((await nothing.dispatcher.handle(query({ labels: outside }), UDP))!)).toBe(Rcode.SERVFAIL);
    const failing = harness(stubCluster(), { forwarder: { forward: () => Promise.reject(new Error('timeout')) } });
    expect(rcodeOf((await failing.dispatcher.handle(query({ labels: outside }), UDP))!)).toBe(Rcode.SERVFAIL);
  });
});

describe('dispatcher: observer', () => {
  it('reports transport, qtype, rcode, sizes, who answered, the question bytes and the arrival time', () => {
    const h = harness(stubCluster());
    const before = performance.now();
    const asked = query({ labels: WEB, type: RRType.A });
    const reply = ask(h, { labels: WEB, type: RRType.A }, TCP);
    expect(h.events).toEqual([{
      transport: 'tcp', qtype: RRType.A, rcode: 0, requestBytes: asked.length, responseBytes: reply.length,
      query: asked, questionEnd: asked.length, startedAt: expect.any(Number),
      client: TCP, answeredBy: 'resolver', answerCount: reply.readUInt16BE(6), questionTag: NO_QUESTION_TAG,
    }]);
    expect(h.events[0]!.startedAt >= before).toBe(true);
  });

  it('hands every observer the same event object, refilled per query (observers keep nothing)', () => {
    const seen: QueryEvent[] = [];
    const dispatcher = new Dispatcher({
      resolver: { resolve: stubCluster() }, generations: new FakeGenerations(), logger: collectingLogger().logger,
      observer: { observe: (e) => seen.push(e) },
    });
    dispatcher.handle(query({ labels: WEB, type: RRType.A }), UDP);
    dispatcher.handle(query({ labels: WEB, type: RRType.AAAA }), UDP);
    expect(seen[0]).toBe(seen[1]);
    expect(seen[1]!.qtype).toBe(RRType.AAAA);
  });

  // The metrics tag a question with its zone, so that hits from the cache skip finding it again.
  function tagging(questionTag: QueryObserver['questionTag']): { events: QueryEvent[]; dispatcher: Dispatcher } {
    const events: QueryEvent[] = [];
    const dispatcher = new Dispatcher({
      resolver: { resolve: stubCluster() }, generations: new VersionedGenerations(), logger: collectingLogger().logger,
      observer: { observe: (e) => events.push({ ...e }), questionTag },
    });
    return { events, dispatcher };
  }

  it('hands back the tag the observer gave a question when its answer was cached, from the slab and from the Map', () => {
    const asked: string[] = [];
    // WEB's answer fits the slab; BIG's hundred addresses take the Map's path.
    const { events, dispatcher } = tagging((q) => {
      asked.push(q.toString('latin1', 13, 16));
      return q.toString('latin1', 13, 16) === 'web' ? 7 : 9;
    });
    for (const name of [WEB, WEB, WEB, BIG, BIG]) dispatcher.handle(query({ labels: name }), TCP);
    expect(events.map((e) => [e.answeredBy, e.questionTag])).toEqual([['resolver', 7], ['cache', 7], ['cache', 7], ['resolver', 9], ['cache', 9]]);
    // Asked once per answer cached, not per query.
    expect(asked).toEqual(['web', 'big']);
  });

  it.each([[255], [-2], [1.5], [Number.NaN]])('keeps no tag out of range (%s)', (tag) => {
    const { events, dispatcher } = tagging(() => tag);
    for (let i = 0; i < 2; i++) dispatcher.handle(query({ labels: WEB }), UDP);
    expect(events.map((e) => e.questionTag)).toEqual([NO_QUESTION_TAG, NO_QUESTION_TAG]);
  });

  it('reports no question (questionEnd 0, qtype 0) for a FORMERR without one', () => {
    const h = harness(stubCluster());
    const header = Buffer.from([0, 7, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    h.dispatcher.handle(header, UDP);
    expect(h.events.map((e) => [e.rcode, e.questionEnd, e.qtype])).toEqual([[Rcode.FORMERR, 0, 0]]);
  });

  it('is optional', () => {
    const dispatcher = new Dispatcher({ resolver: { resolve: stubCluster() }, generations: new FakeGenerations(), logger: collectingLogger().logger });
    expect(Buffer.isBuffer(dispatcher.handle(query({ labels: WEB }), UDP))).toBe(true);
  });
});
