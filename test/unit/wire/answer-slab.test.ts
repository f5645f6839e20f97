// The answer cache's slab: small answers off the heap, answered without touching an entry object. It
// is a copy the cache keeps coherent, so these tests check both the slab itself and that a reply
// through it is the reply the Map's path gives, current after every kind of zone change.
import { Packet } from 'dns2';
import { describe, expect, it } from 'vitest';
import type { Answer, Client } from '../../../src/resolve/message.js';
import { Rcode } from '../../../src/resolve/message.js';
import { AnswerSlab, MAX_QUESTION_TAG, NO_QUESTION_TAG, SLAB_MAX_BODY, SLAB_WAYS, SLOT_BYTES, type SlabAnswer } from '../../../src/wire/answer-slab.js';
import { Dispatcher, type QueryEvent } from '../../../src/wire/dispatcher.js';
import { newQueryHead, scanQuery } from '../../../src/wire/query.js';
import { ReplyScratch } from '../../../src/wire/response.js';
import { aRecord, answer, collectingLogger, labels, query, soaRecord, VersionedGenerations } from '../../wire/support.js';

const UDP: Client = { address: '127.0.0.1', port: 5353, transport: 'udp' };

/** A query for `name` and the slab's view of an answer to it: its question bytes and some records. */
function stored(name: string, hash: number, records = '\x01\x02\x03\x04', questionTag = NO_QUESTION_TAG): { packet: Buffer; answer: SlabAnswer } {
  const packet = query({ labels: labels(name) });
  const question = packet.toString('latin1', 12);
  return {
    packet,
    answer: {
      hash, rcode: Rcode.NOERROR, authoritative: true, truncated: false, records: question + records,
      questionBytes: question.length, answerCount: 1, authorityCount: 0, additionalCount: 0, rotation: null, turn: 0, questionTag,
    },
  };
}

function head(packet: Buffer) {
  const h = newQueryHead();
  expect(scanQuery(packet, h)).toBe(true);
  return h;
}

