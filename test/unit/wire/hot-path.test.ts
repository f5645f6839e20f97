// The hot path's shortcuts: scanQuery (the cache path's header read) never disagrees with
// parseQuery, the answer cache stays within its bounds and skips key checks only while nothing in
// the zone changed, and a reply from the cache path is the reply the full path gives.
import { Packet } from 'dns2';
import { describe, expect, it } from 'vitest';
import type { Answer, Client } from '../../../src/resolve/message.js';
import { RRType } from '../../../src/resolve/message.js';
import { AnswerCache, hashBytes } from '../../../src/wire/cache.js';
import { Dispatcher, type QueryEvent } from '../../../src/wire/dispatcher.js';
import { AnswerEncoder } from '../../../src/wire/encode.js';
import { newQueryHead, parseQuery, scanQuery } from '../../../src/wire/query.js';
import { aRecord, answer, collectingLogger, labels, query, seededRandom, VersionedGenerations, type QuerySpec } from '../../wire/support.js';

const NAME = labels('web.default.svc.cluster.local');
const UDP: Client = { address: '127.0.0.1', port: 5353, transport: 'udp' };
const TCP: Client = { address: '127.0.0.1', port: 5353, transport: 'tcp' };

/** What scanQuery read, with the offsets of the name's labels as a plain array. */
function scan(buf: Buffer) {
  const head = newQueryHead();
  if (!scanQuery(buf, head)) return null;
  const { labelStarts, labelCount, ...rest } = head;
  return { ...rest, labelStarts: [...labelStarts.subarray(0, labelCount)] };
}

/** What parseQuery read, in scan()'s shape: the label offsets follow from the parsed labels. */
function expected(parsed: ReturnType<typeof parseQuery>) {
  const labelStarts: number[] = [];
  let at = 12;
  for (const label of parsed.question!.labels) {
    labelStarts.push(at);
    at += 1 + Buffer.byteLength(label, 'latin1');
  }
  return { id: parsed.id, opcode: 0, rd: parsed.rd, cd: parsed.cd, questionEnd: parsed.questionEnd, edns: parsed.edns, labelStarts };
}

describe('scanQuery', () => {
  const plain: [string, QuerySpec][] = [
    ['a plain A query', { labels: NAME }],
    ['letters in any case, RD and CD set', { id: 0xbeef, labels: labels('WeB.Default.svc.CLUSTER.local'), flags: 0x0110 }],
    ['the root name', { labels: [], type: RRType.NS }],
    ['EDNS with the DO bit', { labels: NAME, edns: { udpSize: 4096, dnssecOk: true } }],
    ['EDNS with a cookie option', { labels: NAME, edns: { options: Buffer.from([0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]) } }],
    ['a 63-byte label', { labels: ['x'.repeat(63), 'local'] }],
  ];
  for (const [what, spec] of plain) {
    it(`reads ${what} exactly as parseQuery does`, () => {
      const buf = query(spec);
      const head = scan(buf);
      const parsed = parseQuery(buf);
      expect(parsed.status).toBe('ok');
      expect(head).toEqual(expected(parsed));
    });
  }

  const unusual: [string, Buffer][] = [
    ['a response', query({ labels: NAME, flags: 0x8100 })],
    ['another opcode', query({ labels: NAME, flags: 0x2100 })],
    ['two questions', query({ labels: NAME, qdcount: 2 })],
    ['class CH', query({ labels: NAME, qclass: 3 })],
    ['EDNS version 1', query({ labels: NAME, edns: { version: 1 } })],
    ['another additional record', query({ labels: NAME, additional: [Buffer.from([0, 0, 250, 0, 255, 0, 0, 0, 0, 0, 0])] })],
    ['a truncated name', query({ labels: NAME }).subarray(0, 20)],
    ['a runt', Buffer.alloc(11)],
  ];
  for (const [what, buf] of unusual) {
    it(`leaves ${what} to parseQuery`, () => {
      expect(scan(buf)).toBeNull();
    });
  }

  it('leaves a compression pointer in the question and a name over 255 bytes to parseQuery', () => {
    const pointer = Buffer.concat([query({ labels: [] }).subarray(0, 12), Buffer.from([0xc0, 12, 0, 1, 0, 1])]);
    expect(scan(pointer)).toBeNull();
    expect(scan(query({ labels: Array.from({ length: 5 }, () => 'y'.repeat(63)) }))).toBeNull();
  });

  it('never accepts what parseQuery rejects, and agrees with it on what it accepts (mutated queries)', () => {
    const random = seededRandom(7);
    const seeds = [query({ labels: NAME }), query({ labels: NAME, edns: { udpSize: 1400, dnssecOk: true } })];
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const buf = Buffer.from(seeds[i % 2]!);
      for (let flips = 1 + Math.floor(random() * 3); flips > 0; flips--) buf[Math.floor(random() * buf.length)] = Math.floor(random() * 256);
      const head = scan(buf);
      if (head === null) continue;
      accepted++;
      const parsed = parseQuery(buf);
      expect(parsed.status).toBe('ok');
      expect(head).toEqual(expected(parsed));
    }
    expect(accepted).toBeGreaterThan(1000);
  });
});

