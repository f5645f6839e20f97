// Overload against the built server: a slowloris attacker holding far more TCP connections than
// --tcp-max-conns, each dripping a byte a second and reconnecting when cut, while normal clients ask
// over TCP and UDP; and a client that pipelines queries without ever reading the answers. The
// server keeps answering everyone else, and its memory stays bounded.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/server.js';
import { buildQuery } from '../fuzz/packets.js';
import { writeCluster, WEB_IP } from './support/cluster.js';
import { escapedErrors, frame, openTcp, rssOf, sleep, tcpExchange, udpExchange } from './support/net.js';

const MAX_CONNS = 40;
const ATTACK_CONNECTIONS = 120;
const ATTACK_MS = 8_000;

const dir = mkdtempSync(join(tmpdir(), 'svcdns-overload-'));
let server: RunningServer;

beforeAll(async () => {
  server = await startServer([
    '--manifests', writeCluster(dir), '--upstream', 'none', '--tcp-max-conns', String(MAX_CONNS), '--tcp-idle-timeout', '3s',
  ]);
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const WEB = buildQuery({ id: 9, name: 'web.default.svc.cluster.local' });
const BIG = buildQuery({ id: 10, name: 'big.default.svc.cluster.local' });

function answersWeb(reply: Buffer | null): boolean {
  return reply !== null && (reply[3]! & 0x0f) === 0 && reply.subarray(-4).equals(Buffer.from(WEB_IP.split('.').map(Number)));
}

function drainOrTimeout(socket: Socket, ms: number): Promise<void> {
  return new Promise((done) => {
    const finish = (): void => {
      clearTimeout(timer);
      socket.off('drain', finish);
      done();
    };
    const timer = setTimeout(finish, ms);
    socket.once('drain', finish);
  });
}

/** Keeps `count` connections open, each sending one byte of a query per second, reconnecting when cut. */
function slowloris(port: number, count: number): { stop(): void; cut(): number } {
  const query = frame(WEB);
  const open = new Set<Socket>();
  let stopped = false;
  let cut = 0;
  const start = (): void => {
    if (stopped) return;
    const socket = connect({ port, host: '127.0.0.1' });
    let sent = 0;
    open.add(socket);
    const drip = setInterval(() => {
      if (sent < query.length - 1) socket.write(query.subarray(sent, ++sent));
    }, 1000);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(drip);
      open.delete(socket);
      if (!stopped) {
        cut++;
        setTimeout(start, 50);
      }
    });
  };
  for (let i = 0; i < count; i++) start();
  return {
    stop: () => {
      stopped = true;
      for (const socket of open) socket.destroy();
    },
    cut: () => cut,
  };
}

describe('slowloris', () => {
  it(`cannot exhaust the server: ${ATTACK_CONNECTIONS} byte-a-second connections against --tcp-max-conns ${MAX_CONNS}`, async () => {
    const rssBefore = rssOf(server.process.pid!);
    const attack = slowloris(server.port, ATTACK_CONNECTIONS);
    let tcpAnswered = 0;
    let udpAnswered = 0;
    let asked = 0;
    try {
      await sleep(500);
      const until = Date.now() + ATTACK_MS;
      while (Date.now() < until) {
        asked++;
        const [tcp, udp] = await Promise.all([tcpExchange(server.port, WEB, 2000), udpExchange(server.port, WEB, 2000)]);
        if (answersWeb(tcp)) tcpAnswered++;
        if (answersWeb(udp)) udpAnswered++;
        await sleep(250);
      }
    } finally {
      attack.stop();
    }
    expect(asked).toBeGreaterThan(10);
    expect(udpAnswered).toBe(asked);
    expect(tcpAnswered).toBe(asked);
    // The attacker's connections were cut to make room (evicted) or by the idle timeout, many times over.
    expect(attack.cut()).toBeGreaterThan(ATTACK_CONNECTIONS - MAX_CONNS);
    // Thousands of connections come and go (the attacker reconnects at once); the heap settles at
    // its working size instead of holding on to them.
    expect(rssOf(server.process.pid!) - rssBefore).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('a client that never reads', () => {
  it('cannot grow the server\'s memory: it stops reading that client, and serves the others', async () => {
    const rssBefore = rssOf(server.process.pid!);
    const hog = await openTcp(server.port);
    hog.on('error', () => undefined);
    hog.pause();
    const chunk = Buffer.concat(Array.from({ length: 1000 }, () => frame(BIG)));
    let written = 0;
    const until = Date.now() + 3000;
    let othersAnswered = 0;
    let othersAsked = 0;
    while (Date.now() < until && !hog.destroyed) {
      written += chunk.length;
      if (!hog.write(chunk)) {
        othersAsked++;
        if (answersWeb(await tcpExchange(server.port, WEB, 2000))) othersAnswered++;
        await drainOrTimeout(hog, 200);
      }
    }
    const growth = rssOf(server.process.pid!) - rssBefore;
    hog.destroy();
    // Answering all of it would take ~40 bytes of answer per byte written, held in memory.
    expect(written).toBeLessThan(64 * 1024 * 1024);
    expect(growth).toBeLessThan(32 * 1024 * 1024);
    expect(othersAsked).toBeGreaterThan(3);
    expect(othersAnswered).toBe(othersAsked);
    expect(escapedErrors(server.records(), server.stderr())).toEqual([]);
  });
});
