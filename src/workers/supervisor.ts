// --workers N: this process supervises N workers and answers no DNS itself. Each worker is a full
// svcdns (its own cluster source, zone index and answer cache) that binds the same UDP and TCP ports
// with SO_REUSEPORT, so the kernel spreads queries over them. The supervisor
// - runs the one admin server: /health is its own, /ready is 200 while at least one worker serves
//   (the detail lists every worker), /metrics merges the workers' pages with a `worker` label, and
//   /debug/explain is answered by a serving worker;
// - restarts a worker that dies (after its first start), backing off while it keeps dying;
// - on SIGTERM/SIGINT turns /ready off and passes the signal on: every worker runs its own lame-duck
//   period and closes; the supervisor exits when all have.
// A worker binds its sockets only after its first sync, so a restarted worker never answers from an
// empty index while the others are serving.
import { fork, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { isIPv6, createServer } from 'node:net';
import { startAdminServer, type AdminServer, type Readiness, type Reply } from '../admin/server.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { mergeMetricPages } from './metrics-merge.js';
import { isWorkerMessage, WORKER_ENV, type ListenAddress, type SupervisorRequest, type WorkerRole } from './protocol.js';

export interface SupervisorOptions {
  readonly config: Config;
  readonly logger: Logger;
  /** The script every worker runs (dist/main.js), with the same arguments and Node flags as this one. */
  readonly entry: string;
  readonly args: readonly string[];
  readonly execArgv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

/** A forwarded admin request gets this long before the worker counts as not answering. */
const REQUEST_TIMEOUT_MS = 5_000;
const RESTART_MIN_MS = 1_000;
const RESTART_MAX_MS = 30_000;
/** A worker that lived this long before dying is restarted at once again (no back-off carried over). */
const HEALTHY_LIFETIME_MS = 60_000;
/** After the lame-duck period, how long workers get to close before they are killed. */
const SHUTDOWN_GRACE_MS = 15_000;
const SAME_PORT_ATTEMPTS = 8;

interface Slot {
  readonly index: number;
  child: ChildProcess | null;
  ready: boolean;
  /** Has been ready at least once (start-up is over for this slot). */
  started: boolean;
  startedAt: number;
  restarts: number;
  /** Deaths in a row without a healthy lifetime in between. */
  failures: number;
  restartTimer: NodeJS.Timeout | null;
}

interface Pending {
  readonly resolve: (reply: Reply | null) => void;
  readonly timer: NodeJS.Timeout;
}

/** A free port on `host` for both UDP and TCP (port 0 cannot be shared: each worker would get its own). */
async function freePort(host: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const udp = dgram.createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    const port = await new Promise<number>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, host, () => resolve(udp.address().port));
    });
    const tcp = createServer();
    const free = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen(port, host, () => resolve(true));
    });
    await new Promise<void>((resolve) => udp.close(() => resolve()));
    if (free) await new Promise<void>((resolve) => tcp.close(() => resolve()));
    if (free) return port;
    if (attempt >= SAME_PORT_ATTEMPTS) throw new Error(`no port on ${host} free for both UDP and TCP`);
  }
}

async function concreteAddresses(listen: readonly ListenAddress[]): Promise<ListenAddress[]> {
  const out: ListenAddress[] = [];
  for (const address of listen) out.push(address.port === 0 ? { host: address.host, port: await freePort(address.host) } : address);
  return out;
}

export class Supervisor {
  private readonly slots: Slot[];
  private readonly pending = new Map<number, Pending>();
  private nextRequest = 1;
  private shuttingDown = false;
  private admin: AdminServer | null = null;
  private listen: readonly ListenAddress[] = [];
  private readonly log: Logger;
  /** Settles once every slot has been ready once, or fails when a worker dies during start-up. */
  private readonly startup = Promise.withResolvers<void>();

  constructor(private readonly options: SupervisorOptions) {
    this.log = options.logger.child({ layer: 'supervisor' });
    this.slots = Array.from({ length: options.config.workers }, (_, index) => ({
      index, child: null, ready: false, started: false, startedAt: 0, restarts: 0, failures: 0, restartTimer: null,
    }));
  }

  /** Starts the workers and the admin server; resolves once every worker serves. */
  async start(): Promise<void> {
    const config = this.options.config;
    this.listen = await concreteAddresses(config.listen);
    if (config.admin) {
      this.admin = await startAdminServer({
        ...config.admin, logger: this.options.logger, isReady: () => this.readiness(),
        routes: { '/metrics': () => this.metrics(), '/debug/explain': (req) => this.forwardToOne(req.url ?? '/debug/explain') },
      });
    }
    for (const slot of this.slots) this.spawn(slot);
    await this.startup.promise;
    const dns = this.listen.flatMap((a) => [{ ...a, transport: 'udp' as const }, { ...a, transport: 'tcp' as const }]);
    this.log.info({ dns, admin: this.admin?.address ?? null, workers: this.slots.length }, 'listening');
    this.log.info('ready');
  }

  readiness(): Readiness {
    const workers = this.slots.map((s) => ({ worker: s.index, running: s.child !== null, ready: s.ready, restarts: s.restarts }));
    if (this.shuttingDown) return { ready: false, detail: { reason: 'shutting down', workers } };
    if (!this.slots.some((s) => s.ready)) return { ready: false, detail: { reason: 'no worker is serving yet', workers } };
    return { ready: true, detail: {} };
  }

