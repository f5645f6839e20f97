// DNS over TCP on node:net (RFC 7766): 2-byte length framing across reads, several pipelined
// queries per connection, answers in completion order, and the limits that keep a hostile or
// broken client from exhausting the server: a cap on open connections, an idle timeout that only
// real progress resets, a cap on answers in flight per connection, and no reading while a client
// leaves its answers unread.
import { Buffer } from 'node:buffer';
import net from 'node:net';
import type { Client } from '../resolve/message.js';
import type { Dispatcher } from './dispatcher.js';
import type { RateLimitedLog } from './ratelimit.js';

export interface TcpLimits {
  /** Open connections at most (default 1000). A new one beyond it evicts the longest-quiet connection, or is closed. */
  maxConnections?: number;
  /** Close a connection after this long without a complete query or a drained answer (default 30 s). */
  idleTimeoutMs?: number;
  /** Answers being computed per connection; reading stops at this many until one is written (default 64). */
  maxInFlight?: number;
}

export interface TcpListenOptions extends TcpLimits {
  host: string;
  port: number;
  dispatcher: Dispatcher;
  log: RateLimitedLog;
  reusePort?: boolean;
  /** On close(), connections still busy after this long are cut (default 5 s). */
  closeGraceMs?: number;
}

/** What the listener has done to protect itself, for tests and metrics. */
export interface TcpStats {
  readonly open: number;
  /** Connections closed at once because the limit was reached and none could be evicted. */
  readonly rejected: number;
  /** Quiet connections closed to make room for a new one. */
  readonly evicted: number;
  /** Connections closed by the idle timeout (including slow senders that never complete a query). */
  readonly timedOut: number;
  /** Bytes held for all connections: partial queries read plus answers the clients have not taken. */
  readonly bufferedBytes: number;
}

const DEFAULT_MAX_CONNECTIONS = 1000;
const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_IN_FLIGHT = 64;
const DEFAULT_CLOSE_GRACE_MS = 5_000;
const HEADER_SIZE = 12;
const EMPTY = Buffer.alloc(0);

