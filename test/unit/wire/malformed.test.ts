// Malformed input, random and mutated: the parser and the dispatcher never throw, and whatever
// they send back is a well-formed response. Inputs come from a seeded generator (same every run).
import { Packet } from 'dns2';
import { describe, expect, it } from 'vitest';
import type { Client } from '../../../src/resolve/message.js';
import { RRType } from '../../../src/resolve/message.js';
import { Dispatcher } from '../../../src/wire/dispatcher.js';
import { parseQuery } from '../../../src/wire/query.js';
import { FakeGenerations, collectingLogger, labels, query, seededRandom, stubCluster } from '../../wire/support.js';

const UDP: Client = { address: '127.0.0.1', port: 5353, transport: 'udp' };

function checkReply(input: Buffer, reply: Buffer | null): void {
  if (reply === null) return;
  expect(reply.length).toBeGreaterThanOrEqual(12);
  expect(reply.readUInt16BE(0)).toBe(input.readUInt16BE(0));
  expect(reply[2]! & 0x80).toBe(0x80);
  const packet = Packet.parse(reply);
  expect(packet.errors).toEqual([]);
}

const log = collectingLogger();

function dispatcher(): Dispatcher {
  return new Dispatcher({ resolver: { resolve: stubCluster() }, generations: new FakeGenerations(), logger: log.logger });
}

/** The dispatcher's last-resort catch only logs when something threw that should not have. */
function noUnexpectedThrows(): void {
  expect(log.lines().filter((line) => line.kind === 'dispatch')).toEqual([]);
}

const SEEDS = [
  query({ labels: labels('four.default.svc.cluster.local') }),
  query({ labels: labels('big.default.svc.cluster.local'), edns: { udpSize: 4096, dnssecOk: true, options: Buffer.from([0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]) } }),
  query({ labels: labels('_http._tcp.web.default.svc.cluster.local'), type: RRType.SRV, edns: {} }),
  query({ labels: labels('nope.default.svc.cluster.local'), type: RRType.AAAA }),
];

describe('malformed input never throws', () => {
  it('survives random byte strings of every short length', () => {
    const random = seededRandom(42);
    const d = dispatcher();
    for (let i = 0; i < 3000; i++) {
      const input = Buffer.from(Array.from({ length: Math.floor(random() * 80) }, () => Math.floor(random() * 256)));
      // Clear QR on half of them so they get past the first check.
      if (input.length > 2 && random() < 0.5) input[2] = input[2]! & 0x7f;
      expect(() => parseQuery(input)).not.toThrow();
      const reply = d.handle(input, UDP);
      expect(Buffer.isBuffer(reply) || reply === null).toBe(true);
      checkReply(input, reply as Buffer | null);
    }
    noUnexpectedThrows();
  });

  it('survives mutated and truncated real queries', () => {
    const random = seededRandom(7);
    const d = dispatcher();
    for (let i = 0; i < 4000; i++) {
      const seed = SEEDS[i % SEEDS.length]!;
      let input = Buffer.from(seed);
      const flips = 1 + Math.floor(random() * 4);
      for (let f = 0; f < flips; f++) input[Math.floor(random() * input.length)] = Math.floor(random() * 256);
      if (random() < 0.3) input = input.subarray(0, Math.floor(random() * input.length));
      if (input.length > 2) input[2] = input[2]! & 0x7f;
      const reply = d.handle(input, UDP);
      expect(Buffer.isBuffer(reply) || reply === null).toBe(true);
      checkReply(input, reply as Buffer | null);
    }
    noUnexpectedThrows();
  });

  it('rejects a pointer loop, the classic parser killer, with FORMERR', () => {
    const header = query({ labels: [] }).subarray(0, 12);
    const loop = Buffer.concat([header, Buffer.from([0xc0, 0x0c, 0, 1, 0, 1])]);
    const reply = dispatcher().handle(loop, UDP) as Buffer;
    expect(reply[3]! & 0x0f).toBe(1);
  });
});
