// The response cache: what is cached for how long, TTLs counted down in what is served, LRU bounds.
import { describe, expect, it } from 'vitest';
import { ResponseCache, STALE_TTL_SECONDS, renderCached, toCachedReply, type CachePolicy } from '../../../src/resolve/forward/cache.js';
import { walkMessage } from '../../../src/resolve/forward/walk.js';
import { Rcode, RRType } from '../../../src/resolve/message.js';
import { FakeClock, decode, message, soa, type MessageSpec } from './support.js';

const policy: CachePolicy = { maxTtl: 30, negativeMaxTtl: 5 };

function cached(spec: Omit<MessageSpec, 'response'>, now = 1_000_000) {
  const wire = message({ ...spec, response: true });
  const walk = walkMessage(wire);
  if (!walk.ok) throw new Error(walk.problem);
  return toCachedReply(wire, walk.spans, policy, now);
}

const ttls = (buf: Buffer): number[] => {
  const p = decode(buf);
  return [...p.answers, ...p.authorities].map((r) => r.ttl);
};

describe('what is cached, and for how long', () => {
  it('a positive answer is fresh for the smallest record TTL', () => {
    const entry = cached({
      name: 'www.example.com', type: RRType.A,
      answers: [{ name: 'www.example.com', type: RRType.A, ttl: 20, address: '192.0.2.1' }, { name: 'www.example.com', type: RRType.A, ttl: 12, address: '192.0.2.2' }],
    });
    expect(entry?.lifetime).toBe(12);
  });

  it('a positive answer with long TTLs is capped at cacheMaxTtl, and so are the TTLs served', () => {
    const entry = cached({ name: 'www.example.com', type: RRType.A, answers: [{ name: 'www.example.com', type: RRType.A, ttl: 3600, address: '192.0.2.1' }] });
    expect(entry?.lifetime).toBe(30);
    expect(ttls(renderCached(entry!, 1_000_000, false))).toEqual([30]);
  });

  it('renders each served copy into memory of its own, not the shared Buffer pool, leaving the entry as it was', () => {
    const entry = cached({ name: 'www.example.com', type: RRType.A, answers: [{ name: 'www.example.com', type: RRType.A, ttl: 3600, address: '192.0.2.1' }] })!;
    const before = Buffer.from(entry.wire);
    const copy = renderCached(entry, 1_000_000 + 5_000, false);
    expect(copy.buffer.byteLength).toBe(copy.length);
    expect(ttls(copy)).toEqual([25]);
    expect(entry.wire.equals(before)).toBe(true);
  });

  it('NXDOMAIN is cached for min(SOA minimum, SOA TTL, negativeMaxTtl)', () => {
    const nx = (soaTtl: number, minimum: number) =>
      cached({ name: 'nope.example.com', type: RRType.A, rcode: Rcode.NXDOMAIN, authorities: [soa('example.com', soaTtl, minimum)] })?.lifetime;
    expect(nx(3600, 3)).toBe(3);
    expect(nx(2, 3600)).toBe(2);
    expect(nx(3600, 3600)).toBe(5);
  });

  it('NODATA (NOERROR, empty answer, SOA) is cached like NXDOMAIN', () => {
    const entry = cached({ name: 'www.example.com', type: RRType.AAAA, authorities: [soa('example.com', 60, 60)] });
    expect(entry?.lifetime).toBe(5);
  });

  it('negative answers without a SOA are not cached (RFC 2308 §5)', () => {
    expect(cached({ name: 'nope.example.com', type: RRType.A, rcode: Rcode.NXDOMAIN })).toBeNull();
    expect(cached({ name: 'www.example.com', type: RRType.AAAA })).toBeNull();
  });

  it('SERVFAIL, REFUSED and truncated replies are not cached', () => {
    expect(cached({ name: 'www.example.com', type: RRType.A, rcode: Rcode.SERVFAIL })).toBeNull();
    expect(cached({ name: 'www.example.com', type: RRType.A, rcode: Rcode.REFUSED })).toBeNull();
    expect(cached({ name: 'www.example.com', type: RRType.A, tc: true, answers: [{ name: 'www.example.com', type: RRType.A, ttl: 20, address: '192.0.2.1' }] })).toBeNull();
  });

  it('an answer with a TTL of 0 is not cached', () => {
    expect(cached({ name: 'www.example.com', type: RRType.A, answers: [{ name: 'www.example.com', type: RRType.A, ttl: 0, address: '192.0.2.1' }] })).toBeNull();
  });
});

