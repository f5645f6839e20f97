// SIGTERM under load: queries keep arriving over UDP and TCP while the signal comes; during the
// lame-duck period /ready says 503 and every query is still answered, none lost. Only after the
// period do the listeners close.
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import { buildQuery } from '../fuzz/packets.js';
import { writeCluster, WEB_IP } from './support/cluster.js';
import { sleep, tcpExchange } from './support/net.js';

const LAMEDUCK_MS = 2500;
const RATE_PER_SECOND = 2000;
/** A query is lost if no answer came within this long. */
const ANSWER_WITHIN_MS = 1000;

const dir = mkdtempSync(join(tmpdir(), 'svcdns-sigterm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Sent {
  at: number;
  answeredAt: number | null;
}

describe('SIGTERM under load', () => {
  it(`loses no query during the ${LAMEDUCK_MS} ms lame-duck period, over UDP and TCP`, async () => {
    const server = await startServer(['--manifests', writeCluster(dir), '--upstream', 'none', '--lameduck', `${LAMEDUCK_MS}ms`]);
    const socket = createSocket('udp4');
    await new Promise<void>((done) => socket.bind(0, '127.0.0.1', () => done()));
    const sent = new Map<number, Sent>();
    const expected = Buffer.from(WEB_IP.split('.').map(Number));
    socket.on('message', (reply) => {
      const entry = sent.get(reply.readUInt16BE(0));
      if (entry && entry.answeredAt === null && (reply[3]! & 0x0f) === 0 && reply.subarray(-4).equals(expected)) entry.answeredAt = Date.now();
    });
    const tcpResults: { at: number; ok: boolean }[] = [];
    let running = true;
    let id = 0;
    // UDP: a steady stream in small batches; TCP: one query on a fresh connection every 50 ms.
    const udpLoad = (async () => {
      const batch = RATE_PER_SECOND / 100;
      while (running && id < 0xffff - batch) {
        for (let i = 0; i < batch; i++) {
          id++;
          sent.set(id, { at: Date.now(), answeredAt: null });
          socket.send(buildQuery({ id, name: 'web.default.svc.cluster.local' }), server.port, '127.0.0.1');
        }
        await sleep(10);
      }
    })();
    const tcpLoad = (async () => {
      while (running) {
        const at = Date.now();
        const reply = await tcpExchange(server.port, buildQuery({ id: 1, name: 'web.default.svc.cluster.local' }), ANSWER_WITHIN_MS);
        tcpResults.push({ at, ok: reply !== null && reply.subarray(-4).equals(expected) });
        await sleep(50);
      }
    })();

    await sleep(1000);
    const signalAt = Date.now();
    const exited = server.stop('SIGTERM');
    await server.waitForLog((l) => String(l.msg).startsWith('lame duck'), 2000);
    const ready = await fetch(`http://127.0.0.1:${server.adminPort}/ready`, { signal: AbortSignal.timeout(1000) });
    expect(ready.status).toBe(503);
    // Keep the load on through the whole period and a little past it.
    await sleep(LAMEDUCK_MS + 500);
    running = false;
    await Promise.all([udpLoad, tcpLoad]);
    await sleep(ANSWER_WITHIN_MS);
    socket.close();
    expect(await exited).toBe(0);

    // Every query sent before the period ended (with room for its answer) was answered.
    const lameduckEnd = signalAt + LAMEDUCK_MS - 200;
    const udpDuring = [...sent.values()].filter((s) => s.at <= lameduckEnd);
    const udpLost = udpDuring.filter((s) => s.answeredAt === null || s.answeredAt - s.at > ANSWER_WITHIN_MS);
    expect(udpDuring.filter((s) => s.at >= signalAt).length).toBeGreaterThan(RATE_PER_SECOND);
    expect(udpLost).toEqual([]);
    const tcpDuring = tcpResults.filter((r) => r.at <= lameduckEnd - ANSWER_WITHIN_MS);
    expect(tcpDuring.filter((r) => r.at >= signalAt).length).toBeGreaterThan(5);
    expect(tcpDuring.filter((r) => !r.ok)).toEqual([]);
  });
});