/** A message whose question bytes (from offset 12) are `key`, for the cache's byte-keyed API. */
function msg(key: string): [Buffer, number] {
  const buf = Buffer.from(`${'\0'.repeat(12)}${key}`, 'latin1');
  return [buf, buf.length];
}

function encoded(address = '10.0.0.1') {
  return new AnswerEncoder().encode(answer({ answer: [aRecord(NAME.join('.'), address)] }), NAME, 12 + 31 + 4);
}

describe('AnswerCache', () => {
  const ALWAYS = (): number => 0;
  const NEVER = (): number => 0.99;

  it('holds at most maxEntries entries', () => {
    const cache = new AnswerCache({ generations: new VersionedGenerations(), maxEntries: 4, maxBytes: 1 << 20 }, ALWAYS);
    for (let i = 0; i < 10; i++) cache.store(...msg(`key${i}`), encoded(), ['svc'], 1, 0);
    expect(cache.size).toBeLessThanOrEqual(4);
    expect(cache.find(...msg('key9'))).toBeDefined();
    expect(cache.find(...msg('key0'))).toBeUndefined();
  });

  it('keeps an entry that is used while newer ones arrive', () => {
    const cache = new AnswerCache({ generations: new VersionedGenerations(), maxEntries: 4, maxBytes: 1 << 20 }, ALWAYS);
    cache.store(...msg('hot'), encoded(), ['svc'], 1, 0);
    for (let i = 0; i < 20; i++) {
      cache.store(...msg(`cold${i}`), encoded(), ['svc'], 1, 0);
      expect(cache.find(...msg('hot'))).toBeDefined();
    }
  });

  it('stays within its byte budget', () => {
    const one = encoded();
    const cache = new AnswerCache({ generations: new VersionedGenerations(), maxEntries: 1000, maxBytes: 2000 }, ALWAYS);
    for (let i = 0; i < 100; i++) cache.store(...msg(`key${i}`), one, ['svc'], 1, 0);
    const perEntry = cache.store(...msg('probe'), one, ['svc'], 1, 0).size;
    expect(cache.size * perEntry).toBeLessThanOrEqual(2000);
  });

  it('once full, admits a question it never held only when chosen, but always replaces one it holds', () => {
    let admit = true;
    const cache = new AnswerCache({ generations: new VersionedGenerations(), maxEntries: 4, maxBytes: 1 << 20 }, () => (admit ? ALWAYS() : NEVER()));
    for (let i = 0; i < 4; i++) cache.store(...msg(`key${i}`), encoded(), ['svc'], 1, 0);
    expect(cache.find(...msg('key3'))).toBeDefined();
    admit = false;
    cache.store(...msg('newcomer'), encoded(), ['svc'], 1, 0);
    expect(cache.find(...msg('newcomer'))).toBeUndefined();
    const replacement = encoded('10.0.0.9');
    cache.store(...msg('key3'), replacement, ['svc'], 1, 0);
    expect(cache.find(...msg('key3'))?.ends).toBe(replacement.ends);
    admit = true;
    cache.store(...msg('newcomer'), encoded(), ['svc'], 1, 0);
    expect(cache.find(...msg('newcomer'))).toBeDefined();
  });

  it('tells two questions with the same hash apart: they take turns, never answer for each other', () => {
    // Seed 0 (ALWAYS): find two keys whose hashes collide.
    const seen = new Map<number, string>();
    let pair: [string, string] | null = null;
    for (let i = 0; pair === null; i++) {
      const [buf, end] = msg(`name-${i}`);
      const hash = hashBytes(buf, 12, end, 0);
      const other = seen.get(hash);
      if (other !== undefined) pair = [other, `name-${i}`];
      seen.set(hash, `name-${i}`);
    }
    const cache = new AnswerCache({ generations: new VersionedGenerations(), maxEntries: 100, maxBytes: 1 << 20 }, ALWAYS);
    const [first, second] = pair;
    cache.store(...msg(first), encoded('10.0.0.1'), ['svc'], 1, 0);
    expect(cache.find(...msg(second))).toBeUndefined();
    cache.store(...msg(second), encoded('10.0.0.2'), ['svc'], 1, 0);
    const found = cache.find(...msg(second));
    expect(found?.records.slice(0, found.questionBytes)).toBe(second);
    expect(cache.find(...msg(first))).toBeUndefined();
  });

  it('admits everything while it is filling up', () => {
    const cache = new AnswerCache({ generations: new VersionedGenerations(), maxEntries: 100, maxBytes: 1 << 20 }, NEVER);
    for (let i = 0; i < 50; i++) cache.store(...msg(`key${i}`), encoded(), ['svc'], 1, 0);
    expect(cache.size).toBe(50);
  });

  it('checks the keys of an entry only when the zone has changed since its last check', () => {
    const generations = new VersionedGenerations();
    const cache = new AnswerCache({ generations, maxEntries: 10, maxBytes: 1 << 20 });
    const entry = cache.store(...msg('k'), encoded(), ['svc', 'other'], 1, 0);
    expect(cache.isCurrent(entry)).toBe(true);
    const reads = generations.reads;
    expect(cache.isCurrent(entry)).toBe(true);
    expect(generations.reads).toBe(reads);
    generations.bump('unrelated');
    expect(cache.isCurrent(entry)).toBe(true);
    expect(generations.reads).toBe(reads + 2);
    generations.bump('svc');
    expect(cache.isCurrent(entry)).toBe(false);
  });

  it('turns stale when the epoch moves even if a source reports no version', () => {
    const generations = { epoch: 1, generation: () => 0 };
    const cache = new AnswerCache({ generations, maxEntries: 10, maxBytes: 1 << 20 });
    const entry = cache.store(...msg('k'), encoded(), [], 1, 0);
    expect(cache.isCurrent(entry)).toBe(true);
    generations.epoch = 2;
    expect(cache.isCurrent(entry)).toBe(false);
  });
});

