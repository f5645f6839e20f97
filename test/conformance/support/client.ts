// A small DNS client for the conformance suites: queries built by hand, sent over node:dgram or
// node:net, replies decoded by dns2 (an independent decoder). Every wait is bounded.
import dgram from 'node:dgram';
import net from 'node:net';
import { Packet } from 'dns2';
import { query, type QuerySpec } from '../../wire/support.js';

export interface Reply {
  readonly packet: Packet;
  readonly raw: Buffer;
  readonly transport: 'udp' | 'tcp';
}

export interface AskOptions {
  /** EDNS UDP size to advertise; null sends no OPT record (default 1232). */
  readonly udpSize?: number | null;
  readonly dnssecOk?: boolean;
  readonly flags?: number;
  readonly qclass?: number;
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 3000;

export function labelsOf(name: string): string[] {
  return name.replace(/\.$/, '').split('.').filter((l) => l !== '');
}

function decode(raw: Buffer, transport: 'udp' | 'tcp'): Reply {
  return { packet: Packet.parse(raw), raw, transport };
}

function spec(name: string, type: number, id: number, options: AskOptions): QuerySpec {
  const udpSize = options.udpSize === undefined ? 1232 : options.udpSize;
  return {
    id,
    labels: labelsOf(name),
    type,
    ...(options.qclass !== undefined ? { qclass: options.qclass } : {}),
    ...(options.flags !== undefined ? { flags: options.flags } : {}),
    edns: udpSize === null ? null : { udpSize, dnssecOk: options.dnssecOk ?? false },
  };
}

/** One UDP socket for many sequential questions to one server. */
export class UdpClient {
  private readonly socket: dgram.Socket;
  private nextId = 1;
  private waiting: { id: number; done: (reply: Buffer) => void } | null = null;

  constructor(private readonly host: string, private readonly port: number) {
    this.socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    this.socket.on('message', (message) => {
      if (this.waiting !== null && message.length >= 2 && message.readUInt16BE(0) === this.waiting.id) this.waiting.done(message);
    });
  }

  /** Sends raw bytes and waits for the reply whose ID matches `id` (null on timeout). */
  exchange(message: Buffer, id: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Buffer | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        resolve(null);
      }, timeoutMs);
      this.waiting = {
        id,
        done: (reply) => {
          clearTimeout(timer);
          this.waiting = null;
          resolve(reply);
        },
      };
      this.socket.send(message, this.port, this.host);
    });
  }

  async ask(name: string, type: number, options: AskOptions = {}): Promise<Reply> {
    const id = this.takeId();
    const raw = await this.exchange(query(spec(name, type, id, options)), id, options.timeoutMs);
    if (raw === null) throw new Error(`no UDP reply for ${name} ${type}`);
    return decode(raw, 'udp');
  }

  takeId(): number {
    this.nextId = (this.nextId % 0xffff) + 1;
    return this.nextId;
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * Sends one framed message over a fresh TCP connection and collects reply messages until `enough`
 * says so (default: the first one), the server closes, or the time runs out.
 */
export function tcpExchange(
  host: string, port: number, message: Buffer,
  enough: (replies: readonly Buffer[]) => boolean = (r) => r.length >= 1, timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const replies: Buffer[] = [];
    let pending = Buffer.alloc(0);
    const socket = net.connect({ host, port });
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      if (err !== undefined && replies.length === 0) reject(err);
      else resolve(replies);
    };
    const timer = setTimeout(() => finish(new Error('TCP exchange timed out')), timeoutMs);
    socket.on('connect', () => {
      const framed = Buffer.alloc(message.length + 2);
      framed.writeUInt16BE(message.length, 0);
      message.copy(framed, 2);
      socket.write(framed);
    });
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        replies.push(pending.subarray(2, 2 + pending.readUInt16BE(0)));
        pending = pending.subarray(2 + pending.readUInt16BE(0));
        if (enough(replies)) return finish();
      }
    });
    socket.on('error', (err) => finish(err));
    socket.on('close', () => finish(new Error('connection closed before a reply')));
  });
}

export async function askTcp(host: string, port: number, name: string, type: number, options: AskOptions = {}): Promise<Reply> {
  const [raw] = await tcpExchange(host, port, query(spec(name, type, 0x4242, options)), undefined, options.timeoutMs);
  if (raw === undefined) throw new Error(`no TCP reply for ${name} ${type}`);
  return decode(raw, 'tcp');
}

/** Every message of a zone transfer: until the second SOA (or the first message, when it is an error). */
export async function transfer(host: string, port: number, zone: string, type = 252, options: AskOptions = {}): Promise<Packet[]> {
  const soaCount = (replies: readonly Buffer[]): number =>
    replies.reduce((n, raw) => n + Packet.parse(raw).answers.filter((r) => r.type === 6).length, 0);
  const replies = await tcpExchange(
    host, port, query(spec(zone, type, 0x5151, { udpSize: null, ...options })),
    (r) => soaCount(r) >= 2 || (Packet.parse(r[0]!).header.rcode !== 0), options.timeoutMs ?? 10_000,
  );
  return replies.map((raw) => Packet.parse(raw));
}