/** `base` (without additional records) with these appended as its additional section. */
function withAdditional(base: Buffer, ...records: Buffer[]): Buffer {
  const wire = Buffer.concat([base, ...records]);
  wire.writeUInt16BE(records.length, 10);
  return wire;
}

/** An OPT record carrying a cookie option (dns2 cannot encode one). */
const optWithCookie = Buffer.concat([Buffer.from([0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 20, 0, 10, 0, 16]), Buffer.alloc(16, 7)]);

describe('EDNS options of the upstream reply', () => {
  const base = message({ name: 'www.example.com', type: RRType.A, response: true, answers: [{ name: 'www.example.com', type: RRType.A, ttl: 20, address: '192.0.2.1' }] });

  function entryFor(wire: Buffer) {
    const walk = walkMessage(wire);
    if (!walk.ok) throw new Error(walk.problem);
    return { entry: toCachedReply(wire, walk.spans, policy, 1_000_000)!, spans: walk.spans };
  }

  it('a cookie is dropped when the OPT record ends the message; the OPT record itself stays', () => {
    const wire = withAdditional(base, optWithCookie);
    const { entry } = entryFor(wire);
    expect(entry.wire.length).toBe(wire.length - 20);
    const p = decode(entry.wire);
    expect(p.errors).toEqual([]);
    expect(p.additionals.map((r) => [r.type, r.class])).toEqual([[RRType.OPT, 1232]]);
    expect(entry.wire.readUInt16BE(entry.wire.length - 2)).toBe(0); // RDLENGTH of the OPT
    expect(p.answers[0]?.address).toBe('192.0.2.1');
  });

  it('with records after the OPT, it is blanked into one padding option of the same length, so pointers after it still lead where they did', () => {
    // Two more additional records after the OPT, the second's owner a pointer to the first's.
    const glueAt = base.length + optWithCookie.length;
    const record = (owner: number[], last: number): Buffer => Buffer.from([...owner, 0, 1, 0, 1, 0, 0, 0, 20, 0, 4, 192, 0, 2, last]);
    const wire = withAdditional(base, optWithCookie, record([2, 0x6e, 0x73, 0xc0, 0x10], 53), record([0xc0, glueAt], 54)); // ns.example.com
    const { entry, spans } = entryFor(wire);
    expect(entry.wire.length).toBe(wire.length);
    expect(walkMessage(entry.wire).ok).toBe(true);
    const p = decode(entry.wire);
    expect(p.errors).toEqual([]);
    expect(p.additionals.map((r) => [r.name, r.type])).toEqual([['', RRType.OPT], ['ns.example.com', RRType.A], ['ns.example.com', RRType.A]]);
    const opt = spans.find((r) => r.type === RRType.OPT)!;
    expect(entry.wire.subarray(opt.rdataOffset, opt.rdataOffset + opt.rdataLength)).toEqual(Buffer.concat([Buffer.from([0, 12, 0, 16]), Buffer.alloc(16)]));
  });
});

describe('TTLs counted down in what is served', () => {
  const spec = {
    name: 'www.example.com', type: RRType.A,
    answers: [
      { name: 'www.example.com', type: RRType.CNAME, ttl: 25, domain: 'edge.example.net' },
      { name: 'edge.example.net', type: RRType.A, ttl: 20, address: '192.0.2.1' },
    ],
  };

  it('each record loses the whole seconds elapsed since it was stored, never below 0', () => {
    const entry = cached(spec, 1_000_000)!;
    expect(ttls(renderCached(entry, 1_000_000, false))).toEqual([20, 20]);
    expect(ttls(renderCached(entry, 1_000_000 + 7_900, false))).toEqual([13, 13]);
    expect(ttls(renderCached(entry, 1_000_000 + 60_000, false))).toEqual([0, 0]);
  });

  it('a record with a TTL below the entry lifetime keeps its own, smaller TTL', () => {
    const entry = cached({
      ...spec,
      answers: [spec.answers[0]!],
      authorities: [{ name: 'example.net', type: RRType.NS, ttl: 3600, ns: 'ns1.example.net' }],
    })!;
    expect(entry.lifetime).toBe(25);
    expect(ttls(renderCached(entry, 1_000_000 + 5_000, false))).toEqual([20, 20]);
  });

  it(`a stale answer is served with TTL ${STALE_TTL_SECONDS} (RFC 8767)`, () => {
    const entry = cached(spec)!;
    expect(ttls(renderCached(entry, 1_000_000 + 600_000, true))).toEqual([STALE_TTL_SECONDS, STALE_TTL_SECONDS]);
  });
});

