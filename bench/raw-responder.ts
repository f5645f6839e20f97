// The ceiling for a Node DNS server on this machine: answers every UDP query with one prebuilt reply,
// patching only the ID. No parsing, no lookup: what is left is the cost of node:dgram itself.
// Over TCP it does the minimum a stream needs (2-byte length framing) and nothing more.
//
//   node bench/raw-responder.ts --listen 127.0.0.1:5300 [--reuse-port] [--no-tcp]
// Prints `listening HOST:PORT` once both sockets are bound.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { parseArgs } from 'node:util';

/** A reply for `svc.ns.svc.cluster.local. A` with one A record (10.96.0.100, TTL 5), ID 0. */
export function buildReply(): Buffer {
  const labels = ['svc', 'ns', 'svc', 'cluster', 'local'];
  const name = Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
  const header = Buffer.from([0, 0, 0x85, 0x00, 0, 1, 0, 1, 0, 0, 0, 0]); // QR AA RD, 1 question, 1 answer
  const question = Buffer.concat([name, Buffer.from([0, 1, 0, 1])]);
  const answer = Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 10, 96, 0, 100]);
  return Buffer.concat([header, question, answer]);
}

/**
 * rinfo.address is a literal IP: returning it as it is skips dns.lookup and the tick it defers each
 * send by. svcdns's UDP listener does the same, so the ceiling keeps paying exactly what svcdns pays
 * for node:dgram and nothing more (without it, this responder costs about 0.8 µs more per query).
 */
function literalLookup(
  address: string, _options: unknown, callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  callback(null, address, address.includes(':') ? 6 : 4);
}

function serveUdp(host: string, port: number, reusePort: boolean, reply: Buffer): Promise<number> {
  const socket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', reusePort, lookup: literalLookup });
  socket.on('message', (msg, rinfo) => {
    if (msg.length < 12) return;
    reply[0] = msg[0] as number;
    reply[1] = msg[1] as number;
    // dgram tries a synchronous sendto first, so patching the shared buffer for the next query is safe.
    socket.send(reply, rinfo.port, rinfo.address);
  });
  socket.on('error', (err) => {
    console.error(`udp: ${err.message}`);
    process.exit(1);
  });
  return new Promise((resolve) => socket.bind(port, host, () => resolve(socket.address().port)));
}

function serveTcpConnection(conn: Socket, reply: Buffer): void {
  let pending: Buffer = Buffer.alloc(0);
  conn.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    const ids: number[] = [];
    let offset = 0;
    while (pending.length - offset >= 2) {
      const len = pending.readUInt16BE(offset);
      if (pending.length - offset - 2 < len) break;
      if (len >= 2) ids.push(pending.readUInt16BE(offset + 2));
      offset += 2 + len;
    }
    pending = pending.subarray(offset);
    if (ids.length === 0) return;
    // One write per chunk: each reply is length + prebuilt message with the query's ID.
    const frame = reply.length + 2;
    const out = Buffer.allocUnsafe(frame * ids.length);
    ids.forEach((id, i) => {
      out.writeUInt16BE(reply.length, i * frame);
      reply.copy(out, i * frame + 2);
      out.writeUInt16BE(id, i * frame + 2);
    });
    conn.write(out);
  });
  conn.on('error', () => conn.destroy());
}

function serveTcp(host: string, port: number, reply: Buffer): Promise<void> {
  const server = createServer({ noDelay: true }, (conn) => serveTcpConnection(conn, reply));
  server.on('error', (err) => {
    console.error(`tcp: ${err.message}`);
    process.exit(1);
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve()));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      listen: { type: 'string', default: '127.0.0.1:5300' },
      'reuse-port': { type: 'boolean', default: false },
      'no-tcp': { type: 'boolean', default: false },
    },
  });
  const listen = values.listen ?? '';
  const sep = listen.lastIndexOf(':');
  const host = listen.slice(0, sep).replace(/^\[|\]$/g, '');
  const port = Number(listen.slice(sep + 1));
  if (sep < 0 || !Number.isInteger(port)) {
    console.error('usage: node bench/raw-responder.ts --listen HOST:PORT [--reuse-port] [--no-tcp]');
    process.exit(2);
  }
  const bound = await serveUdp(host, port, values['reuse-port'] ?? false, buildReply());
  if (!values['no-tcp']) await serveTcp(host, bound, buildReply());
  console.log(`listening ${host}:${bound}`);
}

if (import.meta.main) {
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGINT', () => process.exit(0));
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
