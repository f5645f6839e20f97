// The UDP and TCP listeners end to end: a Dispatcher over a stub resolver made of plain objects,
// asked with the real `dig` and with raw sockets.
import dgram from 'node:dgram';
import net from 'node:net';
import { Packet } from 'dns2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dispatcher } from '../../src/wire/dispatcher.js';
import { startDnsServers, type DnsServers } from '../../src/wire/servers.js';
import { addresses, dig } from '../helpers/dig.js';
import { FakeGenerations, aRecord, addressList, answer, collectingLogger, labels, query, stubCluster } from './support.js';

const BIG = 'big.default.svc.cluster.local';
const FOUR = 'four.default.svc.cluster.local';
const WEB = 'web.default.svc.cluster.local';

let servers: DnsServers;
let port: number;
const log = collectingLogger();

beforeAll(async () => {
  const dispatcher = new Dispatcher({ resolver: { resolve: stubCluster() }, generations: new FakeGenerations(), logger: log.logger });
  servers = await startDnsServers({ listen: [{ host: '127.0.0.1', port: 0 }], dispatcher, logger: log.logger, tcpIdleTimeoutMs: 2000 });
  port = servers.addresses[0]!.port;
});

afterAll(async () => {
  await servers.close();
});

/** Sends one datagram and waits for the first reply (or null after `waitMs`). */
function udpExchange(message: Buffer, waitMs = 1000, host = '127.0.0.1', toPort = port): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    const timer = setTimeout(() => {
      socket.close();
      resolve(null);
    }, waitMs);
    socket.on('message', (reply) => {
      clearTimeout(timer);
      socket.close();
      resolve(reply);
    });
    socket.send(message, toPort, host);
  });
}

/** Collects `count` framed TCP replies from `socket`. */
function readFramed(socket: net.Socket, count: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const replies: Buffer[] = [];
    let pending = Buffer.alloc(0);
    const timer = setTimeout(() => reject(new Error(`only ${replies.length} of ${count} replies`)), 5000);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        replies.push(pending.subarray(2, 2 + pending.readUInt16BE(0)));
        pending = pending.subarray(2 + pending.readUInt16BE(0));
      }
      if (replies.length >= count) {
        clearTimeout(timer);
        resolve(replies);
      }
    });
  });
}

function framed(message: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(message.length);
  return Buffer.concat([length, message]);
}

function connect(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.on('error', reject);
  });
}

describe('listening', () => {
  it('binds UDP and TCP on the same port when asked for port 0', () => {
    expect(servers.addresses).toEqual([
      { host: '127.0.0.1', port, transport: 'udp' },
      { host: '127.0.0.1', port, transport: 'tcp' },
    ]);
    expect(port).toBeGreaterThan(0);
  });
});

describe('dig over UDP and TCP', () => {
  it('answers over UDP with AA set, RD copied from the query and RA clear', async () => {
    const result = await dig(WEB, 'A', { port, options: ['+recurse'] });
    expect(result.status).toBe('NOERROR');
    expect(result.flags.sort()).toEqual(['aa', 'qr', 'rd']);
    expect((await dig(WEB, 'A', { port })).flags.sort()).toEqual(['aa', 'qr']);
    expect(result.answer).toEqual([{ name: `${WEB}.`, ttl: 5, class: 'IN', type: 'A', data: '10.96.0.10' }]);
  });

  it('answers over TCP (+tcp) with all 100 records of a headless name', async () => {
    const result = await dig(BIG, 'A', { port, options: ['+tcp'] });
    expect(result.flags).not.toContain('tc');
    expect(addresses(result).sort()).toEqual(addressList(100).sort());
  });

  it('truncates 100 records over UDP with a 512-byte buffer: TC and fewer records', async () => {
    const result = await dig(BIG, 'A', { port, options: ['+notcp', '+bufsize=512', '+ignore'] });
    expect(result.flags).toContain('tc');
    expect(result.answer.length).toBeGreaterThan(0);
    expect(result.answer.length).toBeLessThan(100);
    expect(result.size).toBeLessThanOrEqual(512);
  });

  it('lets plain dig retry over TCP after TC and get all 100 records', async () => {
    const result = await dig(BIG, 'A', { port, options: ['+bufsize=512'] });
    expect(result.flags).not.toContain('tc');
    expect(result.answer).toHaveLength(100);
  });

  it('limits a query without EDNS to 512 bytes', async () => {
    const result = await dig(BIG, 'A', { port, options: ['+noedns', '+ignore'] });
    expect(result.flags).toContain('tc');
    expect(result.edns).toBeNull();
    expect(result.size).toBeLessThanOrEqual(512);
  });

  it('echoes EDNS with our UDP size and the DO bit', async () => {
    const result = await dig(WEB, 'A', { port, options: ['+dnssec', '+bufsize=4096'] });
    expect(result.edns).toEqual({ version: 0, flags: ['do'], udp: 1232 });
  });

  it('echoes the letter case of the question in the owner names', async () => {
    const result = await dig('WeB.DeFaUlT.svc.cluster.local', 'A', { port });
    expect(result.answer[0]!.name).toBe('WeB.DeFaUlT.svc.cluster.local.');
  });

  it('answers NXDOMAIN with the SOA in authority', async () => {
    const result = await dig('nope.default.svc.cluster.local', 'A', { port });
    expect(result.status).toBe('NXDOMAIN');
    expect(result.authority.map((r) => r.type)).toEqual(['SOA']);
  });

  it('rotates 4 addresses by one position per query', async () => {
    const orders: string[][] = [];
    for (let i = 0; i < 5; i++) orders.push(addresses(await dig(FOUR, 'A', { port })));
    const first = addressList(4).indexOf(orders[0]![0]!);
    orders.forEach((order, i) => {
      const shift = (first + i) % 4;
      expect(order).toEqual([...addressList(4).slice(shift), ...addressList(4).slice(0, shift)]);
    });
  });
});