describe('AnswerSlab', () => {
  it('answers with the stored bytes under the query ID, only at the version it was current at', () => {
    const slab = new AnswerSlab(64);
    const { packet, answer: a } = stored('web.default.svc.cluster.local', 7);
    slab.put(a, 3);
    const reply = slab.reply(packet, head(packet), 7, 3, 1232, undefined)!;
    expect(reply.readUInt16BE(0)).toBe(packet.readUInt16BE(0));
    expect(reply.readUInt16BE(6)).toBe(1);
    expect(reply.toString('latin1', 12)).toBe(a.records);
    expect(slab.reply(packet, head(packet), 7, 4, 1232, undefined)).toBeNull();
    // Put again when found current at the new version: the same answer, now current.
    slab.put(a, 4);
    expect(slab.reply(packet, head(packet), 7, 4, 1232, undefined)).not.toBeNull();
  });

  it('writes the same reply into a scratch as into a buffer of its own, whatever the body length mod 4, OPT or not', () => {
    const slab = new AnswerSlab(64);
    const scratch = new ReplyScratch();
    let hash = 100;
    for (const name of ['a', 'ab', 'abc', 'abcd']) {
      for (const records of ['\x01', '\x01\x02', '\x01\x02\x03', '\x01\x02\x03\x04\x05']) {
        for (const edns of [undefined, { udpSize: 1232 }]) {
          const { answer: a } = stored(`${name}.default.svc.cluster.local`, ++hash, records);
          const packet = query({ labels: labels(`${name}.default.svc.cluster.local`), ...(edns ? { edns } : {}) });
          slab.put(a, 1);
          const own = Buffer.from(slab.reply(packet, head(packet), hash, 1, 1232, undefined)!);
          // Leftovers of a longer reply must not show through a shorter one.
          scratch.take(512).fill(0xee);
          const inScratch = slab.reply(packet, head(packet), hash, 1, 1232, scratch)!;
          expect(inScratch.toString('hex')).toBe(own.toString('hex'));
        }
      }
    }
  });

  it('gives back the question tag of the answer it last replied with', () => {
    const slab = new AnswerSlab(64);
    const tags = [0, MAX_QUESTION_TAG, NO_QUESTION_TAG];
    const answers = tags.map((tag, i) => stored(`n${i}.default.svc.cluster.local`, 10 + i, '\x01', tag));
    for (const a of answers) slab.put(a.answer, 1);
    expect(answers.map((a) => {
      slab.reply(a.packet, head(a.packet), a.answer.hash, 1, 1232, undefined);
      return slab.lastTag;
    })).toEqual(tags);
  });

  it('keeps versions exact past 2^32 changes', () => {
    const slab = new AnswerSlab(64);
    const { packet, answer: a } = stored('web.default.svc.cluster.local', 7);
    slab.put(a, 2 ** 32 + 5);
    expect(slab.reply(packet, head(packet), 7, 5, 1232, undefined)).toBeNull();
    expect(slab.reply(packet, head(packet), 7, 2 ** 32 + 5, 1232, undefined)).not.toBeNull();
  });

  it('never answers another question that shares the hash', () => {
    const slab = new AnswerSlab(64);
    slab.put(stored('web.default.svc.cluster.local', 7).answer, 1);
    const other = stored('wex.default.svc.cluster.local', 7).packet;
    expect(slab.reply(other, head(other), 7, 1, 1232, undefined)).toBeNull();
  });

  // A long answer (one past a slot's first 128 bytes, as an NXDOMAIN's SOA after a long name makes)
  // carries a second mark beside CLOCK's bit: eviction and hit reports must read CLOCK's bit alone.
  const RECORDS = { short: '\x01\x02\x03\x04', long: 'r'.repeat(SLAB_MAX_BODY - 40) };

  it.each(Object.entries(RECORDS))('gives a full set\'s least recently used slot to a newcomer, and forgets a dropped answer (%s answers)', (_, records) => {
    // One set's worth of slots, so every hash lands in it; one name more than it holds.
    const slab = new AnswerSlab(SLAB_WAYS);
    const names = Array.from({ length: SLAB_WAYS + 1 }, (_, i) => stored(`n${i}.default.svc.cluster.local`, 100 + i, records));
    const newcomer = SLAB_WAYS;
    for (const n of names.slice(0, SLAB_WAYS)) slab.put(n.answer, 1);
    const ask = (i: number): Buffer | null => slab.reply(names[i]!.packet, head(names[i]!.packet), 100 + i, 1, 1232, undefined);
    // Every answer but n2 is used, so the newcomer takes n2's slot.
    for (let i = 0; i < SLAB_WAYS; i++) if (i !== 2) expect(ask(i)?.toString('latin1', 12)).toBe(names[i]!.answer.records);
    slab.put(names[newcomer]!.answer, 1);
    expect(names.map((_, i) => ask(i) !== null)).toEqual(names.map((_, i) => i !== 2));
    slab.drop(101);
    expect(ask(1)).toBeNull();
  });

  // A hash's bits 24-26 name the way of its set it goes to first; reply() looks there before the tags.
  it('finds an answer outside its preferred way, and never serves a dropped one left in that way', () => {
    const slab = new AnswerSlab(SLAB_WAYS);
    const preferringWay = (way: number, i: number): number => (way << 24) | i;
    // Two questions that prefer way 3: the second finds it taken and goes elsewhere.
    const first = stored('first.default.svc.cluster.local', preferringWay(3, 1));
    const second = stored('second.default.svc.cluster.local', preferringWay(3, 2));
    slab.put(first.answer, 1);
    slab.put(second.answer, 1);
    const ask = (s: typeof first): Buffer | null => slab.reply(s.packet, head(s.packet), s.answer.hash, 1, 1232, undefined);
    expect(ask(first)?.toString('latin1', 12)).toBe(first.answer.records);
    expect(ask(second)?.toString('latin1', 12)).toBe(second.answer.records);
    // Dropped, the first answer's bytes stay in way 3 but it is no longer held there.
    slab.drop(first.answer.hash);
    expect(ask(first)).toBeNull();
    expect(ask(second)?.toString('latin1', 12)).toBe(second.answer.records);
  });

  it('takes no answer longer than a slot, and holds nothing when its byte budget is under one set', () => {
    const slab = new AnswerSlab(64);
    const big = stored('web.default.svc.cluster.local', 9, 'x'.repeat(SLAB_MAX_BODY));
    slab.put(big.answer, 1);
    expect(slab.reply(big.packet, head(big.packet), 9, 1, 1232, undefined)).toBeNull();
    expect(new AnswerSlab(3).byteLength).toBe(SLAB_WAYS * SLOT_BYTES);
    expect(new AnswerSlab(50_000, 8 * 1024 * 1024).byteLength).toBe(8 * 1024 * 1024);
    const none = new AnswerSlab(64, SLAB_WAYS * SLOT_BYTES - 1);
    const small = stored('web.default.svc.cluster.local', 9);
    none.put(small.answer, 1);
    expect(none.byteLength).toBe(0);
    expect(none.reply(small.packet, head(small.packet), 9, 1, 1232, undefined)).toBeNull();
  });

  it('turns a rotation run one record per reply, keeping the records around it in place', () => {
    const slab = new AnswerSlab(64);
    // Records: a 2-byte prefix, a run of three 4-byte records, a 1-byte suffix.
    const { packet, answer: a } = stored('web.default.svc.cluster.local', 7, 'PPaaaabbbbccccS');
    slab.put({ ...a, rotation: { start: 2, count: 3, size: 4 }, turn: 1 }, 1);
    const bodies = Array.from({ length: 4 }, () => slab.reply(packet, head(packet), 7, 1, 1232, undefined)!.toString('latin1', 12 + a.questionBytes));
    expect(bodies).toEqual(['PPbbbbccccaaaaS', 'PPccccaaaabbbbS', 'PPaaaabbbbccccS', 'PPbbbbccccaaaaS']);
    expect(slab.turnOf(7)).toBe(2);
    slab.setTurn(7, 0);
    expect(slab.reply(packet, head(packet), 7, 1, 1232, undefined)!.toString('latin1', 12 + a.questionBytes)).toBe('PPaaaabbbbccccS');
    expect(slab.turnOf(8)).toBe(-1);
  });

  it.each(Object.entries(RECORDS))('reports hits to the CLOCK of the cache once (%s answers)', (_, records) => {
    const slab = new AnswerSlab(64);
    const { packet, answer: a } = stored('web.default.svc.cluster.local', 7, records);
    slab.put(a, 1);
    expect(slab.takeUsed(7)).toBe(false);
    expect(slab.reply(packet, head(packet), 7, 1, 1232, undefined)?.toString('latin1', 12)).toBe(a.records);
    expect(slab.takeUsed(7)).toBe(true);
    expect(slab.takeUsed(7)).toBe(false);
  });
});