  private spawn(slot: Slot): void {
    const role: WorkerRole = { index: slot.index, listen: this.listen };
    // Its own process group: a Ctrl-C in a terminal reaches the supervisor only, which passes it on once.
    const child = fork(this.options.entry, [...this.options.args], {
      env: { ...this.options.env, [WORKER_ENV]: JSON.stringify(role) },
      execArgv: [...this.options.execArgv],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      detached: true,
    });
    slot.child = child;
    slot.ready = false;
    slot.startedAt = Date.now();
    this.log.info({ worker: slot.index, pid: child.pid }, 'worker started');
    child.on('message', (message: unknown) => this.receive(slot, message));
    child.on('error', (err) => this.log.error({ err, worker: slot.index }, 'worker process error'));
    child.once('exit', (code, signal) => this.exited(slot, child, code, signal));
  }

  private receive(slot: Slot, message: unknown): void {
    if (!isWorkerMessage(message)) return;
    if (message.type === 'ready') {
      slot.ready = true;
      slot.started = true;
      if (this.slots.every((s) => s.started)) this.startup.resolve();
      return;
    }
    const pending = this.pending.get(message.id);
    if (pending === undefined) return;
    this.pending.delete(message.id);
    clearTimeout(pending.timer);
    pending.resolve(message.reply);
  }

  private exited(slot: Slot, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (slot.child !== child) return;
    slot.child = null;
    slot.ready = false;
    if (this.shuttingDown) return;
    if (!slot.started) {
      // A worker that cannot get to serving once (its port taken, a broken source) would only die again.
      this.log.fatal({ worker: slot.index, code, signal }, 'worker exited during start-up');
      this.startup.reject(new Error(`worker ${slot.index} exited during start-up (code ${code}, signal ${signal})`));
      return;
    }
    const lived = Date.now() - slot.startedAt;
    slot.failures = lived >= HEALTHY_LIFETIME_MS ? 0 : slot.failures + 1;
    const delay = slot.failures === 0 ? 0 : Math.min(RESTART_MAX_MS, RESTART_MIN_MS * 2 ** (slot.failures - 1));
    slot.restarts++;
    this.log.warn({ worker: slot.index, code, signal, livedMs: lived, restartInMs: delay }, 'worker exited; restarting it');
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = null;
      if (!this.shuttingDown) this.spawn(slot);
    }, delay);
  }

  /** Sends an admin request to one worker; null when it is gone or does not answer in time. */
  private request(slot: Slot, url: string): Promise<Reply | null> {
    const child = slot.child;
    if (child === null || !child.connected) return Promise.resolve(null);
    const id = this.nextRequest++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(null);
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, { resolve, timer });
      const request: SupervisorRequest = { type: 'request', id, url };
      child.send(request, (err) => {
        if (err === null || !this.pending.has(id)) return;
        this.pending.delete(id);
        clearTimeout(timer);
        resolve(null);
      });
    });
  }

  private async metrics(): Promise<Reply> {
    const serving = this.slots.filter((s) => s.ready);
    const replies = await Promise.all(serving.map((s) => this.request(s, '/metrics')));
    const pages: string[] = [];
    const workers: number[] = [];
    let contentType = 'text/plain; version=0.0.4; charset=utf-8';
    replies.forEach((reply, i) => {
      if (reply === null || reply.status !== 200) return;
      pages.push(reply.body);
      workers.push(serving[i]!.index);
      contentType = reply.contentType;
    });
    return { status: 200, contentType, body: mergeMetricPages(pages, workers) };
  }

  private async forwardToOne(url: string): Promise<Reply> {
    for (const slot of this.slots.filter((s) => s.ready)) {
      const reply = await this.request(slot, url);
      if (reply !== null) return reply;
    }
    return { status: 503, contentType: 'text/plain; charset=utf-8', body: 'no worker is serving' };
  }

  /**
   * Readiness off, the signal to every worker (each runs its lame-duck period and closes), then
   * the admin server. Workers still running after the lame duck and a grace period are killed.
   */
  async shutdown(signal: string): Promise<void> {
    this.shuttingDown = true;
    this.log.info({ signal }, 'shutting down the workers');
    for (const slot of this.slots) {
      if (slot.restartTimer !== null) clearTimeout(slot.restartTimer);
      slot.child?.kill('SIGTERM');
    }
    const exits = this.slots.map((slot) => {
      const child = slot.child;
      if (child === null || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise<void>((resolve) => child.once('exit', () => resolve()));
    });
    const grace = setTimeout(() => {
      this.log.error('workers did not stop in time: killing them');
      for (const slot of this.slots) slot.child?.kill('SIGKILL');
    }, this.options.config.lameduckMs + SHUTDOWN_GRACE_MS);
    await Promise.all(exits);
    clearTimeout(grace);
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.resolve(null);
    }
    this.pending.clear();
    await this.admin?.close();
    this.log.info('stopped');
  }

  /** Kills every worker at once (a second signal, or a failed start). */
  kill(): void {
    this.shuttingDown = true;
    for (const slot of this.slots) slot.child?.kill('SIGKILL');
  }
}

/** The supervisor's whole life: start, wait for a signal, shut down, exit. */
export async function runSupervisor(options: SupervisorOptions): Promise<void> {
  const supervisor = new Supervisor(options);
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      options.logger.warn({ signal }, 'second signal during shutdown: exiting now');
      supervisor.kill();
      process.exit(1);
    }
    stopping = true;
    void supervisor.shutdown(signal).then(() => process.exit(0));
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, onSignal);
  try {
    await supervisor.start();
  } catch (err) {
    if (stopping) return;
    options.logger.fatal({ err }, 'cannot start the workers');
    supervisor.kill();
    process.exit(1);
  }
}
