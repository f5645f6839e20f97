// A real upstream for the end-to-end tests: Debian's dnsmasq on a free loopback port with a small
// zone given on the command line, its pid file and query log in a temp dir, always killed at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildQuery } from '../../src/resolve/forward/wire.js';
import { RRType } from '../../src/resolve/message.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** One UDP query; true when any reply came back within `timeoutMs`. */
async function answers(port: number, timeoutMs: number): Promise<boolean> {
  const socket = dgram.createSocket('udp4');
  try {
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      socket.once('message', () => {
        clearTimeout(timer);
        resolve(true);
      });
      socket.once('error', () => {
        clearTimeout(timer);
        resolve(false);
      });
      socket.send(buildQuery('ready.check', RRType.A, { recursionDesired: true, edns: false })!, port, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
}

export class Dnsmasq {
  private exited: Promise<void>;

  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** Starts dnsmasq with `records` (e.g. `--host-record=…`) and waits, bounded, until it answers. */
  static async start(records: readonly string[]): Promise<Dnsmasq> {
    const dir = await mkdtemp(join(tmpdir(), 'svcdns-dnsmasq-'));
    const port = await freePort();
    const args = [
      '--conf-file=/dev/null', '--no-resolv', '--no-hosts', '--keep-in-foreground', `--port=${port}`,
      '--listen-address=127.0.0.1', '--bind-interfaces', `--pid-file=${join(dir, 'pid')}`,
      `--log-facility=${join(dir, 'log')}`, '--log-queries', ...records,
    ];
    const child = spawn('dnsmasq', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const server = new Dnsmasq(port, child, dir);
    for (let i = 0; i < 50; i++) {
      if (child.exitCode !== null) break;
      if (await answers(port, 100)) return server;
    }
    await server.kill();
    throw new Error(`dnsmasq did not start on port ${port}: ${stderr.trim()}`);
  }

  get upstream(): { host: string; port: number } {
    return { host: '127.0.0.1', port: this.port };
  }

  /** The query lines of its log: "query[A] www.outside.test from 127.0.0.1", or "auth[A] …" in auth mode. */
  async queries(): Promise<string[]> {
    const log = await readFile(join(this.dir, 'log'), 'utf8').catch(() => '');
    return log.split('\n').filter((l) => /\b(query|auth)\[/.test(l)).map((l) => l.replace(/^.*?: /, ''));
  }

  /** Freezes it (SIGSTOP): queries are received by the kernel but never answered. */
  pause(): void {
    this.child.kill('SIGSTOP');
  }

  resume(): void {
    this.child.kill('SIGCONT');
  }

  /** SIGTERM, then SIGKILL if it has not exited within a second; removes its temp dir. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGCONT');
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 1000);
      await this.exited;
      clearTimeout(timer);
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
