// --workers 2 end to end: the supervisor forks two workers that share the DNS port (SO_REUSEPORT),
// both answer, killing one does not stop the service and it comes back, and SIGTERM stops them all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addresses, dig } from '../helpers/dig.js';
import { startServer, type LogLine, type RunningServer } from '../helpers/server.js';

let server: RunningServer;
const NAME = 'kubernetes.default.svc.cluster.local';
const ask = (): Promise<string[]> =>
  dig(NAME, 'A', { port: server.port, options: ['+time=1', '+tries=3'] }).then(addresses);

function started(): LogLine[] {
  return server.records().filter((r) => r.msg === 'worker started');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function admin(path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${server.adminPort}${path}`);
  return { status: res.status, body: await res.text() };
}

/** Polls `check` (bounded) until it holds. */
async function until(check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  // The bundled examples (kubernetes.default is 10.96.0.1); each worker reads them itself.
  server = await startServer(['--workers', '2', '--lameduck', '0s'], { timeoutMs: 30_000 });
}, 40_000);

afterAll(async () => {
  if (server.process.exitCode === null) await server.stop('SIGKILL');
});

describe('--workers 2', () => {
  it('starts two workers that both answer on the one port, and /ready is 200', async () => {
    expect(started().map((r) => r['worker']).sort()).toEqual([0, 1]);
    // The kernel picks a worker by the client's address and port; dig uses a new port each time.
    for (let i = 0; i < 24; i++) expect(await ask()).toEqual(['10.96.0.1']);
    expect((await admin('/ready')).status).toBe(200);
    const metrics = (await admin('/metrics')).body;
    const served = new Set([...metrics.matchAll(/^coredns_dns_requests_total\{worker="(\d)"/gm)].map((m) => m[1]));
    expect(served).toEqual(new Set(['0', '1']));
  }, 30_000);

  it('answers /debug/explain through a worker', async () => {
    const reply = await admin(`/debug/explain?name=${NAME}&type=A`);
    expect(reply.status).toBe(200);
    expect(reply.body).toContain('10.96.0.1');
  });

  it('keeps answering when a worker is killed, and restarts it', async () => {
    const victim = started()[0]!;
    process.kill(victim['pid'] as number, 'SIGKILL');
    for (let i = 0; i < 12; i++) expect(await ask()).toEqual(['10.96.0.1']);
    await server.waitForLog((r) => r.msg === 'worker exited; restarting it' && r['worker'] === victim['worker']);
    await until(() => started().length === 3);
    const replacement = started()[2]!;
    expect(replacement['worker']).toBe(victim['worker']);
    expect(alive(replacement['pid'] as number)).toBe(true);
    await until(async () => (await admin('/ready')).status === 200);
    for (let i = 0; i < 6; i++) expect(await ask()).toEqual(['10.96.0.1']);
  }, 40_000);

  it('stops every worker on SIGTERM and exits 0', async () => {
    const pids = started().map((r) => r['pid'] as number).filter(alive);
    expect(pids.length).toBe(2);
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(pids.filter(alive)).toEqual([]);
    expect(server.records().some((r) => r.msg === 'stopped' && r['layer'] === 'supervisor')).toBe(true);
  }, 30_000);
});
