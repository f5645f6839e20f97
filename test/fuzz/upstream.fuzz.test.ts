// Replies from upstream resolvers are network input too: a hostile (or broken) upstream answers the
// forwarder with mutated replies — flipped bits, cut messages, wrong counts, pointer loops in the
// records, truncation flags, wrong IDs and questions, junk over TCP. The forwarder never throws or
// rejects, and whatever it hands a client is a well-formed message that carries the client's own ID
// and QR and fits 512 bytes: a reply it cannot vouch for is a failed exchange, never relayed.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamForwarder } from '../../src/resolve/forward/forwarder.js';
import type { Client } from '../../src/resolve/message.js';
import { buildQuery, Rng } from './packets.js';
import { checkMessage } from './verify.js';

const QUERIES = 12_000;
const LOOKUPS = 3_000;
const PARALLEL = 100;

/** A plausible reply to `query`: the question, two A records (compressed owners) and an SOA in authority. */
function replyTo(query: Buffer): Buffer {
  let end = 12;
  while (end < query.length && query[end] !== 0) end += query[end]! + 1;
  end += 5;
  const header = Buffer.from(query.subarray(0, 12));
  header[2] = 0x81;
  header[3] = 0x80;
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(2, 6);
  header.writeUInt16BE(1, 8);
  header.writeUInt16BE(0, 10);
  const a = (last: number): Buffer => Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, last]);
  const soa = Buffer.concat([Buffer.from([0xc0, 0x0c, 0, 6, 0, 1, 0, 0, 0, 60, 0, 22]), Buffer.from([0xc0, 0x0c, 0xc0, 0x0c]), Buffer.alloc(20, 1), Buffer.from([0, 0])]);
  soa.writeUInt16BE(24, 10);
  return Buffer.concat([header, query.subarray(12, end), a(1), a(2), soa.subarray(0, 12 + 24)]);
}

/** The hostile part: most replies are broken in one of the ways parsers trip over. */
function hostile(reply: Buffer, rng: Rng): Buffer {
  const out = Buffer.from(reply);
  switch (rng.below(12)) {
    case 0: return out; // fine
    case 1: for (let i = 1 + rng.below(6); i > 0; i--) out[12 + rng.below(out.length - 12)]! ^= 1 << rng.below(8); return out;
    case 2: return out.subarray(0, rng.below(out.length));
    case 3: out.writeUInt16BE(rng.pick([0, 3, 50, 0xffff]), 6 + 2 * rng.below(3)); return out;
    case 4: { // an answer owner pointing at itself
      const at = out.length - 16 - 16 - 36;
      if (at > 12) out.writeUInt16BE(0xc000 | at, at);
      return out;
    }
    case 5: out[2] = out[2]! | 0x02; return out; // TC: the forwarder retries over TCP
    case 6: out.writeUInt16BE(rng.below(0x10000), 0); return out; // wrong ID: ignored, times out
    case 7: out[13] = (out[13]! + 1) & 0xff; return out; // a different question
    case 8: return Buffer.concat([out, rng.bytes(1 + rng.below(200))]);
    case 9: out.writeUInt32BE(0xffffffff, out.length - 16 - 36 + 6); return out; // huge TTL
    case 10: out[3] = (out[3]! & 0xf0) | rng.pick([2, 3, 5, 15]); return out; // SERVFAIL, NXDOMAIN, REFUSED, 15
    default: return rng.bytes(rng.below(600)); // noise
  }
}

let udp: UdpSocket;
let tcp: Server;
let port = 0;
const rng = new Rng(0x5eed_0303);

beforeAll(async () => {
  udp = createSocket('udp4');
  udp.on('message', (query, from) => {
    if (query.length < 12) return;
    udp.send(hostile(replyTo(query), rng), from.port, from.address);
  });
  await new Promise<void>((done) => udp.bind(0, '127.0.0.1', () => done()));
  port = udp.address().port;
  tcp = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', (chunk: Buffer) => {
      const query = chunk.subarray(2);
      if (rng.chance(0.2)) return void socket.end(rng.bytes(rng.below(100)));
      const reply = hostile(replyTo(query), rng);
      const framed = Buffer.alloc(2 + reply.length);
      framed.writeUInt16BE(rng.chance(0.9) ? reply.length : rng.below(0x10000), 0);
      reply.copy(framed, 2);
      socket.end(framed);
    });
  });
  await new Promise<void>((done, fail) => {
    tcp.once('error', fail);
    tcp.listen(port, '127.0.0.1', () => done());
  });
});
afterAll(async () => {
  udp.close();
  await new Promise((done) => tcp.close(done));
});

describe('fuzz: hostile upstream replies', () => {
  it(`the forwarder answers ${QUERIES.toLocaleString('en')} queries met with hostile replies with well-formed messages with the client's ID within 512 bytes, never a throw`, async () => {
    const forwarder = new UpstreamForwarder({ upstreams: [{ host: '127.0.0.1', port }], timeoutMs: 150, maxFails: 1_000_000_000, cacheEntries: 2000 });
    const client: Client = { address: '10.0.0.5', port: 5353, transport: 'udp' };
    const problems: string[] = [];
    let answered = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < QUERIES) {
        const i = next++;
        const id = (i * 7919) & 0xffff;
        const query = buildQuery({ id, name: `n${i % 3000}.example.org`, ...(i % 5 === 0 ? { type: 28 } : {}) });
        let reply: Buffer | null;
        try {
          reply = await forwarder.forward(query, client);
        } catch (err) {
          problems.push(`#${i} rejected: ${String(err)}`);
          continue;
        }
        if (reply === null) continue;
        answered++;
        if (reply.length < 12 || reply.readUInt16BE(0) !== id || (reply[2]! & 0x80) === 0) problems.push(`#${i} reply without the client's ID or QR`);
        else if (reply.length > 512) problems.push(`#${i} UDP reply of ${reply.length} bytes to a query without EDNS`);
        const shape = checkMessage(reply);
        if (typeof shape === 'string') problems.push(`#${i} malformed reply: ${shape}: ${reply.toString('hex').slice(0, 200)}`);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    await forwarder.close?.();
    expect(problems.slice(0, 5)).toEqual([]);
    expect(answered).toBeGreaterThan(QUERIES / 4);
  });

  it(`lookups for ExternalName targets decode ${LOOKUPS.toLocaleString('en')} hostile replies into records or nothing, never a throw`, async () => {
    const forwarder = new UpstreamForwarder({ upstreams: [{ host: '127.0.0.1', port }], timeoutMs: 150, maxFails: 1_000_000_000, cacheEntries: 0 });
    const problems: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < LOOKUPS) {
        const i = next++;
        try {
          const result = await forwarder.lookup(`t${i}.example.net`, i % 2 === 0 ? 1 : 28);
          if (result !== null && (!Array.isArray(result.records) || typeof result.rcode !== 'number')) problems.push(`#${i} odd result`);
        } catch (err) {
          problems.push(`#${i} rejected: ${String(err)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    await forwarder.close?.();
    expect(problems.slice(0, 5)).toEqual([]);
  });
});
