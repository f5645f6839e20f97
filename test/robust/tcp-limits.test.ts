// TCP under abuse, on a listener in this process so its own accounting can be read: the connection
// cap (evicting the quietest connection, refusing only when every one waits on an answer), the idle
// timeout that a byte-a-second sender cannot keep resetting, the per-connection limit on answers in
// flight, and a client that never reads its answers, which must not make the server hold more.
import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { Client, Forwarder } from '../../src/resolve/message.js';
import { Dispatcher } from '../../src/wire/dispatcher.js';
import { RateLimitedLog } from '../../src/wire/ratelimit.js';
import { TcpListener, type TcpListenOptions } from '../../src/wire/tcp.js';
import { buildQuery } from '../fuzz/packets.js';
import { startStack, writeCluster, type Stack } from './support/cluster.js';
import { frame, FrameReader, openTcp, sleep, tcpExchange } from './support/net.js';

const logger = createLogger('silent');
const dir = mkdtempSync(join(tmpdir(), 'svcdns-tcp-limits-'));
let stack: Stack;
const listeners: TcpListener[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  stack = await startStack(writeCluster(dir));
});
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(listeners.splice(0).map((l) => l.close()));
});
afterAll(async () => {
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function listen(options: Partial<TcpListenOptions>): Promise<TcpListener> {
  const listener = await TcpListener.listen({
    host: '127.0.0.1', port: 0, dispatcher: stack.dispatcher, log: new RateLimitedLog(logger), closeGraceMs: 200, ...options,
  });
  listeners.push(listener);
  return listener;
}

async function connect(port: number): Promise<Socket> {
  const socket = await openTcp(port);
  socket.on('error', () => undefined);
  sockets.push(socket);
  return socket;
}

function closed(socket: Socket): Promise<boolean> {
  return new Promise((done) => {
    if (socket.destroyed || socket.readableEnded) return done(true);
    socket.once('close', () => done(true));
  });
}

/** Resolves true when `socket` is closed by the server within `ms`. */
function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  return Promise.race([closed(socket), sleep(ms).then(() => false)]);
}

const WEB = buildQuery({ id: 1, name: 'web.default.svc.cluster.local' });
const BIG = buildQuery({ id: 2, name: 'big.default.svc.cluster.local' });
const OUTSIDE = buildQuery({ id: 3, name: 'example.org' });

/** A forwarder whose answers come only when the test releases them. */
class HeldForwarder implements Forwarder {
  readonly held: ((reply: Buffer | null) => void)[] = [];

  forward(query: Buffer, _client: Client): Promise<Buffer | null> {
    return new Promise((done) => this.held.push(() => {
      const reply = Buffer.from(query);
      reply[2] = reply[2]! | 0x80;
      done(reply);
    }));
  }

  releaseAll(): void {
    for (const release of this.held.splice(0)) release(null);
  }
}

function heldDispatcher(forwarder: HeldForwarder): Dispatcher {
  return new Dispatcher({ resolver: { resolve: () => null }, generations: stack.zone, logger, forwarder });
}

describe('TCP connection cap', () => {
  it('closes the quietest connection to admit a new one when the cap is reached', async () => {
    const listener = await listen({ maxConnections: 3 });
    const first = await connect(listener.port);
    await sleep(20);
    const others = [await connect(listener.port), await connect(listener.port)];
    // The two newer ones make progress (a query each); the first stays silent.
    for (const socket of others) socket.write(frame(WEB));
    await sleep(50);
    expect(listener.stats().open).toBe(3);
    const newcomer = await connect(listener.port);
    expect(await closedWithin(first, 1000)).toBe(true);
    expect(await tcpExchange(listener.port, WEB)).not.toBeNull();
    expect(newcomer.destroyed).toBe(false);
    expect(listener.stats().evicted).toBeGreaterThanOrEqual(1);
    expect(listener.stats().open).toBeLessThanOrEqual(3);
  });

  it('refuses a new connection at once when every open one is waiting on an answer', async () => {
    const forwarder = new HeldForwarder();
    const listener = await listen({ maxConnections: 2, dispatcher: heldDispatcher(forwarder) });
    const busy = [await connect(listener.port), await connect(listener.port)];
    for (const socket of busy) socket.write(frame(OUTSIDE));
    await sleep(50);
    expect(forwarder.held).toHaveLength(2);
    const refused = await connect(listener.port);
    expect(await closedWithin(refused, 1000)).toBe(true);
    expect(listener.stats().rejected).toBe(1);
    // The busy ones were left alone and still get their answers.
    const replies = busy.map((socket) => new Promise<Buffer>((done) => socket.once('data', done)));
    forwarder.releaseAll();
    expect((await Promise.all(replies)).every((r) => r.length > 2)).toBe(true);
  });
});

describe('TCP idle timeout', () => {
  it('closes a connection that sends a byte at a time and never completes a query', async () => {
    const listener = await listen({ idleTimeoutMs: 600 });
    const slow = await connect(listener.port);
    const query = frame(WEB);
    let sent = 0;
    const drip = setInterval(() => {
      if (sent < query.length - 1 && !slow.destroyed) slow.write(query.subarray(sent, ++sent));
    }, 100);
    try {
      expect(await closedWithin(slow, 3000)).toBe(true);
    } finally {
      clearInterval(drip);
    }
    expect(sent).toBeLessThan(query.length - 1);
    expect(listener.stats().timedOut).toBe(1);
  });

  it('keeps a connection that completes queries alive past the timeout', async () => {
    const listener = await listen({ idleTimeoutMs: 400 });
    const socket = await connect(listener.port);
    const reader = new FrameReader();
    let replies = 0;
    socket.on('data', (chunk: Buffer) => (replies += reader.push(chunk).length));
    for (let i = 0; i < 8; i++) {
      socket.write(frame(WEB));
      await sleep(150);
    }
    expect(socket.destroyed).toBe(false);
    expect(replies).toBe(8);
  });
});

describe('TCP answers in flight per connection', () => {
  it('stops reading a connection at the limit and resumes as answers are written', async () => {
    const forwarder = new HeldForwarder();
    const listener = await listen({ maxInFlight: 4, dispatcher: heldDispatcher(forwarder) });
    const socket = await connect(listener.port);
    const reader = new FrameReader();
    let replies = 0;
    socket.on('data', (chunk: Buffer) => (replies += reader.push(chunk).length));
    socket.write(Buffer.concat(Array.from({ length: 20 }, () => frame(OUTSIDE))));
    await sleep(100);
    expect(forwarder.held).toHaveLength(4);
    for (let round = 0; round < 5 && replies < 20; round++) {
      forwarder.releaseAll();
      await sleep(50);
    }
    expect(replies).toBe(20);
  });
});

describe('a client that never reads its answers', () => {
  it('cannot make the server buffer without bound, and others are still served', async () => {
    const listener = await listen({ idleTimeoutMs: 1500 });
    const hog = await connect(listener.port);
    hog.pause(); // never read
    const chunk = Buffer.concat(Array.from({ length: 1000 }, () => frame(BIG))); // each answer ~1.7 KB
    let written = 0;
    let peakBuffered = 0;
    const deadline = Date.now() + 1000;
    while (Date.now() < deadline && !hog.destroyed) {
      if (hog.write(chunk)) written += chunk.length;
      else {
        written += chunk.length;
        await new Promise<void>((done) => {
          const finish = (): void => {
            clearTimeout(timer);
            hog.off('drain', finish);
            done();
          };
          const timer = setTimeout(finish, 100);
          hog.once('drain', finish);
        });
      }
      peakBuffered = Math.max(peakBuffered, listener.stats().bufferedBytes);
    }
    // Answering everything written would mean gigabytes; the server holds at most a read chunk and
    // a write buffer's worth, and the client's writes stall once the kernel buffers are full.
    expect(peakBuffered).toBeLessThan(512 * 1024);
    expect(written).toBeLessThan(64 * 1024 * 1024);
    expect(await tcpExchange(listener.port, WEB)).not.toBeNull();
    // It makes no progress, so the idle timeout ends it.
    expect(await closedWithin(hog, 4000)).toBe(true);
    expect(listener.stats().timedOut).toBeGreaterThanOrEqual(1);
  });
});