describe('TCP framing', () => {
  it('answers several pipelined queries on one connection', async () => {
    const socket = await connect();
    const replies = readFramed(socket, 3);
    socket.write(Buffer.concat([
      framed(query({ id: 1, labels: labels(WEB) })),
      framed(query({ id: 2, labels: labels(FOUR) })),
      framed(query({ id: 3, labels: labels('nope.default.svc.cluster.local') })),
    ]));
    const got = (await replies).map((r) => Packet.parse(r));
    socket.destroy();
    expect(got.map((p) => p.header.id).sort()).toEqual([1, 2, 3]);
    expect(got.find((p) => p.header.id === 2)!.answers).toHaveLength(4);
  });

  it('answers the queries of one read in their order, with one write', async () => {
    const socket = await connect();
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    const replies = readFramed(socket, 40);
    const ids = Array.from({ length: 40 }, (_, i) => 100 + i);
    socket.write(Buffer.concat(ids.map((id) => framed(query({ id, labels: labels(id % 2 === 0 ? WEB : FOUR) })))));
    const got = await replies;
    socket.destroy();
    expect(got.map((r) => r.readUInt16BE(0))).toEqual(ids);
    // One writev for the lot (the socket is corked while a read's queries are answered): on
    // loopback that is one segment, read in one piece.
    expect(chunks).toHaveLength(1);
  });

  it('reassembles a message split across writes, one byte at a time', async () => {
    const socket = await connect();
    const replies = readFramed(socket, 1);
    const message = framed(query({ id: 77, labels: labels(WEB) }));
    for (const byte of message) {
      socket.write(Buffer.from([byte]));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const [reply] = await replies;
    socket.destroy();
    expect(Packet.parse(reply!).answers[0]!.address).toBe('10.96.0.10');
  });

  it('still answers queries sent together with the FIN', async () => {
    const socket = await connect();
    const replies = readFramed(socket, 2);
    socket.end(Buffer.concat([framed(query({ id: 5, labels: labels(WEB) })), framed(query({ id: 6, labels: labels(WEB) }))]));
    expect((await replies).map((r) => r.readUInt16BE(0)).sort()).toEqual([5, 6]);
  });

  it('closes the connection on a message shorter than a header', async () => {
    const socket = await connect();
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.write(Buffer.from([0, 3, 1, 2, 3]));
    await closed;
  });

  it('closes an idle connection after the idle timeout', async () => {
    const socket = await connect();
    const opened = Date.now();
    await new Promise<void>((resolve) => socket.on('close', () => resolve()));
    expect(Date.now() - opened).toBeGreaterThanOrEqual(1500);
  });
});

describe('garbage in', () => {
  it('answers garbage with FORMERR or nothing, and keeps answering afterwards', async () => {
    // [message, expected rcode or null for no reply]
    const garbage: [Buffer, number | null][] = [
      [Buffer.alloc(0), null],
      [Buffer.from('hello'), null],
      [Buffer.concat([query({ labels: [] }).subarray(0, 12), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1])]), 1], // pointer loop
      [query({ labels: labels(WEB), qdcount: 3 }), 1],
      [query({ labels: labels(WEB), flags: 0x8400 }), null], // a response: never answered
      [Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff)), 4], // header says opcode 9
    ];
    for (const [message, expected] of garbage) {
      const reply = await udpExchange(message, 300);
      expect(reply === null ? null : reply[3]! & 0x0f).toBe(expected);
    }
    expect(await udpExchange(query({ labels: labels('nope') }), 300)).not.toBeNull(); // REFUSED: not ours
    expect((await dig(WEB, 'A', { port })).answer).toHaveLength(1);
  });
});

