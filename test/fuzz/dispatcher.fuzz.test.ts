// The bulk of the fuzz run, in process: most of the million hostile packets go through the real
// dispatcher, resolver and zone (no sockets, so it is fast). Every reply must be a well-formed
// response to the packet that caused it, within the size the client can take, and nothing may
// reach the dispatcher's last-resort catch.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { Client } from '../../src/resolve/message.js';
import { startStack, writeCluster, type Stack } from '../robust/support/cluster.js';
import { nextPacket, Rng, type PacketKind } from './packets.js';
import { checkMessage, replyProblem } from './verify.js';

/** In-process share of the per-run million (the rest goes over UDP and TCP in wire.fuzz.test.ts). */
const IN_PROCESS_PACKETS = 850_000;

const UDP: Client = { address: '10.0.0.7', port: 40000, transport: 'udp' };
const TCP: Client = { address: '10.0.0.7', port: 40001, transport: 'tcp' };

const dir = mkdtempSync(join(tmpdir(), 'svcdns-fuzz-'));
const logLines: Record<string, unknown>[] = [];
const logger = createLogger('warn', new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString().split('\n')) if (line.trim()) logLines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
}));
let stack: Stack;

beforeAll(async () => {
  stack = await startStack(writeCluster(dir), logger);
});
afterAll(async () => {
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('fuzz: hostile packets through the dispatcher', () => {
  it(`answers ${IN_PROCESS_PACKETS.toLocaleString('en')} random, mutated and malformed packets with well-formed replies or silence`, () => {
    const rng = new Rng(0x5eed_0001);
    const counts: Record<PacketKind, number> = { random: 0, mutated: 0, attack: 0 };
    const rcodes = new Map<number, number>();
    const failures: string[] = [];
    for (let i = 0; i < IN_PROCESS_PACKETS; i++) {
      const { kind, packet } = nextPacket(rng);
      counts[kind]++;
      const client = i % 4 === 3 ? TCP : UDP;
      let reply;
      try {
        reply = stack.dispatcher.handle(packet, client);
      } catch (err) {
        failures.push(`#${i} threw ${String(err)}: ${packet.toString('hex')}`);
        continue;
      }
      if (reply !== null && !Buffer.isBuffer(reply)) {
        failures.push(`#${i} answered asynchronously without an upstream: ${packet.toString('hex')}`);
        continue;
      }
      const problem = replyProblem(packet, reply, client);
      if (problem !== null) failures.push(`#${i} (${kind}) ${problem}: ${packet.toString('hex')}`);
      if (reply) rcodes.set(reply[3]! & 0x0f, (rcodes.get(reply[3]! & 0x0f) ?? 0) + 1);
      if (failures.length >= 5) break;
    }
    expect(failures).toEqual([]);
    // The generator really reached every part: all three kinds, and answers of several rcodes.
    expect(counts.random).toBeGreaterThan(IN_PROCESS_PACKETS / 4);
    expect(counts.attack).toBeGreaterThan(IN_PROCESS_PACKETS / 5);
    for (const rcode of [0, 1, 3, 4, 5]) expect(rcodes.get(rcode) ?? 0, `rcode ${rcode}`).toBeGreaterThan(100);
    expect(logLines.filter((l) => ['dispatch', 'resolver', 'encode'].includes(String(l['kind'])))).toEqual([]);
  });

  it('answers every packet of the regression corpus as recorded', () => {
    const corpus = JSON.parse(readFileSync(new URL('./corpus/regressions.json', import.meta.url), 'utf8')) as
      { name: string; hex: string; expect: string }[];
    const rcodes: Record<string, number> = { NOERROR: 0, FORMERR: 1, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, BADVERS: 0 };
    for (const entry of corpus) {
      const packet = Buffer.from(entry.hex, 'hex');
      for (const client of [UDP, TCP]) {
        const reply = stack.dispatcher.handle(packet, client) as Buffer | null;
        expect(replyProblem(packet, reply, client), entry.name).toBeNull();
        if (entry.expect === 'drop') expect(reply, entry.name).toBeNull();
        else expect(reply![3]! & 0x0f, entry.name).toBe(rcodes[entry.expect]);
        if (entry.expect === 'BADVERS') expect(reply!.readUInt8(reply!.length - 6), entry.name).toBe(1); // extended rcode 16 >> 4
      }
    }
  });

  it('still answers a normal question correctly afterwards', () => {
    const packet = Buffer.from('abcd01000001000000000000037765620764656661756c74037376630763' + '6c7573746572056c6f63616c0000010001', 'hex');
    const reply = stack.dispatcher.handle(packet, UDP) as Buffer;
    const shape = checkMessage(reply);
    expect(typeof shape).toBe('object');
    expect(reply[3]! & 0x0f).toBe(0);
    expect(reply.readUInt16BE(6)).toBe(1);
    expect([...reply.subarray(-4)]).toEqual([10, 96, 0, 10]);
  });
});
