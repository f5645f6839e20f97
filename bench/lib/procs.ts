// Every process the benchmark starts goes through a ProcessGroup, which can stop them all: at the end,
// on an error, on Ctrl-C. Each child gets its own process group (detached), so killing it also kills
// whatever it forked (NSD's server and xfrd children), and nothing else.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

export interface StartOptions {
  /** CPU list for `taskset -c`; unpinned when absent. */
  readonly cpu?: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Called with every complete stdout line (e.g. a "listening" line, or dnsperf's per-query lines). */
  readonly onStdoutLine?: (line: string) => void;
  /** Open a Node IPC channel (the child must be a Node process; it survives the taskset exec). */
  readonly ipc?: boolean;
}

export interface IpcChannel {
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
}

export interface Managed {
  readonly name: string;
  readonly pid: number;
  /** Resolves with the exit code (or the signal name) when the process ends. */
  readonly exited: Promise<number | string>;
  /** The last few KB of stdout and stderr, for error messages. */
  tail(): string;
  isRunning(): boolean;
  /** Present when started with `ipc: true`. */
  readonly ipc?: IpcChannel;
}

const TAIL_BYTES = 8192;

export class ProcessGroup {
  readonly #children = new Map<number, { child: ChildProcess; name: string }>();

  start(name: string, command: string, args: readonly string[], opts: StartOptions = {}): Managed {
    const [cmd, argv] = opts.cpu === undefined ? [command, [...args]] : ['taskset', ['-c', opts.cpu, command, ...args]];
    const child = spawn(cmd, argv, { cwd: opts.cwd, env: opts.env ?? process.env, detached: true,
      stdio: opts.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'] });
    if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
    const pid = child.pid;
    let tail = '';
    let partial = '';
    let running = true;
    const keep = (text: string): void => {
      tail = (tail + text).slice(-TAIL_BYTES);
    };
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      keep(text);
      if (!opts.onStdoutLine) return;
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) opts.onStdoutLine(line);
    });
    child.stderr?.setEncoding('utf8').on('data', keep);
    const exited = new Promise<number | string>((resolve) => {
      child.on('error', (err) => {
        keep(`\n${err.message}`);
        running = false;
        this.#children.delete(pid);
        resolve('spawn-error');
      });
      child.on('exit', (code, signal) => {
        running = false;
        this.#children.delete(pid);
        if (partial && opts.onStdoutLine) opts.onStdoutLine(partial);
        resolve(code ?? signal ?? 'unknown');
      });
    });
    this.#children.set(pid, { child, name });
    const ipc: IpcChannel | undefined = opts.ipc
      ? { send: (message) => void child.send(message as object), onMessage: (listener) => void child.on('message', listener) }
      : undefined;
    return { name, pid, exited, tail: () => tail, isRunning: () => running, ...(ipc ? { ipc } : {}) };
  }

  /** SIGTERM, then SIGKILL after `graceMs` for whatever is still running. */
  async stop(proc: Managed, graceMs = 3000): Promise<void> {
    if (!proc.isRunning()) return;
    signalGroup(proc.pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(proc.pid, 'SIGKILL'), graceMs);
    await proc.exited;
    clearTimeout(timer);
    // The leader is gone; make sure nothing it forked outlives it.
    signalGroup(proc.pid, 'SIGKILL');
  }

  async stopAll(): Promise<void> {
    const pids = [...this.#children.keys()];
    for (const pid of pids) signalGroup(pid, 'SIGTERM');
    const deadline = Date.now() + 3000;
    while (this.#children.size > 0 && Date.now() < deadline) await sleep(50);
    this.killAllNow();
  }

  /** Synchronous last resort, safe to call from a process 'exit' handler. */
  killAllNow(): void {
    for (const pid of this.#children.keys()) signalGroup(pid, 'SIGKILL');
  }

  /** Stops everything on Ctrl-C, SIGTERM and on exit; returns a function that removes the handlers. */
  installSignalHandlers(): () => void {
    const onSignal = (signal: NodeJS.Signals): void => {
      console.error(`\n${signal}: stopping ${this.#children.size} process(es)`);
      void this.stopAll().finally(() => process.exit(130));
    };
    const onExit = (): void => this.killAllNow();
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('exit', onExit);
    return () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('exit', onExit);
    };
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until `check` returns true, polling every `intervalMs`, failing after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, proc?: Managed): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc && !proc.isRunning()) throw new Error(`${proc.name} exited while waiting for ${what}:\n${proc.tail()}`);
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${proc ? `; ${proc.name} output:\n${proc.tail()}` : ''}`);
}

/**
 * Moves this process (every thread) to `cpu`, so the benchmark's own work (reading dnsperf's per-query
 * lines, polling) stays off the server's core.
 */
export function pinSelf(cpu: string): void {
  const result = spawnSync('taskset', ['-a', '-cp', cpu, String(process.pid)], { stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`could not pin the benchmark to cpu${cpu} with taskset`);
}
