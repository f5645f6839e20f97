// DNS over UDP on node:dgram: one datagram in, at most one datagram out.
// Buffer from its module: the global `Buffer` is an accessor, a getter call on every use in hot code.
import { Buffer } from 'node:buffer';
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Client } from '../resolve/message.js';
import type { Dispatcher } from './dispatcher.js';
import type { RateLimitedLog } from './ratelimit.js';
import { ReplyScratch } from './response.js';
import { slipReply, type ResponseRateLimiter } from './rrl.js';

export interface UdpListenOptions {
  host: string;
  port: number;
  dispatcher: Dispatcher;
  log: RateLimitedLog;
  reusePort?: boolean;
  /** Response-rate limiting per client prefix; absent: every answer is sent. */
  rrl?: ResponseRateLimiter;
}

/**
 * A bigger kernel receive queue than the usual 208 KB default, so a burst of queries (many pods
 * starting at once) waits instead of being dropped. Linux caps it at net.core.rmem_max.
 */
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * Replies go to rinfo.address, always a literal IP: handing it back as it is skips dns.lookup, which
 * would defer every send by a tick (about 0.8 µs of a query's ~8 µs floor on the benchmark machine).
 */
function literalLookup(
  address: string, _options: unknown, callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  callback(null, address, address.includes(':') ? 6 : 4);
}

/** How long close() waits for datagrams the kernel could not take at once (EAGAIN) to go out. */
const SEND_QUEUE_DRAIN_MS = 1000;

/**
 * Datagrams the kernel would not take at once wait in the process; past this much, a reply is
 * dropped as the kernel itself would drop it, so a stalled interface cannot grow memory without bound.
 */
const MAX_SEND_QUEUE_BYTES = 4 * 1024 * 1024;

function growReceiveBuffer(socket: dgram.Socket): void {
  try {
    if (socket.getRecvBufferSize() < RECEIVE_BUFFER_BYTES) socket.setRecvBufferSize(RECEIVE_BUFFER_BYTES);
  } catch {
    // Not permitted or not supported: the default queue still works.
  }
}

export class UdpListener {
  /** Answers being computed (an upstream is involved); sends are tracked by the socket's queue. */
  private inFlight = 0;
  private closing: Promise<void> | null = null;
  private drained: (() => void) | null = null;
  /** Memory for replies sent the moment they are built, while nothing waits in the send queue. */
  private readonly scratch = new ReplyScratch();
  /**
   * Whether the kernel left datagrams in the process' send queue after the last send. One of them
   * may hold the scratch's memory, so until the queue is found empty replies get buffers of their own.
   */
  private queued = false;

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly dispatcher: Dispatcher,
    private readonly log: RateLimitedLog,
    private readonly rrl: ResponseRateLimiter | undefined,
    readonly host: string,
    readonly port: number,
  ) {
    socket.on('message', (message, remote) => this.receive(message, remote));
  }

  static listen(options: UdpListenOptions): Promise<UdpListener> {
    const socket = dgram.createSocket({
      type: isIPv6(options.host) ? 'udp6' : 'udp4',
      lookup: literalLookup,
      ...(options.reusePort === true ? { reusePort: true } : {}),
    });
    return new Promise((resolve, reject) => {
      const failBind = (err: Error): void => {
        socket.close();
        reject(err);
      };
      socket.once('error', failBind);
      socket.bind({ address: options.host, port: options.port }, () => {
        socket.off('error', failBind);
        growReceiveBuffer(socket);
        // From here on a socket error is logged, never thrown.
        socket.on('error', (err) => options.log.warn('udp-socket', err, 'UDP socket error'));
        resolve(new UdpListener(socket, options.dispatcher, options.log, options.rrl, options.host, socket.address().port));
      });
    });
  }

  private receive(message: Buffer, remote: dgram.RemoteInfo): void {
    if (this.closing !== null) return;
    const client: Client = { address: remote.address, port: remote.port, transport: 'udp' };
    let reply: Buffer | null | Promise<Buffer | null>;
    try {
      reply = this.dispatcher.handle(message, client, this.queued ? undefined : this.scratch);
    } catch (err) {
      this.log.warn('udp-dispatch', err, 'dispatcher threw');
      return;
    }
    if (reply === null) return;
    if (Buffer.isBuffer(reply)) {
      this.send(reply, remote.port, remote.address);
      return;
    }
    this.inFlight++;
    reply.then(
      (late) => {
        if (late !== null) this.send(late, remote.port, remote.address);
        this.settle();
      },
      (err: unknown) => {
        this.log.warn('udp-dispatch', err, 'dispatcher rejected');
        this.settle();
      },
    );
  }

  private send(answer: Buffer, port: number, address: string): void {
    let reply = answer;
    if (this.rrl !== undefined) {
      const verdict = this.rrl.check(address);
      if (verdict === 'drop') return;
      if (verdict === 'slip') reply = slipReply(answer);
    }
    // No completion callback: it costs a tick per query. The kernel takes almost every datagram at
    // once; the rare one it queues is waited for in close(), and a failed send is a lost datagram,
    // which the client retries like any other.
    if (this.queued && this.socket.getSendQueueSize() > MAX_SEND_QUEUE_BYTES) {
      this.log.warn('udp-send-queue', null, 'UDP send queue full; replies are being dropped');
      return;
    }
    try {
      this.socket.send(reply, port, address);
    } catch (err) {
      this.log.warn('udp-send', err, 'UDP send failed');
    }
    // One native call per reply, as the size check before each send used to be. Zero means every
    // datagram handed over so far, the ones on the scratch's memory too, has left the process.
    this.queued = this.socket.getSendQueueCount() > 0;
  }

  private settle(): void {
    this.inFlight--;
    if (this.inFlight === 0 && this.drained !== null) this.drained();
  }

  /** Stops reading new queries, waits for in-flight answers to go out, then closes the socket. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    for (let waited = 0; this.socket.getSendQueueCount() > 0 && waited < SEND_QUEUE_DRAIN_MS; waited += 5) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
