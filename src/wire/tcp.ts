// DNS over TCP on node:net (RFC 7766): 2-byte length framing across reads, several pipelined
// queries per connection, answers in completion order, an idle timeout.
import net from 'node:net';
import type { Client } from '../resolve/message.js';
import type { Dispatcher } from './dispatcher.js';
import type { RateLimitedLog } from './ratelimit.js';

export interface TcpListenOptions {
  host: string;
  port: number;
  dispatcher: Dispatcher;
  log: RateLimitedLog;
  reusePort?: boolean;
  /** Close a connection after this long without traffic (default 30 s). */
  idleTimeoutMs?: number;
  /** On close(), connections still busy after this long are cut (default 5 s). */
  closeGraceMs?: number;
}

const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
const DEFAULT_CLOSE_GRACE_MS = 5_000;
const HEADER_SIZE = 12;
const EMPTY = Buffer.alloc(0);

/** Errors a peer causes by going away; not worth a log line. */
const PEER_GONE = new Set(['ECONNRESET', 'EPIPE', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

class TcpConnection {
  private pending: Buffer = EMPTY;
  private inFlight = 0;
  private peerEnded = false;
  private closing = false;
  private ending = false;
  private readonly client: Client;

  constructor(
    private readonly socket: net.Socket,
    private readonly dispatcher: Dispatcher,
    private readonly log: RateLimitedLog,
    idleTimeoutMs: number,
  ) {
    this.client = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0, transport: 'tcp' };
    socket.setNoDelay(true);
    socket.setTimeout(idleTimeoutMs);
    socket.on('timeout', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('end', () => {
      this.peerEnded = true;
      this.finishIfDone();
    });
    socket.on('drain', () => {
      if (!this.closing) socket.resume();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (!PEER_GONE.has(err.code ?? '')) this.log.warn('tcp-socket', err, 'TCP connection error');
    });
  }

  private receive(chunk: Buffer): void {
    if (this.closing) return;
    let data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (data.length >= 2) {
      const length = data.readUInt16BE(0);
      if (length < HEADER_SIZE) {
        // Not a DNS message: nothing sensible can follow on this stream.
        this.socket.destroy();
        return;
      }
      if (data.length < 2 + length) break;
      this.dispatch(data.subarray(2, 2 + length));
      if (this.socket.destroyed) return;
      data = data.subarray(2 + length);
    }
    this.pending = data;
  }

  private dispatch(message: Buffer): void {
    let reply: Buffer | null | Promise<Buffer | null>;
    try {
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
        this.finishIfDone();
      },
      (err: unknown) => {
        this.inFlight--;
        this.log.warn('tcp-dispatch', err, 'dispatcher rejected');
        this.finishIfDone();
      },
    );
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
    // A client that sends faster than it reads gets no more answers queued until it catches up.
    if (!this.socket.write(framed)) this.socket.pause();
  }

  /** After the peer's FIN (or our close()), end our side once every answer has been written. */
  private finishIfDone(): void {
    if ((this.peerEnded || this.closing) && this.inFlight === 0 && !this.ending && !this.socket.destroyed) {
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

export class TcpListener {
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly server: net.Server,
    private readonly connections: Set<TcpConnection>,
    readonly host: string,
    readonly port: number,
    private readonly closeGraceMs: number,
  ) {}

  static listen(options: TcpListenOptions): Promise<TcpListener> {
    const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    const connections = new Set<TcpConnection>();
    // allowHalfOpen: a client may send its queries and FIN at once; it still gets its answers.
    const server = net.createServer({ allowHalfOpen: true }, (socket) => {
      const connection = new TcpConnection(socket, options.dispatcher, options.log, idleTimeoutMs);
      connections.add(connection);
      socket.on('close', () => connections.delete(connection));
    });
    return new Promise((resolve, reject) => {
      const failListen = (err: Error): void => {
        server.close();
        reject(err);
      };
      server.once('error', failListen);
      server.listen({ host: options.host, port: options.port, ...(options.reusePort === true ? { reusePort: true } : {}) }, () => {
        server.off('error', failListen);
        server.on('error', (err) => options.log.warn('tcp-server', err, 'TCP server error'));
        const { port } = server.address() as net.AddressInfo;
        resolve(new TcpListener(server, connections, options.host, port, options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS));
      });
    });
  }

  /** Stops accepting, lets in-flight answers go out, then closes every connection. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      // Connections that are still busy (or whose peer stops reading) are cut after the grace period.
      const cutOff = setTimeout(() => {
        for (const connection of this.connections) connection.destroy();
      }, this.closeGraceMs);
      cutOff.unref();
      this.server.close(() => {
        clearTimeout(cutOff);
        resolve();
      });
      for (const connection of this.connections) connection.shutDown();
    });
    return this.closing;
  }
}
