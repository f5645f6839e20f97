// The recursion gate in front of the forwarder: the loop probe is stopped, clients outside the allowed
// ranges are REFUSED (RA clear) without any upstream traffic, the others are forwarded.
import { describe, expect, it } from 'vitest';
import { AddressSet } from '../../../src/resolve/forward/acl.js';
import { RecursionGate } from '../../../src/resolve/forward/gate.js';
import { LoopDetector } from '../../../src/resolve/forward/loop.js';
import { Rcode, RRType, type Client, type Forwarder } from '../../../src/resolve/message.js';
import { decode, message, replyTo } from './support.js';

const inside: Client = { address: '10.0.0.9', port: 40000, transport: 'udp' };
const outside: Client = { address: '203.0.113.9', port: 40000, transport: 'udp' };

/** Records the names of the queries it is handed. */
function recording(): Forwarder & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    forward: (query) => {
      asked.push(decode(query).questions[0]!.name);
      return Promise.resolve(replyTo(query, { answers: [{ name: 'www.example.com', type: RRType.A, ttl: 30, address: '192.0.2.1' }] }));
    },
  };
}

describe('RecursionGate', () => {
  it('forwards the query of a client inside the allowed ranges', async () => {
    const forwarder = recording();
    const gate = new RecursionGate({ forwarder, allowed: AddressSet.parse(['10.0.0.0/8']) });
    const reply = await gate.forward(message({ name: 'www.example.com', type: RRType.A }), inside);
    expect(decode(reply!).answers.map((r) => r.address)).toEqual(['192.0.2.1']);
    expect(forwarder.asked).toHaveLength(1);
  });

  it('answers REFUSED, without recursion available, to a client outside them, and asks no upstream', async () => {
    const forwarder = recording();
    const gate = new RecursionGate({ forwarder, allowed: AddressSet.parse(['10.0.0.0/8']) });
    const query = message({ id: 0x5151, name: 'WWW.example.com', type: RRType.A, edns: { udp: 4096 } });
    const reply = await gate.forward(query, outside);
    const p = decode(reply!);
    expect(p.header.id).toBe(0x5151);
    expect(p.header.qr).toBe(1);
    expect(p.header.rcode).toBe(Rcode.REFUSED);
    expect(p.header.ra).toBe(0);
    expect(p.questions[0]!.name).toBe('WWW.example.com');
    expect(p.answers).toEqual([]);
    // The client's EDNS is answered with ours.
    expect(p.additionals.map((r) => r.type)).toEqual([RRType.OPT]);
    expect(forwarder.asked).toEqual([]);
    expect(gate.stats()).toEqual({ refusedClients: 1, probesSeen: 0 });
  });

  it('stops our own loop probe (null: SERVFAIL) whoever relays it, and forwards nothing', async () => {
    const forwarder = recording();
    const probes = new LoopDetector();
    const gate = new RecursionGate({ forwarder, allowed: AddressSet.parse(['10.0.0.0/8']), probes });
    const query = message({ name: probes.probeName, type: RRType.HINFO });
    expect(await gate.forward(query, inside)).toBeNull();
    expect(await gate.forward(query, outside)).toBeNull();
    expect(forwarder.asked).toEqual([]);
    expect(gate.stats()).toEqual({ refusedClients: 0, probesSeen: 2 });
  });

  it('forwards a HINFO query for any other name, and the probe name asked with another type', async () => {
    const forwarder = recording();
    const probes = new LoopDetector();
    const gate = new RecursionGate({ forwarder, allowed: AddressSet.parse(['10.0.0.0/8']), probes });
    await gate.forward(message({ name: 'host.example.com', type: RRType.HINFO }), inside);
    await gate.forward(message({ name: `${probes.probeName}.example`, type: RRType.HINFO }), inside);
    await gate.forward(message({ name: probes.probeName, type: RRType.TXT }), inside);
    expect(forwarder.asked).toEqual(['host.example.com', `${probes.probeName}.example`, probes.probeName]);
    expect(gate.stats().probesSeen).toBe(0);
  });
});