describe('IPv6', () => {
  it('listens on [::1] too', async () => {
    const dispatcher = new Dispatcher({ resolver: { resolve: stubCluster() }, generations: new FakeGenerations(), logger: log.logger });
    const v6 = await startDnsServers({ listen: [{ host: '::1', port: 0 }], dispatcher, logger: log.logger });
    try {
      const v6Port = v6.addresses[0]!.port;
      expect(addresses(await dig(FOUR, 'A', { server: '::1', port: v6Port }))).toHaveLength(4);
      expect(addresses(await dig(BIG, 'A', { server: '::1', port: v6Port, options: ['+tcp'] }))).toHaveLength(100);
    } finally {
      await v6.close();
    }
  });
});

describe('closing', () => {
  it('stops answering once closed and frees the port', async () => {
    const dispatcher = new Dispatcher({ resolver: { resolve: stubCluster() }, generations: new FakeGenerations(), logger: log.logger });
    const temporary = await startDnsServers({ listen: [{ host: '127.0.0.1', port: 0 }], dispatcher, logger: log.logger });
    const tempPort = temporary.addresses[0]!.port;
    const idle = net.connect({ host: '127.0.0.1', port: tempPort });
    idle.on('error', () => undefined);
    await new Promise((resolve) => idle.on('connect', resolve));
    await temporary.close();
    expect(await udpExchange(query({ labels: labels(WEB) }), 300, '127.0.0.1', tempPort)).toBeNull();
    // The same port can be bound again.
    const again = await startDnsServers({ listen: [{ host: '127.0.0.1', port: tempPort }], dispatcher, logger: log.logger });
    await again.close();
  });
});

describe('answers that need an upstream (a slow resolver Promise)', () => {
  const SLOW = 'slow.default.svc.cluster.local';

  async function slowServer(): Promise<DnsServers> {
    const cluster = stubCluster();
    const resolver = {
      resolve: (q: Parameters<typeof cluster>[0]) => q.lower.join('.') === SLOW
        ? new Promise<ReturnType<typeof answer>>((resolve) => setTimeout(() => resolve(answer({ answer: [aRecord(q.labels.join('.'), '192.0.2.7')] })), 200))
        : cluster(q),
    };
    const dispatcher = new Dispatcher({ resolver, generations: new FakeGenerations(), logger: log.logger });
    return startDnsServers({ listen: [{ host: '127.0.0.1', port: 0 }], dispatcher, logger: log.logger });
  }

  it('lets a fast answer overtake a slow one on the same TCP connection', async () => {
    const slow = await slowServer();
    try {
      const socket = net.connect({ host: '127.0.0.1', port: slow.addresses[1]!.port });
      await new Promise((resolve) => socket.on('connect', resolve));
      const replies = readFramed(socket, 2);
      socket.write(Buffer.concat([framed(query({ id: 1, labels: labels(SLOW) })), framed(query({ id: 2, labels: labels(WEB) }))]));
      expect((await replies).map((r) => r.readUInt16BE(0))).toEqual([2, 1]);
      socket.destroy();
    } finally {
      await slow.close();
    }
  });

  it('close() lets in-flight answers go out on UDP and TCP before it resolves', async () => {
    const slow = await slowServer();
    const slowPort = slow.addresses[0]!.port;
    const socket = net.connect({ host: '127.0.0.1', port: slowPort });
    await new Promise((resolve) => socket.on('connect', resolve));
    const tcpReply = readFramed(socket, 1);
    socket.write(framed(query({ id: 9, labels: labels(SLOW) })));
    const udpReply = udpExchange(query({ id: 8, labels: labels(SLOW) }), 2000, '127.0.0.1', slowPort);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await slow.close();
    expect((await tcpReply)[0]!.readUInt16BE(0)).toBe(9);
    expect((await udpReply)?.readUInt16BE(0)).toBe(8);
    socket.destroy();
  });
});
