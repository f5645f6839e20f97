// The listening socket and the connections on it: stop and reopen on the same port, destroy every
// connection at once (what clients see when an API server goes away).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export class Listener {
  private readonly http: Server;
  private readonly sockets = new Set<Socket>();
  private readonly host: string;
  private port: number;
  private listening = false;

  constructor(host: string, port: number, handle: (req: IncomingMessage, res: ServerResponse) => void) {
    this.host = host;
    this.port = port;
    this.http = createServer(handle);
    this.http.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  /** Listens on the configured port (the one first chosen, when it was 0). */
  listen(): Promise<void> {
    if (this.listening) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.http.once('error', onError);
      this.http.listen(this.port, this.host, () => {
        this.http.off('error', onError);
        const address = this.http.address();
        if (address !== null && typeof address === 'object') this.port = address.port;
        this.listening = true;
        resolve();
      });
    });
  }

  /** Stops accepting connections and destroys the open ones; new connects are refused. */
  async stop(): Promise<void> {
    if (!this.listening) {
      this.destroyConnections();
      return;
    }
    this.listening = false;
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.destroyConnections();
    await closed;
  }

  destroyConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }
}