/** Errors a peer causes by going away; not worth a log line. */
const PEER_GONE = new Set(['ECONNRESET', 'EPIPE', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

interface ConnectionLimits {
  readonly maxInFlight: number;
}

class TcpConnection {
  private pending: Buffer = EMPTY;
  private inFlight = 0;
  private peerEnded = false;
  private closing = false;
  private ending = false;
  private readonly client: Client;
  /** When this connection last made progress: a complete query read or its answers drained. */
  lastProgress: number;

  constructor(
    private readonly socket: net.Socket,
    private readonly dispatcher: Dispatcher,
    private readonly log: RateLimitedLog,
    private readonly limits: ConnectionLimits,
    now: number,
  ) {
    this.lastProgress = now;
    this.client = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0, transport: 'tcp' };
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('end', () => {
      this.peerEnded = true;
      this.finishIfDone();
    });
    socket.on('drain', () => {
      this.lastProgress = Date.now();
      this.pump();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (!PEER_GONE.has(err.code ?? '')) this.log.warn('tcp-socket', err, 'TCP connection error');
    });
  }

  /**
   * A connection waiting on answers being computed (an upstream) is never evicted or timed out; one
   * whose client leaves answers unread is not protected: it makes no progress.
   */
  get computing(): boolean {
    return this.inFlight > 0;
  }

  get bufferedBytes(): number {
    return this.pending.length + this.socket.writableLength;
  }

  private receive(chunk: Buffer): void {
    if (this.closing) return;
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    this.pump();
  }

  /** Reading waits while the client leaves answers unread or too many answers are still being computed. */
  private get blocked(): boolean {
    return this.socket.writableNeedDrain || this.inFlight >= this.limits.maxInFlight;
  }

  /** Answers every complete query held, as far as the limits allow, then pauses or resumes reading. */
  private pump(): void {
    if (this.closing || this.socket.destroyed) return;
    let data = this.pending;
    // Corked while a read's queries are answered, their answers leave in one writev, one segment on
    // the wire. Uncorked (Nagle is off), the first answer of a read went out at once and the rest
    // queued behind it in the stream, to leave in a second write a tick later: two segments and two
    // ACKs a read, and the stream's bookkeeping for each answer. The `tcp` benchmark mix ran at 2.1x
    // the rate with the cork, in rounds paired with the tree before it.
    this.socket.cork();
    let progressed = false;
    try {
      while (data.length >= 2 && !this.blocked) {
        const length = data.readUInt16BE(0);
        if (length < HEADER_SIZE) {
          // Not a DNS message: nothing sensible can follow on this stream.
          this.socket.destroy();
          return;
        }
        if (data.length < 2 + length) break;
        if (!progressed) {
          this.lastProgress = Date.now();
          progressed = true;
        }
        this.dispatch(data.subarray(2, 2 + length));
        if (this.socket.destroyed) return;
        data = data.subarray(2 + length);
      }
    } finally {
      this.socket.uncork();
    }
    // What is held back is at most one read chunk plus a partial query: reading pauses when blocked.
    this.pending = data.length === 0 ? EMPTY : data;
    if (this.blocked) {
      this.socket.pause();
      return;
    }
    if (this.socket.isPaused()) this.socket.resume();
    this.finishIfDone();
  }

  /** A whole query still waiting in `pending` (held back while reading was blocked). */
  private get holdsQuery(): boolean {
    return this.pending.length >= 2 && this.pending.length >= 2 + this.pending.readUInt16BE(0);
  }

  private dispatch(message: Buffer): void {
    let reply: Buffer | null | Promise<Buffer | null>;
    try {
      const transfer = this.dispatcher.transferReplies(message, this.client);
      if (transfer !== null) return transfer.forEach((part) => this.write(part));
      reply = this.dispatcher.handle(message, this.client);
    } catch (err) {
      this.log.warn('tcp-dispatch', err, 'dispatcher threw');
      return;
    }
    if (reply === null) return;
    if (Buffer.isBuffer(reply)) {
      this.write(reply);
      return;
    }
    this.inFlight++;
    reply.then(
      (late) => {
        this.inFlight--;
        if (late !== null) this.write(late);
        this.afterAnswer();
      },
      (err: unknown) => {
        this.inFlight--;
        this.log.warn('tcp-dispatch', err, 'dispatcher rejected');
        this.afterAnswer();
      },
    );
  }

  private afterAnswer(): void {
    this.pump();
    this.finishIfDone();
  }

  private write(reply: Buffer): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    if (reply.length > 0xffff) {
      this.log.warn('tcp-size', null, `reply of ${reply.length} bytes does not fit TCP framing; dropped`);
      return;
    }
    const framed = Buffer.allocUnsafe(reply.length + 2);
    framed.writeUInt16BE(reply.length, 0);
    reply.copy(framed, 2);
    // When this returns false the buffer is full: pump() stops reading until 'drain'.
    this.socket.write(framed);
  }

  /**
   * After the peer's FIN, end our side once every query it sent is answered; after our close(),
   * once the answers being computed are written (queries not yet read are left).
   */
  private finishIfDone(): void {
    if (this.ending || this.socket.destroyed || this.inFlight > 0) return;
    if (this.closing || (this.peerEnded && !this.holdsQuery)) {
      this.ending = true;
      this.socket.end(() => this.socket.destroy());
    }
  }

  shutDown(): void {
    this.closing = true;
    this.socket.pause();
    this.finishIfDone();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

interface Counters {
  rejected: number;
  evicted: number;
  timedOut: number;
}

/** The connections of one listener, with the connection cap and the idle sweep. */
class ConnectionTable {
  readonly connections = new Set<TcpConnection>();
  readonly counters: Counters = { rejected: 0, evicted: 0, timedOut: 0 };
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly maxConnections: number, private readonly idleTimeoutMs: number) {
    // One timer for all connections rather than one per socket; a quarter of the timeout keeps the
    // actual cut within 25% of the configured value.
    this.sweeper = setInterval(() => this.sweep(Date.now()), Math.max(20, Math.min(1000, idleTimeoutMs / 4)));
    this.sweeper.unref();
  }

  /** Makes room for one more connection; false when every open connection is waiting on an answer. */
  admit(): boolean {
    if (this.connections.size < this.maxConnections) return true;
    let quietest: TcpConnection | null = null;
    for (const connection of this.connections) {
      if (connection.computing) continue;
      if (quietest === null || connection.lastProgress < quietest.lastProgress) quietest = connection;
    }
    if (quietest === null) {
      this.counters.rejected++;
      return false;
    }
    this.counters.evicted++;
    this.connections.delete(quietest);
    quietest.destroy();
    return true;
  }

  private sweep(now: number): void {
    for (const connection of this.connections) {
      // A slow sender that never completes a query, or a client that leaves its answers unread,
      // makes no progress, so the timeout reaches it as it reaches a silent one.
      if (now - connection.lastProgress >= this.idleTimeoutMs && !connection.computing) {
        this.counters.timedOut++;
        this.connections.delete(connection);
        connection.destroy();
      }
    }
  }

  stop(): void {
    clearInterval(this.sweeper);
  }
}

export class TcpListener {
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly server: net.Server,
    private readonly table: ConnectionTable,
    readonly host: string,
    readonly port: number,
    private readonly closeGraceMs: number,
  ) {}

  static listen(options: TcpListenOptions): Promise<TcpListener> {
    const limits = { maxInFlight: Math.max(1, options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT) };
    const table = new ConnectionTable(
      Math.max(1, options.maxConnections ?? DEFAULT_MAX_CONNECTIONS),
      options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    );
    // allowHalfOpen: a client may send its queries and FIN at once; it still gets its answers.
    const server = net.createServer({ allowHalfOpen: true }, (socket) => {
      if (!table.admit()) {
        socket.on('error', () => undefined);
        socket.destroy();
        options.log.warn('tcp-limit', null, 'TCP connection limit reached and every connection is waiting on an answer; new connection closed');
        return;
      }
      const connection = new TcpConnection(socket, options.dispatcher, options.log, limits, Date.now());
      table.connections.add(connection);
      socket.on('close', () => table.connections.delete(connection));
    });
    return new Promise((resolve, reject) => {
      const failListen = (err: Error): void => {
        table.stop();
        server.close();
        reject(err);
      };
      server.once('error', failListen);
      server.listen({ host: options.host, port: options.port, ...(options.reusePort === true ? { reusePort: true } : {}) }, () => {
        server.off('error', failListen);
        server.on('error', (err) => options.log.warn('tcp-server', err, 'TCP server error'));
        const { port } = server.address() as net.AddressInfo;
        resolve(new TcpListener(server, table, options.host, port, options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS));
      });
    });
  }

  stats(): TcpStats {
    let bufferedBytes = 0;
    for (const connection of this.table.connections) bufferedBytes += connection.bufferedBytes;
    return { open: this.table.connections.size, ...this.table.counters, bufferedBytes };
  }

  /** Stops accepting, lets in-flight answers go out, then closes every connection. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.table.stop();
      // Connections that are still busy (or whose peer stops reading) are cut after the grace period.
      const cutOff = setTimeout(() => {
        for (const connection of this.table.connections) connection.destroy();
      }, this.closeGraceMs);
      cutOff.unref();
      this.server.close(() => {
        clearTimeout(cutOff);
        resolve();
      });
      for (const connection of this.table.connections) connection.shutDown();
    });
    return this.closing;
  }
}
