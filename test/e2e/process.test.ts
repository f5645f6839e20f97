// The process around the answers: malformed packets, usage errors, readiness, environment
// configuration, IPv6 listening and signals.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addresses, dig } from '../helpers/dig.js';
import { runToExit, startServer } from '../helpers/server.js';

const dir = mkdtempSync(join(tmpdir(), 'svcdns-process-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const QUOTE = 'apiVersion: v1\nkind: Service\nmetadata: { name: quote, namespace: kiada }\nspec: { clusterIP: 10.96.161.97 }\n';

/** Sends one datagram and resolves with the first reply, or null after `waitMs`. */
function sendDatagram(port: number, payload: Buffer, waitMs = 400): Promise<Buffer | null> {
  return new Promise((done) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      done(null);
    }, waitMs);
    socket.once('message', (reply) => {
      clearTimeout(timer);
      socket.close();
      done(reply);
    });
    socket.send(payload, port, '127.0.0.1');
  });
}

/** Deterministic bytes (a small LCG), so a failure can be replayed. */
function junk(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe('malformed packets', () => {
  it('never crash or stall the server: FORMERR where a header could be read, silence otherwise', async () => {
    const server = await startServer([]);
    try {
      // Shorter than a header: nothing to answer to.
      expect(await sendDatagram(server.port, Buffer.from([0x12]))).toBeNull();
      expect(await sendDatagram(server.port, junk(11, 1))).toBeNull();

      // A header announcing one question that is not there: FORMERR, with the query's ID.
      const header = Buffer.from([0xbe, 0xef, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]);
      const reply = await sendDatagram(server.port, header);
      expect(reply).not.toBeNull();
      expect(reply!.readUInt16BE(0)).toBe(0xbeef);
      expect(reply![2]! & 0x80).toBe(0x80); // QR
      expect(reply![3]! & 0x0f).toBe(1); // FORMERR

      // A burst of junk of many sizes, some starting with a plausible header.
      for (let seed = 1; seed <= 40; seed++) {
        const body = junk(12 + ((seed * 37) % 500), seed);
        if (seed % 2 === 0) header.copy(body, 0, 0, 6);
        await sendDatagram(server.port, body, 50);
      }

      // Junk over TCP: a length prefix followed by garbage, then a connection cut mid-message.
      await new Promise<void>((done) => {
        const socket = connect(server.port, '127.0.0.1', () => {
          socket.write(Buffer.concat([Buffer.from([0x00, 0x20]), junk(32, 99), Buffer.from([0x01, 0x00, 0xaa])]));
          setTimeout(() => socket.destroy(), 100);
        });
        socket.on('error', () => undefined);
        socket.on('close', () => done());
      });

      expect(server.process.exitCode).toBeNull();
      expect(addresses(await dig('quote.kiada.svc.cluster.local', 'A', { port: server.port }))).toEqual(['10.96.161.97']);
      expect(addresses(await dig('quote.kiada.svc.cluster.local', 'A', { port: server.port, options: ['+tcp'] }))).toEqual(['10.96.161.97']);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});

describe('usage errors', () => {
  it.each([
    [['--ttl', 'abc'], /^svcdns: --ttl: "abc" is not a whole number of seconds \(0-3600\)\n$/],
    [['--bogus'], /^svcdns: --bogus: unknown flag/],
    [['--listen', 'localhost'], /^svcdns: --listen: "localhost" is not HOST:PORT/],
    [['--pods', 'some'], /^svcdns: --pods: "some" is not one of disabled, insecure, verified\n$/],
  ])('%j exits 2 with one line naming the flag', async (args, message) => {
    const { code, stdout, stderr } = await runToExit(args as string[]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stdout).toBe('');
  });

  it('a bad value from the environment exits 2 naming the flag and the variable', async () => {
    const { code, stderr } = await runToExit([], { SVCDNS_MAX_UDP_SIZE: '70000' });
    expect(code).toBe(2);
    expect(stderr).toBe('svcdns: --max-udp-size (from SVCDNS_MAX_UDP_SIZE): "70000" is not a whole number of bytes (512-65535)\n');
  });

  it('--kubeconfig naming a file that does not exist is a one-line error and exits 2', async () => {
    const { code, stderr } = await runToExit(['--kubeconfig', '/nonexistent/kubeconfig']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/kubeconfig \/nonexistent\/kubeconfig: no such file/);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('--help lists every flag and exits 0; --version prints the version', async () => {
    const help = await runToExit(['--help']);
    expect(help.code).toBe(0);
    for (const flag of ['--manifests', '--kubeconfig', '--listen', '--admin', '--zone', '--ttl', '--pods', '--upstream', '--log-level']) {
      expect(help.stdout).toContain(flag);
    }
    expect(help.stdout).toContain('SVCDNS_LISTEN');
    const version = await runToExit(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: expect.stringMatching(/^svcdns \d+\.\d+\.\d+\n$/) });
  });
});

describe('readiness', () => {
  it('/ready is 503 with a reason until the first sync, /health is 200 throughout', async () => {
    const sub = mkdtempSync(join(dir, 'late-'));
    writeFileSync(join(sub, 'a.yaml'), 'kind: Service\nspec: [\n');
    const server = await startServer(['--manifests', sub, '--startup-timeout', '1m'], { waitReady: false });
    try {
      const base = `http://127.0.0.1:${server.adminPort}`;
      const notReady = await fetch(`${base}/ready`);
      expect(notReady.status).toBe(503);
      const body = await notReady.json() as { ready: boolean; reason: string; source: { connected: boolean } };
      expect(body).toMatchObject({ ready: false, reason: 'waiting for the first sync of the cluster source', source: { connected: false } });
      expect((await fetch(`${base}/health`)).status).toBe(200);

      writeFileSync(join(sub, 'a.yaml'), QUOTE);
      await server.waitForLog((l) => l.msg === 'ready');
      expect((await fetch(`${base}/ready`)).status).toBe(200);
      expect(addresses(await dig('quote.kiada.svc.cluster.local', 'A', { port: server.port }))).toEqual(['10.96.161.97']);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('after --startup-timeout without a sync it warns and reports ready anyway', async () => {
    const sub = mkdtempSync(join(dir, 'never-'));
    writeFileSync(join(sub, 'a.yaml'), 'kind: Service\nspec: [\n');
    const server = await startServer(['--manifests', sub, '--startup-timeout', '300ms']);
    try {
      expect(server.records().some((l) => l.level === 'warn' && String(l.msg).includes('start-up timeout'))).toBe(true);
      expect((await fetch(`http://127.0.0.1:${server.adminPort}/ready`)).status).toBe(200);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});

describe('configuration from the environment', () => {
  it('listens where SVCDNS_LISTEN says, on IPv6 too, with the admin server off', async () => {
    const file = join(dir, 'quote.yaml');
    writeFileSync(file, QUOTE);
    const server = await startServer([], {
      noDefaults: true,
      env: { SVCDNS_LISTEN: '[::1]:0', SVCDNS_ADMIN: 'none', SVCDNS_MANIFESTS: file, SVCDNS_TTL: '30' },
    });
    try {
      expect(server.adminPort).toBe(0);
      const r = await dig('quote.kiada.svc.cluster.local', 'A', { server: '::1', port: server.port });
      expect(r.answer).toEqual([{ name: 'quote.kiada.svc.cluster.local.', ttl: 30, class: 'IN', type: 'A', data: '10.96.161.97' }]);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});

describe('signals', () => {
  it('SIGTERM runs the shutdown sequence, logs stopped and exits 0', async () => {
    const server = await startServer([]);
    const code = await server.stop('SIGTERM');
    expect(code).toBe(0);
    const messages = server.records().map((l) => l.msg);
    expect(messages).toContain('shutting down');
    expect(messages.at(-1)).toBe('stopped');
  });

  it('SIGINT exits 0 too', async () => {
    const server = await startServer([]);
    expect(await server.stop('SIGINT')).toBe(0);
  });
});
