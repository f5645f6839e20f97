// Socket helpers for the robustness suites: one query over UDP or TCP, a framed TCP reader, the
// resident memory of a process, and a check that a server's log holds no escaped exception.
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import type { LogLine } from '../../helpers/server.js';

/** Resident set size of `pid` in bytes (Linux /proc). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) * 1024;
}

/** Sends one datagram and resolves with the first reply, or null after `waitMs`. */
export function udpExchange(port: number, payload: Buffer, waitMs = 1000, host = '127.0.0.1'): Promise<Buffer | null> {
  return new Promise((done) => {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const timer = setTimeout(() => {
      socket.close();
      done(null);
    }, waitMs);
    socket.once('message', (reply) => {
      clearTimeout(timer);
      socket.close();
      done(reply);
    });
    socket.send(payload, port, host);
  });
}

export function frame(message: Buffer): Buffer {
  const out = Buffer.allocUnsafe(message.length + 2);
  out.writeUInt16BE(message.length, 0);
  message.copy(out, 2);
  return out;
}

/** Splits a TCP byte stream into DNS messages as they complete. */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: Buffer[] = [];
    while (this.pending.length >= 2) {
      const length = this.pending.readUInt16BE(0);
      if (this.pending.length < 2 + length) break;
      out.push(this.pending.subarray(2, 2 + length));
      this.pending = this.pending.subarray(2 + length);
    }
    return out;
  }
}

export function openTcp(port: number, host = '127.0.0.1', timeoutMs = 3000): Promise<Socket> {
  return new Promise((done, fail) => {
    const socket = connect({ port, host });
    const timer = setTimeout(() => {
      socket.destroy();
      fail(new Error('TCP connect timed out'));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      done(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      fail(err);
    });
  });
}

/** One query over a fresh TCP connection: the reply, or null when the connection closed or timed out. */
export async function tcpExchange(port: number, query: Buffer, waitMs = 2000, host = '127.0.0.1'): Promise<Buffer | null> {
  let socket: Socket;
  try {
    socket = await openTcp(port, host, waitMs);
  } catch {
    return null;
  }
  return new Promise((done) => {
    const reader = new FrameReader();
    const finish = (reply: Buffer | null): void => {
      clearTimeout(timer);
      socket.destroy();
      done(reply);
    };
    const timer = setTimeout(() => finish(null), waitMs);
    socket.on('data', (chunk: Buffer) => {
      const [reply] = reader.push(chunk);
      if (reply) finish(reply);
    });
    socket.on('error', () => finish(null));
    socket.on('close', () => finish(null));
    socket.write(frame(query));
  });
}

/** Log records or stderr lines that mean an exception got past a boundary. */
export function escapedErrors(records: readonly LogLine[], stderr: string): string[] {
  const found = records
    .filter((r) => /uncaught|unhandled/i.test(r.msg ?? '') || ['dispatch', 'tcp-dispatch', 'udp-dispatch'].includes(String(r['kind'])))
    .map((r) => JSON.stringify(r));
  if (/uncaught|unhandled|TypeError|RangeError/i.test(stderr)) found.push(stderr);
  return found;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
