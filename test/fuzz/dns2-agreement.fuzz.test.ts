// The hand-written query parser checked against dns2's Packet.parse (an independent decoder) on the
// same hostile inputs: they agree on which packets hold one well-formed question, on that question,
// and on the OPT record; where they differ, ours is the stricter one for a reason the test names.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Packet } from 'dns2';
import { describe, expect, it } from 'vitest';
import { parseQuery } from '../../src/wire/query.js';
import { nextPacket, Rng } from './packets.js';

const SAMPLE = 120_000;
/**
 * dns2 clamps every TTL above 2^31-1, the OPT record's too (reference/libraries.md, bug 5), which
 * garbles version and DO when the extended-rcode byte has its top bit set: those OPT fields are
 * not compared.
 */
const DNS2_CLAMPED_TTL = 0x7fff_ffff;

interface Dns2Question {
  name: string;
  type: number;
  class: number;
}

interface Dns2Record {
  type: number;
  class: number;
  ttl?: number;
  version?: number;
  doFlag?: boolean;
}

interface Dns2Packet {
  header: { qdcount: number };
  questions: Dns2Question[];
  additionals: Dns2Record[];
  answers: Dns2Record[];
  authorities: Dns2Record[];
  errors: { section?: string }[];
}

/** dns2's reading of the one question, or null when it found none it could read without error. */
function dns2Question(packet: Dns2Packet): Dns2Question | null {
  if (packet.header.qdcount !== 1 || packet.questions.length === 0) return null;
  if (packet.errors.some((e) => e.section === 'question')) return null;
  return packet.questions[0]!;
}

/** The question name at offset 12 contains a compression pointer (impossible to point backwards there). */
function questionHasPointer(buf: Buffer): boolean {
  let at = 12;
  while (at < buf.length) {
    const b = buf[at]!;
    if (b === 0) return false;
    if ((b & 0xc0) === 0xc0) return true;
    at += b + 1;
  }
  return false;
}

describe('fuzz: the hand parser agrees with dns2', () => {
  it(`agrees on the question and the OPT record of ${SAMPLE.toLocaleString('en')} hostile packets`, () => {
    const rng = new Rng(0x5eed_0002);
    let compared = 0;
    let bothRead = 0;
    const disagreements: string[] = [];
    for (let i = 0; i < SAMPLE && disagreements.length < 5; i++) {
      const { packet } = nextPacket(rng);
      // dns2 decodes responses as readily as queries; our parser drops those before reading them.
      if (packet.length < 12 || (packet[2]! & 0x80) !== 0) continue;
      compared++;
      const ours = parseQuery(packet);
      let theirs: Dns2Packet;
      try {
        theirs = Packet.parse(packet) as unknown as Dns2Packet;
      } catch (err) {
        disagreements.push(`dns2 threw on a 12+ byte packet (${String(err)}): ${packet.toString('hex')}`);
        continue;
      }
      const question = dns2Question(theirs);
      if (ours.question !== null) {
        if (question === null) {
          disagreements.push(`we read a question dns2 could not: ${packet.toString('hex')}`);
          continue;
        }
        bothRead++;
        const same = ours.question.labels.join('.') === question.name
          && ours.question.type === question.type && ours.question.class === question.class;
        if (!same) disagreements.push(`different question ${JSON.stringify(question)}: ${packet.toString('hex')}`);
      } else if (question !== null && !questionHasPointer(packet)) {
        disagreements.push(`dns2 read a question we refused: ${packet.toString('hex')}`);
      }
      if (ours.status === 'ok' || ours.status === 'badvers') {
        const opts = theirs.additionals.filter((r) => r.type === 41);
        if ((ours.edns === null) !== (opts.length === 0)) {
          disagreements.push(`OPT presence differs: ${packet.toString('hex')}`);
        } else if (ours.edns !== null && opts[0]!.ttl !== DNS2_CLAMPED_TTL) {
          const opt = opts[0]!;
          if (opt.class !== ours.edns.udpSize || opt.version !== ours.edns.version || Boolean(opt.doFlag) !== ours.edns.dnssecOk) {
            disagreements.push(`OPT fields differ ${JSON.stringify(opt)}: ${packet.toString('hex')}`);
          }
        }
      }
    }
    expect(disagreements).toEqual([]);
    expect(compared).toBeGreaterThan(SAMPLE / 2);
    expect(bothRead).toBeGreaterThan(SAMPLE / 4);
  });

  it('rejects a question that starts with a pointer, which dns2 follows into the header or forward', () => {
    // The question is the first name of a query: a pointer there can only lead to the header or ahead.
    const forward = Buffer.from('e80d01000001000000000000c01000010001', 'hex');
    expect(parseQuery(forward).status).toBe('formerr');
    expect((Packet.parse(forward) as unknown as Dns2Packet).questions[0]?.name).toBe('');
  });
});

describe('dns2 at runtime', () => {
  it('is decoded nowhere in src/ (the hot path and the forwarder have their own codecs, fuzzed here)', () => {
    // If this fails, a dns2 decode was added to the server: wrap it so a throw or an errors[] entry
    // becomes FORMERR/SERVFAIL, feed it to the fuzz suite, then list the file here.
    const contained = new Set<string>([]);
    const src = resolve(import.meta.dirname, '../../src');
    const users: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (/\.ts$/.test(entry.name) && /from ['"]dns2['"]|require\(['"]dns2['"]\)|import\(['"]dns2['"]\)/.test(readFileSync(path, 'utf8'))) {
          users.push(path.slice(src.length + 1));
        }
      }
    };
    walk(src);
    expect(users.filter((file) => !contained.has(file))).toEqual([]);
  });
});