describe('dispatcher: the cache path', () => {
  function harness(resolve: () => Answer) {
    const events: QueryEvent[] = [];
    const generations = new VersionedGenerations();
    const dispatcher = new Dispatcher({
      resolver: { resolve }, generations, logger: collectingLogger().logger, observer: { observe: (e) => events.push({ ...e }) },
    });
    const ask = (spec: QuerySpec): Buffer => dispatcher.handle(query(spec), UDP) as Buffer;
    return { events, generations, ask, dispatcher };
  }

  it('answers a repeat with the bytes the resolver path gave, under the new ID', () => {
    const h = harness(() => answer({ answer: [aRecord('WeB.default.svc.cluster.local', '10.0.0.1')], dependsOn: ['svc'] }));
    const spec = { labels: labels('WeB.default.svc.cluster.local'), edns: { udpSize: 1400, dnssecOk: true } };
    const first = h.ask({ ...spec, id: 1 });
    const second = h.ask({ ...spec, id: 2 });
    expect(h.events.map((e) => e.answeredBy)).toEqual(['resolver', 'cache']);
    expect(second.readUInt16BE(0)).toBe(2);
    expect(second.subarray(2)).toEqual(first.subarray(2));
  });

  it('tells the observer the question as asked on a cache hit', () => {
    const h = harness(() => answer({ answer: [aRecord('WeB.default.svc.cluster.local', '10.0.0.1')], dependsOn: ['svc'] }));
    h.ask({ labels: labels('WeB.default.svc.cluster.local') });
    h.ask({ labels: labels('WeB.default.svc.cluster.local') });
    const hit = h.events[1]!;
    expect(hit).toMatchObject({ answeredBy: 'cache', qtype: RRType.A, answerCount: 1, transport: 'udp' });
    // The question bytes as sent: the name in the client's letter case, then QTYPE A and QCLASS IN.
    expect(hit.query.toString('latin1', 12, hit.questionEnd)).toBe('\x03WeB\x07default\x03svc\x07cluster\x05local\x00\x00\x01\x00\x01');
  });

  it('rotates a large cached answer (300 records over TCP) one position per query', () => {
    const many = Array.from({ length: 300 }, (_, i) => `10.1.${i >> 8}.${i & 255}`);
    const h = harness(() => answer({ answer: many.map((a) => aRecord(NAME.join('.'), a)), rotate: true, dependsOn: ['svc'] }));
    const firsts: string[] = [];
    for (let i = 0; i < 4; i++) {
      const reply = h.dispatcher.handle(query({ labels: NAME }), TCP) as Buffer;
      const at = 12 + 31 + 4 + 12; // header, question, then the first record's pointer/type/class/TTL/length
      firsts.push([...reply.subarray(at, at + 4)].join('.'));
    }
    expect(firsts).toEqual(['10.1.0.0', '10.1.0.1', '10.1.0.2', '10.1.0.3']);
    expect(h.events.map((e) => e.answeredBy)).toEqual(['resolver', 'cache', 'cache', 'cache']);
  });

  it('from the cache, cuts a rotated answer over plain UDP to whole records with TC, the rotated prefix first', () => {
    const many = Array.from({ length: 100 }, (_, i) => `10.3.0.${i + 1}`);
    const h = harness(() => answer({ answer: many.map((a) => aRecord(NAME.join('.'), a)), rotate: true, dependsOn: ['svc'] }));
    for (let i = 0; i < 3; i++) {
      const reply = h.ask({ labels: NAME });
      const packet = Packet.parse(reply);
      // 47 bytes of header and question, 16 bytes a record: 29 records fit in 512.
      expect(reply.length).toBe(47 + 29 * 16);
      expect(reply[2]! & 0x02).toBe(0x02);
      expect(packet.answers.map((r) => r.address)).toEqual([...many.slice(i), ...many.slice(0, i)].slice(0, 29));
    }
    expect(h.events.map((e) => e.answeredBy)).toEqual(['resolver', 'cache', 'cache']);
  });

  it('answers correctly whether a full cache admits the question or passes it up', () => {
    const dispatcher = new Dispatcher({
      resolver: { resolve: (q) => answer({ answer: [aRecord(q.labels.join('.'), `10.4.0.${q.labels[0]!.slice(1)}`)], dependsOn: ['svc'] }) },
      generations: new VersionedGenerations(), logger: collectingLogger().logger, cacheEntries: 2,
    });
    for (let round = 0; round < 3; round++) {
      for (let i = 1; i <= 20; i++) {
        const name = `s${i}.default.svc.cluster.local`;
        const packet = Packet.parse(dispatcher.handle(query({ labels: labels(name) }), UDP) as Buffer);
        expect(packet.questions[0]!.name).toBe(name);
        expect(packet.answers.map((r) => [r.name, r.address])).toEqual([[name, `10.4.0.${i}`]]);
      }
    }
  });

  it('rotates a small cached answer one position per query, wrapping around', () => {
    const four = ['10.2.0.1', '10.2.0.2', '10.2.0.3', '10.2.0.4'];
    const h = harness(() => answer({ answer: four.map((a) => aRecord(NAME.join('.'), a)), rotate: true, dependsOn: ['svc'] }));
    const replies = Array.from({ length: 5 }, () => h.ask({ labels: NAME }));
    const firstAddress = (reply: Buffer): string => [...reply.subarray(12 + 31 + 4 + 12, 12 + 31 + 4 + 16)].join('.');
    expect(replies.map(firstAddress)).toEqual(['10.2.0.1', '10.2.0.2', '10.2.0.3', '10.2.0.4', '10.2.0.1']);
    for (const reply of replies) expect(reply.readUInt16BE(6)).toBe(4);
  });

  it('asks the resolver again once a key the answer depends on changed', () => {
    let address = '10.0.0.1';
    const h = harness(() => answer({ answer: [aRecord(NAME.join('.'), address)], dependsOn: ['svc'] }));
    h.ask({ labels: NAME });
    h.ask({ labels: NAME });
    address = '10.0.0.2';
    h.generations.bump('svc');
    const reply = h.ask({ labels: NAME });
    expect([...reply.subarray(reply.length - 4)]).toEqual([10, 0, 0, 2]);
    expect(h.events.map((e) => e.answeredBy)).toEqual(['resolver', 'cache', 'resolver']);
  });
});
