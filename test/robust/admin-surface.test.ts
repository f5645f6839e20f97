// The admin server as an attack surface: it binds only where --admin says (or not at all), answers
// nothing but GET and HEAD, serves nothing that changes state, and hostile requests (odd methods,
// huge URLs and headers, bodies, half-open connections) neither crash it nor change a DNS answer.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addresses, dig } from '../helpers/dig.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { writeCluster, WEB_IP } from './support/cluster.js';
import { escapedErrors, sleep } from './support/net.js';

const dir = mkdtempSync(join(tmpdir(), 'svcdns-admin-'));
let server: RunningServer;

beforeAll(async () => {
  server = await startServer(['--manifests', writeCluster(dir), '--upstream', 'none']);
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const PATHS = ['/health', '/ready', '/metrics', '/debug/explain?name=web.default.svc.cluster.local'];

function request(port: number, method: string, path: string, body?: string): Promise<number> {
  return fetch(`http://127.0.0.1:${port}${path}`, { method, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(3000) })
    .then((res) => res.status);
}

/** Sends raw bytes on a fresh connection and resolves with what came back (or '' when it closed). */
function raw(port: number, bytes: string | Buffer, waitMs = 1000): Promise<string> {
  return new Promise((done) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let got = '';
    const timer = setTimeout(() => {
      socket.destroy();
      done(got);
    }, waitMs);
    socket.on('data', (chunk: Buffer) => (got += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      done(got);
    });
    socket.write(bytes);
  });
}

describe('admin server surface', () => {
  it('answers only GET and HEAD on every path: anything that could change state is 405', async () => {
    for (const path of PATHS) {
      expect(await request(server.adminPort, 'GET', path), path).toBe(200);
      expect(await request(server.adminPort, 'HEAD', path), path).toBe(200);
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
        expect(await request(server.adminPort, method, path, method === 'DELETE' ? undefined : '{"ttl":0}'), `${method} ${path}`).toBe(405);
      }
    }
    expect(await request(server.adminPort, 'GET', '/debug/pprof')).toBe(404);
    expect(await request(server.adminPort, 'GET', '/config')).toBe(404);
  });

  it('survives hostile requests, and no DNS answer changes', async () => {
    const before = await dig('web.default.svc.cluster.local', 'A', { port: server.port });
    const hostile: (string | Buffer)[] = [
      `GET /${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET /health HTTP/1.1\r\nHost: x\r\n${'X-Junk: '.concat('y'.repeat(8000), '\r\n').repeat(20)}\r\n`,
      'GET /debug/explain?name=%00%ff%2e%2e HTTP/1.1\r\nHost: x\r\n\r\n',
      `GET /debug/explain?name=${'a.'.repeat(200)}x&type=99999 HTTP/1.1\r\nHost: x\r\n\r\n`,
      'POST /ready HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\npartial',
      'GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00]), // a TLS ClientHello start
      'GARBAGE\r\n\r\n',
    ];
    for (const bytes of hostile) await raw(server.adminPort, bytes, 500);
    // Half-open connections that never finish their request head.
    const idle = Array.from({ length: 50 }, () => raw(server.adminPort, 'GET /health HTTP/1.1\r\nHost', 300));
    await Promise.all(idle);
    await sleep(100);
    expect(await request(server.adminPort, 'GET', '/health')).toBe(200);
    const after = await dig('web.default.svc.cluster.local', 'A', { port: server.port });
    expect(addresses(after)).toEqual([WEB_IP]);
    expect(after.answer).toEqual(before.answer);
    expect(server.process.exitCode).toBeNull();
    expect(escapedErrors(server.records(), server.stderr())).toEqual([]);
  });
});

describe('where the admin server listens', () => {
  it('binds only the address it is given', async () => {
    const v6only = await startServer(['--manifests', writeCluster(dir), '--upstream', 'none', '--listen', '127.0.0.1:0', '--admin', '[::1]:0'], { noDefaults: true });
    try {
      const port = v6only.adminPort;
      expect((await fetch(`http://[::1]:${port}/health`, { signal: AbortSignal.timeout(2000) })).status).toBe(200);
      await expect(fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
    } finally {
      await v6only.stop();
    }
  });

  it('is not started at all with --admin none', async () => {
    const none = await startServer(['--manifests', writeCluster(dir), '--upstream', 'none', '--listen', '127.0.0.1:0', '--admin', 'none'], { noDefaults: true });
    try {
      expect(none.adminPort).toBe(0);
      const listening = none.records().find((l) => l.msg === 'listening');
      expect(listening?.['admin']).toBeNull();
    } finally {
      await none.stop();
    }
  });
});