describe('ResponseCache', () => {
  const entryFor = (name: string, now: number, ttl = 20) =>
    cached({ name, type: RRType.A, answers: [{ name, type: RRType.A, ttl, address: '192.0.2.1' }] }, now)!;

  it('an entry is fresh for its lifetime, then gone without serve-stale', () => {
    const clock = new FakeClock();
    const cache = new ResponseCache({ maxEntries: 10, maxBytes: 1 << 20, serveStaleMs: 0, now: clock.now });
    cache.set('k', entryFor('a.example', clock.ms));
    clock.advance(19);
    expect(cache.get('k')?.fresh).toBe(true);
    clock.advance(1);
    expect(cache.get('k')).toBeUndefined();
  });

  it('with serve-stale, an expired entry is kept (not fresh) for the stale window, then dropped', () => {
    const clock = new FakeClock();
    const cache = new ResponseCache({ maxEntries: 10, maxBytes: 1 << 20, serveStaleMs: 60_000, now: clock.now });
    cache.set('k', entryFor('a.example', clock.ms));
    clock.advance(21);
    expect(cache.get('k')?.fresh).toBe(false);
    clock.advance(60);
    expect(cache.get('k')).toBeUndefined();
  });

  it('fresh() hands the entry over only within its lifetime, and leaves a stale one for get()', () => {
    const clock = new FakeClock();
    const cache = new ResponseCache({ maxEntries: 10, maxBytes: 1 << 20, serveStaleMs: 60_000, now: clock.now });
    const entry = entryFor('a.example', clock.ms);
    cache.set('k', entry);
    expect(cache.fresh('k', clock.ms + 19_999)).toBe(entry);
    expect(cache.fresh('k', clock.ms + 20_000)).toBeUndefined();
    clock.advance(21);
    expect(cache.get('k')).toEqual({ entry, fresh: false });
    expect(cache.fresh('k', clock.ms + 60_000)).toBeUndefined();
    expect(cache.get('k')).toBeUndefined();
  });

  it('holds at most maxEntries, evicting the least recently used', () => {
    const clock = new FakeClock();
    const cache = new ResponseCache({ maxEntries: 3, maxBytes: 1 << 20, serveStaleMs: 0, now: clock.now });
    for (const name of ['a', 'b', 'c']) cache.set(name, entryFor(`${name}.example`, clock.ms));
    cache.get('a');
    cache.set('d', entryFor('d.example', clock.ms));
    expect(cache.size).toBe(3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('d')).toBeDefined();
  });

  it('holds at most maxBytes, counting wire bytes and bookkeeping', () => {
    const clock = new FakeClock();
    const one = entryFor('x.example', clock.ms);
    const perEntry = one.wire.length + 200;
    const cache = new ResponseCache({ maxEntries: 1000, maxBytes: perEntry * 4, serveStaleMs: 0, now: clock.now });
    for (let i = 0; i < 50; i++) cache.set(`k${i}`, entryFor(`n${i}.example`, clock.ms));
    expect(cache.bytes).toBeLessThanOrEqual(perEntry * 4);
    expect(cache.size).toBeGreaterThan(0);
    expect(cache.size).toBeLessThan(50);
    expect(cache.get('k49')).toBeDefined();
    expect(cache.get('k0')).toBeUndefined();
  });

  it('maxEntries 0 turns the cache off', () => {
    const clock = new FakeClock();
    const cache = new ResponseCache({ maxEntries: 0, maxBytes: 1 << 20, serveStaleMs: 0, now: clock.now });
    cache.set('k', entryFor('a.example', clock.ms));
    expect(cache.get('k')).toBeUndefined();
  });
});
