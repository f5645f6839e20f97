// Exchanges with one upstream: UDP over a connected socket of our own (the kernel drops datagrams from
// anyone else, and a closed port comes back at once as ECONNREFUSED), TCP for truncated replies. Every
// reply is screened here, as it arrives (screen.ts): what comes out of an exchange is sound.
import { Buffer } from 'node:buffer';
import dgram from 'node:dgram';
import net from 'node:net';
import { screenReply, type Screened } from './screen.js';
import type { RecordSpan } from './walk.js';
import { randomId, withId, type WireQuestion } from './wire.js';

export interface Upstream {
  readonly host: string;
  readonly port: number;
}

/** `malformed`: the upstream's reply to our query failed the screening (a broken or hostile upstream). */
export type ExchangeFailure = 'timeout' | 'refused' | 'network' | 'closed' | 'busy' | 'malformed';

export type ExchangeResult =
  | { readonly ok: true; readonly reply: Buffer; readonly question: WireQuestion; readonly spans: readonly RecordSpan[] }
  | { readonly ok: false; readonly failure: ExchangeFailure; readonly detail: string };

export function describe(u: Upstream): string {
  return u.host.includes(':') ? `[${u.host}]:${u.port}` : `${u.host}:${u.port}`;
}

/** The outcome of an exchange once our reply has come: sound, or a failure. */
function outcome(screened: Exclude<Screened, { kind: 'stray' }>): ExchangeResult {
  return screened.kind === 'reply'
    ? { ok: true, reply: screened.reply, question: screened.question, spans: screened.spans }
    : { ok: false, failure: 'malformed', detail: screened.problem };
}

interface Pending {
  readonly asked: WireQuestion;
  readonly settle: (result: ExchangeResult) => void;
}

/** At most this many tries to find a free ID; with ≤ a few thousand in flight one try nearly always does. */
const ID_TRIES = 16;

export class UdpChannel {
  private socket: dgram.Socket | null = null;
  private connecting: Promise<dgram.Socket> | null = null;
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  constructor(readonly upstream: Upstream) {}

  get inFlight(): number {
    return this.pending.size;
  }

  /** Sends `query` (its ID replaced by a fresh random one) and waits up to `timeoutMs` for the matching reply. */
  async exchange(query: Buffer, asked: WireQuestion, timeoutMs: number): Promise<ExchangeResult> {
    if (this.closed) return { ok: false, failure: 'closed', detail: 'forwarder closed' };
    let socket: dgram.Socket;
    try {
      socket = await this.connect();
    } catch (err) {
      return { ok: false, failure: 'network', detail: errorText(err) };
    }
    const id = this.freeId();
    if (id === null) return { ok: false, failure: 'busy', detail: 'no free query ID' };
    return new Promise<ExchangeResult>((resolve) => {
      const timer = setTimeout(() => settle({ ok: false, failure: 'timeout', detail: `no reply in ${timeoutMs} ms` }), timeoutMs);
      const settle = (result: ExchangeResult): void => {
        if (this.pending.get(id)?.settle !== settle) return;
        this.pending.delete(id);
        clearTimeout(timer);
        resolve(result);
      };
      this.pending.set(id, { asked, settle });
      socket.send(withId(query, id), (err) => {
        if (err) settle({ ok: false, failure: 'network', detail: errorText(err) });
      });
    });
  }

  close(): void {
    this.closed = true;
    this.failAll('closed', 'forwarder closed');
    this.socket?.close();
    this.socket = null;
  }

  private freeId(): number | null {
    for (let i = 0; i < ID_TRIES; i++) {
      const id = randomId();
      if (!this.pending.has(id)) return id;
    }
    return null;
  }

  private connect(): Promise<dgram.Socket> {
    if (this.socket !== null) return Promise.resolve(this.socket);
    if (this.connecting !== null) return this.connecting;
    const socket = dgram.createSocket(net.isIPv6(this.upstream.host.split('%')[0]!) ? 'udp6' : 'udp4');
    this.connecting = new Promise<dgram.Socket>((resolve, reject) => {
      const onConnectError = (err: Error): void => {
        this.connecting = null;
        socket.close();
        reject(err);
      };
      socket.once('error', onConnectError);
      socket.connect(this.upstream.port, this.upstream.host, () => {
        socket.off('error', onConnectError);
        socket.on('error', (err) => this.onError(socket, err));
        socket.on('message', (msg) => this.onMessage(msg));
        this.connecting = null;
        if (this.closed) {
          socket.close();
          reject(new Error('forwarder closed'));
          return;
        }
        this.socket = socket;
        resolve(socket);
      });
    });
    return this.connecting;
  }

  private onMessage(msg: Buffer): void {
    if (msg.length < 12) return;
    const pending = this.pending.get(msg.readUInt16BE(0));
    if (pending === undefined) return; // late or stray
    const screened = screenReply(msg, msg.readUInt16BE(0), pending.asked);
    if (screened.kind === 'stray') return; // right ID, wrong question: a spoof or garbage; keep waiting
    pending.settle(outcome(screened));
  }

  private onError(socket: dgram.Socket, err: NodeJS.ErrnoException): void {
    // ICMP port unreachable on a connected socket: the upstream is not listening. Nothing in flight
    // can succeed, so fail it all now rather than at the timeout.
    if (err.code === 'ECONNREFUSED') {
      this.failAll('refused', 'connection refused (ICMP port unreachable)');
      return;
    }
    this.failAll('network', errorText(err));
    if (this.socket === socket) this.socket = null;
    socket.close();
  }

  private failAll(failure: ExchangeFailure, detail: string): void {
    for (const p of [...this.pending.values()]) p.settle({ ok: false, failure, detail });
  }
}

/** One query over a fresh TCP connection (after a truncated UDP reply), bounded by `timeoutMs`. */
export function tcpExchange(upstream: Upstream, query: Buffer, asked: WireQuestion, timeoutMs: number): Promise<ExchangeResult> {
  const id = randomId();
  const payload = withId(query, id);
  return new Promise<ExchangeResult>((resolve) => {
    const socket = net.connect({ host: upstream.host, port: upstream.port });
    let received = Buffer.alloc(0);
    let done = false;
    const finish = (result: ExchangeResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ ok: false, failure: 'timeout', detail: `no TCP reply in ${timeoutMs} ms` }), timeoutMs);
    socket.setNoDelay(true);
    socket.on('connect', () => {
      const frame = Buffer.alloc(2 + payload.length);
      frame.writeUInt16BE(payload.length, 0);
      payload.copy(frame, 2);
      socket.write(frame);
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      while (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
        const msg = received.subarray(2, 2 + received.readUInt16BE(0));
        received = received.subarray(2 + msg.length);
        const screened = screenReply(Buffer.from(msg), id, asked);
        if (screened.kind !== 'stray') {
          finish(outcome(screened));
          return;
        }
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) =>
      finish({ ok: false, failure: err.code === 'ECONNREFUSED' ? 'refused' : 'network', detail: errorText(err) }));
    socket.on('close', () => finish({ ok: false, failure: 'network', detail: 'TCP connection closed before a reply' }));
  });
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