describe('dispatcher: answers through the slab', () => {
  function harness(resolve: (name: string) => Answer, cacheEntries?: number) {
    const events: QueryEvent[] = [];
    const generations = new VersionedGenerations();
    const dispatcher = new Dispatcher({
      resolver: { resolve: (q) => resolve(q.labels.join('.')) }, generations, logger: collectingLogger().logger,
      observer: { observe: (e) => events.push({ ...e }) }, ...(cacheEntries !== undefined ? { cacheEntries } : {}),
    });
    const ask = (name: string, id = 1): Buffer => dispatcher.handle(query({ id, labels: labels(name), edns: { udpSize: 1232 } }), UDP) as Buffer;
    return { events, generations, ask };
  }

  it('reports an NXDOMAIN from the cache with its rcode, SOA and all', () => {
    const h = harness(() => answer({ rcode: Rcode.NXDOMAIN, authority: [soaRecord('cluster.local')], dependsOn: ['soa'] }));
    const first = h.ask('nope.cluster.local', 1);
    const second = h.ask('nope.cluster.local', 2);
    expect(h.events.map((e) => [e.answeredBy, e.rcode])).toEqual([['resolver', Rcode.NXDOMAIN], ['cache', Rcode.NXDOMAIN]]);
    expect(second.subarray(2)).toEqual(first.subarray(2));
    expect(Packet.parse(second).authorities).toHaveLength(1);
  });

  it('checks the keys again after an unrelated change, then answers from the cache again', () => {
    const h = harness(() => answer({ answer: [aRecord('web.default.svc.cluster.local', '10.0.0.1')], dependsOn: ['svc'] }));
    h.ask('web.default.svc.cluster.local');
    h.ask('web.default.svc.cluster.local');
    const before = h.generations.reads;
    h.generations.bump('unrelated');
    h.ask('web.default.svc.cluster.local');
    h.ask('web.default.svc.cluster.local');
    // One key check after the change (the Map's path), none for the query after it (the slab's).
    expect(h.generations.reads).toBe(before + 1);
    expect(h.events.map((e) => e.answeredBy)).toEqual(['resolver', 'cache', 'cache', 'cache']);
  });

  it('rotates on without a repeat when a zone change sends the question through the Map once', () => {
    const four = ['10.2.0.1', '10.2.0.2', '10.2.0.3', '10.2.0.4'];
    const h = harness((name) => answer({ answer: four.map((a) => aRecord(name, a)), rotate: true, dependsOn: ['svc'] }));
    const first = (reply: Buffer): string => Packet.parse(reply).answers[0]!.address!;
    const seen = [first(h.ask('web.default.svc.cluster.local')), first(h.ask('web.default.svc.cluster.local'))];
    h.generations.bump('unrelated');
    for (let i = 0; i < 3; i++) seen.push(first(h.ask('web.default.svc.cluster.local')));
    // A change to the answer's own key: a new answer, which takes the rotation over where it stood.
    h.generations.bump('svc');
    seen.push(first(h.ask('web.default.svc.cluster.local')));
    expect(seen).toEqual(['10.2.0.1', '10.2.0.2', '10.2.0.3', '10.2.0.4', '10.2.0.1', '10.2.0.2']);
    expect(h.events.map((e) => e.answeredBy)).toEqual(['resolver', 'cache', 'cache', 'cache', 'cache', 'resolver']);
  });

  it('gives every one of many names its own answer while they contend for few slab slots', () => {
    // 16 entries: a slab of eight slots (two sets) for 40 names, asked over and over.
    const h = harness((name) => answer({ answer: [aRecord(name, `10.5.0.${Number(name.split('.')[0]!.slice(1))}`)], dependsOn: ['svc'] }), 16);
    for (let round = 0; round < 4; round++) {
      for (let i = 1; i <= 40; i++) {
        const name = `s${i}.default.svc.cluster.local`;
        const packet = Packet.parse(h.ask(name, round * 100 + i));
        expect(packet.header.id).toBe(round * 100 + i);
        expect(packet.answers.map((r) => [r.name, r.address])).toEqual([[name, `10.5.0.${i}`]]);
      }
    }
    expect(h.events.filter((e) => e.answeredBy === 'cache').length).toBeGreaterThan(0);
  });
});
