// A minimal DNS client for readiness probes and the sync benchmark's polling: encodes one question,
// reads the rcode and the A records of the answer. Independent of src/ on purpose, so the benchmark
// never measures svcdns with svcdns's own codec.
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';

export const QTYPE = { A: 1, NS: 2, SOA: 6, PTR: 12, AAAA: 28, SRV: 33 } as const;

export const RCODE_NAMES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

export interface DnsAnswer {
  readonly id: number;
  readonly rcode: number;
  /** Addresses of the A records in the answer section. */
  readonly addresses: string[];
  readonly answerCount: number;
}

export function encodeQuery(id: number, name: string, qtype: number): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  const parts = [Buffer.from([id >> 8, id & 255, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0])];
  for (const label of labels) parts.push(Buffer.from([label.length]), Buffer.from(label, 'latin1'));
  parts.push(Buffer.from([0, qtype >> 8, qtype & 255, 0, 1]));
  return Buffer.concat(parts);
}

/** Offset just past the (possibly compressed) name at `offset`, or -1 when malformed. */
function skipName(msg: Buffer, offset: number): number {
  let at = offset;
  while (at < msg.length) {
    const len = msg[at] as number;
    if (len === 0) return at + 1;
    if ((len & 0xc0) === 0xc0) return at + 2;
    at += 1 + len;
  }
  return -1;
}

export function decodeAnswer(msg: Buffer): DnsAnswer | null {
  if (msg.length < 12) return null;
  const id = msg.readUInt16BE(0);
  const rcode = (msg[3] as number) & 0x0f;
  const qdcount = msg.readUInt16BE(4);
  const ancount = msg.readUInt16BE(6);
  let at = 12;
  for (let i = 0; i < qdcount && at >= 0; i++) at = skipName(msg, at) + 4;
  const addresses: string[] = [];
  for (let i = 0; i < ancount && at >= 0 && at < msg.length; i++) {
    at = skipName(msg, at);
    if (at < 0 || at + 10 > msg.length) return null;
    const type = msg.readUInt16BE(at);
    const rdlength = msg.readUInt16BE(at + 8);
    const rdata = at + 10;
    if (type === QTYPE.A && rdlength === 4) addresses.push([...msg.subarray(rdata, rdata + 4)].join('.'));
    at = rdata + rdlength;
  }
  return { id, rcode, addresses, answerCount: ancount };
}

/** One UDP socket shared by many outstanding queries, matched by ID. */
export class DnsClient {
  readonly #socket: Socket;
  readonly #host: string;
  readonly #port: number;
  readonly #pending = new Map<number, (answer: DnsAnswer | null) => void>();
  #nextId = 1;

  constructor(host: string, port: number) {
    this.#host = host;
    this.#port = port;
    this.#socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    this.#socket.on('message', (msg) => {
      const answer = decodeAnswer(msg);
      if (!answer) return;
      const done = this.#pending.get(answer.id);
      this.#pending.delete(answer.id);
      done?.(answer);
    });
    this.#socket.on('error', () => undefined);
  }

  /** Resolves with the answer, or null after `timeoutMs` without one. */
  query(name: string, qtype: number, timeoutMs = 1000): Promise<DnsAnswer | null> {
    const id = this.#nextId;
    this.#nextId = (this.#nextId % 65535) + 1;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        resolve(null);
      }, timeoutMs);
      this.#pending.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      this.#socket.send(encodeQuery(id, name, qtype), this.#port, this.#host);
    });
  }

  close(): void {
    for (const done of this.#pending.values()) done(null);
    this.#pending.clear();
    this.#socket.close();
  }
}

/** True once `name A` gets a NOERROR answer with at least one record. */
export async function answersName(host: string, port: number, name: string, qtype: number = QTYPE.A): Promise<boolean> {
  const client = new DnsClient(host, port);
  try {
    const answer = await client.query(name, qtype, 500);
    return answer !== null && answer.rcode === 0 && answer.answerCount > 0;
  } finally {
    client.close();
  }
}
