// Messages built with dns2 (an encoder independent of ours) and a scriptable upstream on loopback.
import dgram from 'node:dgram';
import { Packet } from 'dns2';
import type DNS from 'dns2';
import type { Client } from '../../../src/resolve/message.js';

export type RecordSpec = Partial<DNS.Packet.Resource> & { name: string; type: number; ttl: number };

export interface MessageSpec {
  id?: number;
  name: string;
  type: number;
  response?: boolean;
  rcode?: number;
  rd?: boolean;
  tc?: boolean;
  answers?: RecordSpec[];
  authorities?: RecordSpec[];
  additionals?: RecordSpec[];
  /** An OPT record: UDP size, DO bit, options (e.g. a cookie). */
  edns?: { udp?: number; do?: boolean; options?: object[] };
}

export function message(spec: MessageSpec): Buffer {
  const p = new Packet();
  p.header.id = spec.id ?? 0x1234;
  p.header.qr = spec.response ? 1 : 0;
  p.header.rd = spec.rd === false ? 0 : 1;
  p.header.ra = spec.response ? 1 : 0;
  p.header.tc = spec.tc ? 1 : 0;
  p.header.rcode = spec.rcode ?? 0;
  p.questions.push({ name: spec.name, type: spec.type, class: 1 } as DNS.Packet.Question);
  const record = (r: RecordSpec): DNS.Packet.Resource => ({ class: 1, ...r }) as DNS.Packet.Resource;
  p.answers.push(...(spec.answers ?? []).map(record));
  p.authorities.push(...(spec.authorities ?? []).map(record));
  p.additionals.push(...(spec.additionals ?? []).map(record));
  if (spec.edns) {
    p.additionals.push(Packet.Resource.EDNS(spec.edns.options ?? [], { udpPayloadSize: spec.edns.udp ?? 1232, doFlag: spec.edns.do ?? false }));
  }
  return p.toBuffer();
}

/** The reply to `query` (same ID and question bytes as dns2 re-encodes them) with the given sections. */
export function replyTo(query: Buffer, spec: Omit<MessageSpec, 'name' | 'type' | 'id' | 'response'>): Buffer {
  const q = Packet.parse(query);
  return message({ ...spec, id: q.header.id, name: q.questions[0]!.name, type: q.questions[0]!.type, response: true });
}

export function soa(zone: string, ttl: number, minimum: number): RecordSpec {
  return {
    name: zone, type: 6, ttl, primary: `ns.${zone}`, admin: `hostmaster.${zone}`,
    serial: 1, refresh: 3600, retry: 600, expiration: 86400, minimum,
  };
}

export const udpClient: Client = { address: '127.0.0.1', port: 5353, transport: 'udp' };
export const tcpClient: Client = { address: '127.0.0.1', port: 5353, transport: 'tcp' };

export function decode(buf: Buffer): Packet {
  return Packet.parse(buf);
}

/** What the fake upstream does with one query: a reply, several datagrams in order, or silence. */
export type Script = (query: Buffer, seen: number) => Buffer | Buffer[] | null | Promise<Buffer | Buffer[] | null>;

/** A UDP "upstream" on 127.0.0.1 that runs a script per query and counts what it received. */
export class FakeUpstream {
  readonly received: Buffer[] = [];
  private closed = false;
  private constructor(private readonly socket: dgram.Socket, private script: Script) {}

  static async start(script: Script): Promise<FakeUpstream> {
    const socket = dgram.createSocket('udp4');
    const fake = new FakeUpstream(socket, script);
    socket.on('message', (msg, rinfo) => void fake.onQuery(msg, rinfo));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return fake;
  }

  get upstream(): { host: string; port: number } {
    return { host: '127.0.0.1', port: this.socket.address().port };
  }

  setScript(script: Script): void {
    this.script = script;
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private async onQuery(msg: Buffer, rinfo: dgram.RemoteInfo): Promise<void> {
    this.received.push(msg);
    const out = await this.script(msg, this.received.length);
    for (const datagram of out === null ? [] : Array.isArray(out) ? out : [out]) {
      this.socket.send(datagram, rinfo.port, rinfo.address);
    }
  }
}

/** A clock for tests, started well above 0 (lru-cache reads a start of 0 as "no TTL"). */
export class FakeClock {
  ms = 1_000_000;
  readonly now = (): number => this.ms;
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}
