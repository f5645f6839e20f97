// A stub upstream for ExternalName targets outside the zone: a tiny authoritative responder on
// node:dgram and node:net that answers the records a case's `upstream_lookup` lists for the asked
// name (TC set when the case says the upstream reply was truncated), and NXDOMAIN for anything else.
import dgram from 'node:dgram';
import net from 'node:net';
import { Packet } from 'dns2';
import { RRType } from '../../../src/resolve/message.js';
import type { ExpectedRecord } from '../../unit/resolve/helpers/coredns-cases.js';

export interface StubRecord extends ExpectedRecord {
  /** The reply that carries this record sets TC. */
  readonly truncated?: boolean;
}

export interface UpstreamStub {
  readonly port: number;
  /** Names asked, lower case, in order. */
  readonly asked: string[];
  close(): Promise<void>;
}

const stripDot = (name: string): string => name.replace(/\.$/, '').toLowerCase();

function toResource(r: StubRecord): Record<string, unknown> {
  const base = { name: stripDot(r.name), type: RRType[r.type as keyof typeof RRType], class: 1, ttl: typeof r.ttl === 'number' ? r.ttl : 60 };
  switch (r.type) {
    case 'A': case 'AAAA': return { ...base, address: String(r.rdata.address) };
    case 'CNAME': return { ...base, domain: stripDot(String(r.rdata.target)) };
    case 'PTR': return { ...base, domain: stripDot(String(r.rdata.ptr)) };
    case 'TXT': return { ...base, data: r.rdata.txt };
    default: throw new Error(`the stub cannot serve ${r.type}`);
  }
}

function reply(request: Buffer, records: readonly StubRecord[], asked: string[]): Buffer | null {
  let query: Packet;
  try {
    query = Packet.parse(request);
  } catch {
    return null;
  }
  const question = query.questions[0];
  if (question === undefined) return null;
  const name = stripDot(question.name);
  asked.push(name);
  const matching = records.filter((r) => stripDot(r.name) === name && RRType[r.type as keyof typeof RRType] === question.type);
  const response = Packet.createResponseFromRequest(query);
  response.header.aa = 1;
  response.header.rcode = records.some((r) => stripDot(r.name) === name) ? 0 : 3;
  response.header.tc = matching.some((r) => r.truncated === true) ? 1 : 0;
  for (const r of matching) response.answers.push(toResource(r) as unknown as Packet['answers'][number]);
  return response.toBuffer();
}

export async function startUpstreamStub(records: readonly StubRecord[]): Promise<UpstreamStub> {
  const asked: string[] = [];
  const udp = dgram.createSocket('udp4');
  udp.on('message', (message, remote) => {
    const out = reply(message, records, asked);
    if (out !== null) udp.send(out, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  const port = udp.address().port;

  const tcp = net.createServer((socket) => {
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const out = reply(pending.subarray(2, 2 + pending.readUInt16BE(0)), records, asked);
        pending = pending.subarray(2 + pending.readUInt16BE(0));
        if (out === null) continue;
        const framed = Buffer.alloc(out.length + 2);
        framed.writeUInt16BE(out.length, 0);
        out.copy(framed, 2);
        socket.write(framed);
      }
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port,
    asked,
    close: async () => {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}
