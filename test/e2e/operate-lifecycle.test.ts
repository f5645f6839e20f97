// The process over its life: settings from a --config file below environment and flags, the file
// re-read on change (live settings applied, restart-only ones reported, a bad file kept out), and
// shutdown: /ready 503 at once, answers during the lame-duck period, then exit 0, also as PID 1.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig, type DigResult } from '../helpers/dig.js';
import { startServer, type LogLine, type RunningServer } from '../helpers/server.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Manifests here; config files in their own directory (the manifests source reads every YAML file it finds). */
const dir = mkdtempSync(join(tmpdir(), 'svcdns-lifecycle-'));
const configDir = mkdtempSync(join(tmpdir(), 'svcdns-lifecycle-config-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(configDir, { recursive: true, force: true });
});

writeFileSync(join(dir, 'services.yaml'), `apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec: { clusterIP: 10.96.0.20, ports: [{ name: http, port: 80, protocol: TCP }] }
`);

/** Replaces the file in one step, as the kubelet's symlink swap does (a reader never sees half a file). */
function writeConfig(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

const ask = (server: RunningServer, name: string, type = 'A', options: string[] = []): Promise<DigResult> =>
  dig(name, type, { port: server.port, options });

const countLogs = (server: RunningServer, match: (l: LogLine) => boolean): number => server.records().filter(match).length;

describe('--config', () => {
  const config = join(configDir, 'config.yaml');
  let server: RunningServer;

  beforeAll(async () => {
    writeConfig(config, 'ttl: 7\nmaxUdpSize: 1400\npods: disabled\n');
    server = await startServer(['--manifests', dir, '--config', config, '--pods', 'insecure'], { env: { SVCDNS_MAX_UDP_SIZE: '1300' } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('the file sets what flags and environment leave unset; environment and flags win over it', async () => {
    const r = await ask(server, 'web.shop.svc.cluster.local');
    expect(r.answer[0]?.ttl).toBe(7); // file over default
    expect(r.edns?.udp).toBe(1300); // environment over file
    expect((await ask(server, '10-1-0-9.shop.pod.cluster.local')).answer.map((a) => a.data)).toEqual(['10.1.0.9']); // flag over file
  });

  it('a changed TTL is applied without a restart; a changed UDP size is reported as needing one', async () => {
    writeConfig(config, 'ttl: 9\nmaxUdpSize: 1450\npods: disabled\n');
    const reloaded = await server.waitForLog((l) => l.msg === 'config reloaded');
    expect(reloaded).toMatchObject({ applied: ['ttl'] });
    expect((await ask(server, 'web.shop.svc.cluster.local')).answer[0]?.ttl).toBe(9);
    // maxUdpSize comes from the environment, which still wins: only the file changed, so nothing to restart for.
    expect(reloaded['needsRestart']).toEqual([]);
    writeConfig(config, 'ttl: 9\nmaxUdpSize: 1450\npods: disabled\ncacheEntries: 50\n');
    const warning = await server.waitForLog((l) => l.msg === 'config change needs a restart to take effect');
    expect(warning).toMatchObject({ level: 'warn', keys: ['cacheEntries'] });
  });

  it('a bad file keeps the running config and says why in one log line', async () => {
    writeConfig(config, 'ttl: 30\nbogusKey: 1\n');
    const rejected = await server.waitForLog((l) => l.msg === 'config file rejected; keeping the previous config');
    expect(rejected).toMatchObject({ level: 'error', error: expect.stringContaining('unknown key "bogusKey"') });
    expect((await ask(server, 'web.shop.svc.cluster.local')).answer[0]?.ttl).toBe(9);
    const metrics = await (await fetch(`http://127.0.0.1:${server.adminPort}/metrics`)).text();
    expect(metrics).toMatch(/^svcdns_config_reloads_total\{result="failure"\} [1-9]/m);
  });

  it('a flag-level error in the file at start-up is a one-line usage error, exit 2', () => {
    const bad = join(configDir, 'bad.yaml');
    writeFileSync(bad, 'ttl: soon\n');
    const run = spawnSync(process.execPath, [join(ROOT, 'dist/main.js'), '--config', bad], { encoding: 'utf8', timeout: 15_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(`svcdns: config file ${bad}, key ttl: "soon" is not a whole number of seconds (0-3600)\n`);
  });
});

describe('shutdown', () => {
  it('SIGTERM: /ready is 503 at once, answers go on for --lameduck, then the process exits 0', async () => {
    const server = await startServer(['--manifests', dir, '--lameduck', '1s']);
    const ready = async (): Promise<number> => (await fetch(`http://127.0.0.1:${server.adminPort}/ready`)).status;
    expect(await ready()).toBe(200);
    const exited = server.stop('SIGTERM');
    await server.waitForLog((l) => l.msg === 'lame duck: /ready is 503, still answering');
    expect(await ready()).toBe(503);
    expect((await ask(server, 'web.shop.svc.cluster.local')).answer.map((a) => a.data)).toEqual(['10.96.0.20']);
    expect(countLogs(server, (l) => l.msg === 'stopped')).toBe(0);
    expect(await exited).toBe(0);
    const order = server.records().map((l) => l.msg);
    expect(order.indexOf('lame duck: /ready is 503, still answering')).toBeLessThan(order.indexOf('stopped'));
  });

  it('as PID 1 of its own PID namespace (as in a container), SIGTERM still ends it with exit 0', async () => {
    const args = [join(ROOT, 'dist/main.js'), '--manifests', dir, '--listen', '127.0.0.1:0', '--admin', 'none', '--lameduck', '0s', '--upstream', 'none'];
    // A PID namespace needs an unprivileged user namespace; where the machine forbids one, run it directly.
    const canUnshare = spawnSync('unshare', ['--pid', '--fork', '--map-root-user', 'true']).status === 0;
    const child = canUnshare
      ? spawn('unshare', ['--pid', '--fork', '--map-root-user', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    try {
      let out = '';
      await new Promise<void>((done, fail) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('"msg":"ready"')) done();
        });
        child.once('exit', () => fail(new Error(`exited early: ${out}`)));
      });
      // The node process: unshare's child when namespaced, where its innermost PID (NSpid) is 1.
      const pid = canUnshare
        ? Number(spawnSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).stdout.trim().split('\n')[0])
        : child.pid!;
      if (canUnshare) expect(/^NSpid:.*\t1$/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'))).toBe(true);
      const exit = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
      process.kill(pid, 'SIGTERM');
      expect(await exit).toBe(0);
    } finally {
      clearTimeout(killer);
      child.kill('SIGKILL');
    }
  });
});
