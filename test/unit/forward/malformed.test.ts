// The forwarder against upstreams that send malformed replies to our queries: each such reply is a
// failed exchange with that upstream (the next is asked, or the client gets SERVFAIL), counted in the
// stats, never cached and never relayed; junk after the last record is cut before anything else.
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamForwarder, type UpstreamForwarderOptions } from '../../../src/resolve/forward/forwarder.js';
import type { ForwardLogger } from '../../../src/resolve/forward/logger.js';
import { RRType } from '../../../src/resolve/message.js';
import { FakeUpstream, decode, message, replyTo, udpClient, type Script } from './support.js';

const opened: { close(): unknown }[] = [];

async function upstream(script: Script): Promise<FakeUpstream> {
  const fake = await FakeUpstream.start(script);
  opened.push(fake);
  return fake;
}

/** A logger that keeps the failures the forwarder logs, to see why an exchange failed. */
function failureLog(): { logger: ForwardLogger; failures: unknown[] } {
  const failures: unknown[] = [];
  const keep = (obj: object): void => {
    if ('failure' in obj) failures.push(obj.failure);
  };
  return { logger: { debug: keep, info: () => {}, warn: keep, error: () => {} }, failures };
}

function forwarder(options: UpstreamForwarderOptions): UpstreamForwarder {
  // A long timeout: a malformed reply must fail its exchange at once, not when the timer runs out.
  const f = new UpstreamForwarder({ timeoutMs: 30_000, healthCheckIntervalMs: 0, ...options });
  opened.push(f);
  return f;
}

afterEach(async () => {
  for (const o of opened.splice(0)) await o.close();
});

const NAME = 'www.example.com';
/** dns2 writes the question from 12 to 33 and the answer's owner as a pointer to 12 at 33. */
const OWNER = 33;

function soundReply(q: Buffer): Buffer {
  const reply = replyTo(q, { answers: [{ name: NAME, type: RRType.A, ttl: 20, address: '192.0.2.1' }] });
  if (reply.readUInt16BE(OWNER) !== 0xc00c || reply.length !== OWNER + 16) throw new Error('unexpected dns2 layout');
  return reply;
}

/** Each malformed shape, made from the sound reply to one query. */
const SHAPES: Record<string, (sound: Buffer) => Buffer> = {
  'a record cut off': (r) => r.subarray(0, r.length - 2),
  'a pointer forward': (r) => withWord(r, OWNER, 0xc000 | 200),
  'a pointer at itself': (r) => withWord(r, OWNER, 0xc000 | OWNER),
  'a pointer loop (back to its own name)': (r) => Buffer.concat([r.subarray(0, OWNER), Buffer.from([1, 0x61, 0xc0, OWNER]), r.subarray(OWNER + 2)]),
  'an RDLENGTH past the end': (r) => withWord(r, OWNER + 10, 300),
  'an answer count above the records present': (r) => withWord(r, 6, 2),
  'QR clear': (r) => withWord(r, 2, r.readUInt16BE(2) & 0x7fff),
  'another opcode': (r) => withWord(r, 2, r.readUInt16BE(2) | (4 << 11)),
};

function withWord(buf: Buffer, offset: number, value: number): Buffer {
  const out = Buffer.from(buf);
  out.writeUInt16BE(value, offset);
  return out;
}

const ask = (id = 0xbeef): Buffer => message({ id, name: NAME, type: RRType.A });

describe('a malformed reply is a failed exchange with that upstream', () => {
  for (const [shape, malform] of Object.entries(SHAPES)) {
    it(`${shape}: the next upstream is asked and its answer relayed; the failure is counted`, async () => {
      const bad = await upstream((q) => malform(soundReply(q)));
      const good = await upstream((q) => soundReply(q));
      const { logger, failures } = failureLog();
      const f = forwarder({ upstreams: [bad.upstream, good.upstream], logger });
      const reply = await f.forward(ask(), udpClient);
      const p = decode(reply!);
      expect(p.header.id).toBe(0xbeef);
      expect(p.answers.map((r) => r.address)).toEqual(['192.0.2.1']);
      expect(bad.received).toHaveLength(1);
      expect(good.received).toHaveLength(1);
      expect(f.stats()).toMatchObject({ upstreamFailures: 1, exhausted: 0 });
      expect(failures).toEqual(['malformed']);
    });
  }

  it('when every upstream sends malformed replies the client gets nothing to relay (SERVFAIL), and nothing is cached', async () => {
    const one = await upstream((q) => SHAPES['a pointer at itself']!(soundReply(q)));
    const two = await upstream((q) => SHAPES['a record cut off']!(soundReply(q)));
    const f = forwarder({ upstreams: [one.upstream, two.upstream] });
    expect(await f.forward(ask(), udpClient)).toBeNull();
    expect(await f.forward(ask(), udpClient)).toBeNull();
    expect(f.stats()).toMatchObject({ upstreamFailures: 4, exhausted: 2, cacheEntries: 0, cacheHits: 0 });
    expect(one.received).toHaveLength(2);
  });

  it('an upstream that keeps sending malformed replies is marked down like one that times out', async () => {
    const bad = await upstream((q) => SHAPES['QR clear']!(soundReply(q)));
    const good = await upstream((q) => soundReply(q));
    const f = forwarder({ upstreams: [bad.upstream, good.upstream], maxFails: 1 });
    await f.forward(ask(), udpClient);
    expect(f.stats().upstreams.map((u) => u.healthy)).toEqual([false, true]);
  });

  it('lookup() gets null, not records, from a malformed reply', async () => {
    const bad = await upstream((q) => SHAPES['an RDLENGTH past the end']!(replyTo(q, { answers: [{ name: 'ext.example.com', type: RRType.A, ttl: 20, address: '192.0.2.1' }] })));
    const f = forwarder({ upstreams: [bad.upstream] });
    expect(await f.lookup('ext.example.com', RRType.A)).toBeNull();
    expect(f.stats().upstreamFailures).toBe(1);
  });
});

describe('junk after the last record', () => {
  it('is cut from the reply relayed, and from the one then served from the cache', async () => {
    let sound: Buffer = Buffer.alloc(0);
    const up = await upstream((q) => {
      sound = soundReply(q);
      return Buffer.concat([sound, Buffer.from([0xc0, 0xff, 1, 2, 3, 4, 5, 6, 7])]);
    });
    const f = forwarder({ upstreams: [up.upstream] });
    for (let i = 0; i < 2; i++) {
      const reply = await f.forward(ask(0x1000 + i), udpClient);
      expect(reply!.length).toBe(sound.length);
      expect(decode(reply!).answers.map((r) => r.address)).toEqual(['192.0.2.1']);
    }
    expect(up.received).toHaveLength(1);
    expect(f.stats()).toMatchObject({ cacheHits: 1, upstreamFailures: 0 });
  });
});
