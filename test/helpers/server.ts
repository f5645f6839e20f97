// Starts the built server (`node dist/main.js`) as a child process on free loopback ports and reads
// the ports it got from its "listening" log line. Every server started here is killed when the test
// file ends, even when a test fails.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = resolve(ROOT, 'dist/main.js');

export interface StartOptions {
  /** Leave out the default `--listen 127.0.0.1:0 --admin 127.0.0.1:0`. */
  noDefaults?: boolean;
  /** Wait for the "ready" line too (default true); false returns as soon as it listens. */
  waitReady?: boolean;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export interface LogLine {
  level?: string;
  msg?: string;
  [key: string]: unknown;
}

export interface RunningServer {
  /** The DNS port (UDP and TCP) of the first listen address. */
  port: number;
  /** The admin HTTP port, or 0 when the admin server is off. */
  adminPort: number;
  /** Every stdout line so far. */
  logs(): string[];
  /** The stdout lines that are JSON log records. */
  records(): LogLine[];
  stderr(): string;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code (128+n for a signal death). */
  stop(signal?: NodeJS.Signals): Promise<number>;
  /** Waits (bounded) for a log record matching `match`. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  process: ChildProcess;
}

const live = new Set<ChildProcess>();
afterAll(() => {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
});
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function parseLine(line: string): LogLine | null {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as LogLine) : null;
  } catch {
    return null;
  }
}

function exitCode(child: ChildProcess): Promise<number> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(128 + signalNumber(child.signalCode));
  return new Promise((done) => child.once('exit', (code, signal) => done(code ?? 128 + (signal ? signalNumber(signal) : 0))));
}

function signalNumber(signal: NodeJS.Signals): number {
  return ({ SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[signal] ?? 0;
}

/** Runs `node dist/main.js args` to completion (for --help, bad flags): exit code and output. */
export function runToExit(args: string[], env: Record<string, string> = {}, timeoutMs = 15_000): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return exitCode(child).then((code) => {
    clearTimeout(timer);
    live.delete(child);
    return { code, stdout, stderr };
  });
}

export async function startServer(args: string[], opts: StartOptions = {}): Promise<RunningServer> {
  const defaults = opts.noDefaults ? [] : ['--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0'];
  const child = spawn(process.execPath, [MAIN, ...defaults, ...args], {
    // No lame-duck wait on stop unless a test asks for one (the 5 s default would slow every suite).
    // No forwarding unless a test names its own upstream: the machine's resolv.conf points off this host,
    // and tests send traffic only to loopback.
    cwd: ROOT, env: { ...process.env, SVCDNS_LAMEDUCK: '0s', SVCDNS_UPSTREAM: 'none', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));

  const lines: string[] = [];
  const records: LogLine[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      const record = parseLine(line);
      if (record) records.push(record);
    }
    for (const wake of waiters) wake();
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.once('exit', () => {
    for (const wake of waiters) wake();
  });

  const waitForLog = (match: (line: LogLine) => boolean, timeoutMs = opts.timeoutMs ?? 15_000): Promise<LogLine> =>
    new Promise((done, fail) => {
      const check = (): boolean => {
        const found = records.find(match);
        if (found) {
          finish();
          done(found);
          return true;
        }
        if (child.exitCode !== null || child.signalCode !== null) {
          finish();
          fail(new Error(`server exited (${child.exitCode ?? child.signalCode}) before the expected log line.\nstdout:\n${lines.join('\n')}\nstderr:\n${stderr}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        finish();
        fail(new Error(`timed out waiting for a log line.\nstdout:\n${lines.join('\n')}\nstderr:\n${stderr}`));
      }, timeoutMs);
      const wake = (): void => void check();
      const finish = (): void => {
        clearTimeout(timer);
        waiters.delete(wake);
      };
      if (!check()) waiters.add(wake);
    });

  let listening: LogLine;
  try {
    listening = await waitForLog((l) => l.msg === 'listening');
    if (opts.waitReady ?? true) await waitForLog((l) => l.msg === 'ready');
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const dns = listening['dns'] as { port: number }[];
  const admin = listening['admin'] as { port: number } | null;

  return {
    port: dns[0]!.port,
    adminPort: admin?.port ?? 0,
    logs: () => [...lines],
    records: () => [...records],
    stderr: () => stderr,
    waitForLog,
    process: child,
    stop: async (signal = 'SIGTERM') => {
      const done = exitCode(child);
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await done;
      clearTimeout(timer);
      return code;
    },
  };
}
