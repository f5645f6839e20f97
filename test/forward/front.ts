// A minimal UDP front door for the end-to-end tests: every query goes to the forwarder (after the
// loop detector's look), as the dispatcher does for names outside the zones; SERVFAIL on null.
import dgram from 'node:dgram';
import type { LoopDetector } from '../../src/resolve/forward/loop.js';
import { readQuestion } from '../../src/resolve/forward/wire.js';
import type { Forwarder } from '../../src/resolve/message.js';

function servfail(query: Buffer, questionEnd: number): Buffer {
  const reply = Buffer.from(query.subarray(0, questionEnd));
  reply.writeUInt16BE((query.readUInt16BE(2) & 0x7910) | 0x8000 | 2, 2);
  reply.writeUInt16BE(0, 6);
  reply.writeUInt16BE(0, 8);
  reply.writeUInt16BE(0, 10);
  return reply;
}

export interface FrontOptions {
  loopDetector?: LoopDetector;
}

export class Front {
  /** Queries the loop detector recognised as its own probe. */
  probesSeen = 0;
  private forwarder: Forwarder | null = null;

  private constructor(private readonly socket: dgram.Socket, private readonly options: FrontOptions) {}

  static async start(options: FrontOptions = {}): Promise<Front> {
    const socket = dgram.createSocket('udp4');
    const front = new Front(socket, options);
    socket.on('message', (msg, rinfo) => void front.handle(msg, rinfo));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return front;
  }

  get port(): number {
    return this.socket.address().port;
  }

  use(forwarder: Forwarder): void {
    this.forwarder = forwarder;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private async handle(msg: Buffer, rinfo: dgram.RemoteInfo): Promise<void> {
    const wire = readQuestion(msg);
    if (wire === null) return;
    let reply: Buffer | null = null;
    if (this.options.loopDetector?.seen(msg)) {
      this.probesSeen++;
    } else if (this.forwarder !== null) {
      reply = await this.forwarder.forward(msg, { address: rinfo.address, port: rinfo.port, transport: 'udp' });
    }
    try {
      this.socket.send(reply ?? servfail(msg, wire.questionEnd), rinfo.port, rinfo.address);
    } catch {
      // closed while the forwarder was busy: the test is over
    }
  }
}
