#!/usr/bin/env node
// The svcdns process: config → cluster source → zone index → resolver → dispatcher → DNS listeners,
// plus the admin server. Serves at once; /ready turns true after the first sync (or the start-up
// timeout). SIGTERM/SIGINT run one shutdown sequence.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Operations } from './admin/operations.js';
import { startAdminServer, type AdminServer, type Readiness } from './admin/server.js';
import type { KubernetesSource } from './cluster/kubernetes/index.js';
import { ManifestSource } from './cluster/manifests.js';
import type { ClusterSource } from './cluster/source.js';
import { watchSync } from './cluster/sync-watch.js';
import type { ObjectKind } from './cluster/types.js';
import { ConfigError, parseConfig, type Config } from './config.js';
import { LiveResolver } from './config/live-resolver.js';
import { ConfigWatcher, resolverSettingsChanged } from './config/reload.js';
import { createLogger, type Logger } from './logger.js';
import { heapCompactor } from './heap.js';
import { setUpForwarding, type Forwarding } from './resolve/forward/setup.js';
import { ClusterResolver, zonesFromArgs } from './resolve/resolver.js';
import { Dispatcher } from './wire/dispatcher.js';
import { startDnsServers, type DnsServers } from './wire/servers.js';
import { ZoneTransfer } from './wire/transfer.js';
import { workerRoleFromEnv } from './workers/protocol.js';
import { runSupervisor } from './workers/supervisor.js';
import { linkToSupervisor } from './workers/worker.js';
import { ZoneIndex } from './zone/index.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** dist/main.js → the package's examples/, served when no cluster source is configured. */
const EMBEDDED_MANIFESTS = resolve(HERE, '../examples');
/** Longest a shutdown may take after the lame-duck period before the process exits anyway. */
const SHUTDOWN_DEADLINE_MS = 10_000;
const EXIT_USAGE = 2;

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(resolve(HERE, '../package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** What the source must deliver: pods only for verified pod records, slices unless --no-endpoints. */
function sourceKinds(config: Config): ObjectKind[] {
  const kinds: ObjectKind[] = ['service', 'namespace'];
  if (!config.noEndpoints) kinds.push('endpointslice');
  if (config.pods === 'verified') kinds.push('pod');
  return kinds;
}

/** The configured cluster source; a Kubernetes configuration problem is a one-line usage error. */
async function openSource(config: Config, kinds: readonly ObjectKind[], log: Logger): Promise<{ source: ClusterSource; kubernetes: KubernetesSource | null }> {
  if (config.source.kind === 'manifests') return { source: new ManifestSource({ path: config.source.path, kinds, logger: log, compactHeap: heapCompactor() }), kubernetes: null };
  // Loaded only when used: the Kubernetes client costs about half a second and 80 MB of memory to load.
  const { openKubernetesSource } = await import('./cluster/kubernetes/index.js');
  const opened = openKubernetesSource({
    target: config.source, env: process.env, kinds, logger: log,
    namespaces: config.namespaces, namespaceLabels: config.namespaceLabels, labels: config.labels,
    userAgent: `svcdns/${packageVersion()}`,
  });
  if (!opened.ok) {
    process.stderr.write(`svcdns: ${opened.error}\n`);
    process.exit(EXIT_USAGE);
  }
  return { source: opened.source, kubernetes: opened.source };
}

/** Addresses answered for ns.dns.<zone>: --pod-ip, else the specific addresses we listen on. */
function nsAddresses(config: Config): string[] {
  if (config.podIP) return [config.podIP];
  const specific = config.listen.map((a) => a.host).filter((h) => h !== '0.0.0.0' && h !== '::');
  return [...new Set(specific)];
}

interface Running {
  readonly source: ClusterSource;
  readonly dns: DnsServers;
  readonly admin: AdminServer | null;
  readonly forwarding: Forwarding | null;
  readonly state: { shuttingDown: boolean };
  /** The lame-duck period in force now (a config reload may change it). */
  readonly lameduckMs: () => number;
  /** Stops the config watcher and the other observers. */
  readonly stopWatching: () => void;
}

/**
 * The shutdown sequence, in order: readiness off, the lame-duck period (still answering, so clients
 * and kube-proxy move on while nothing fails), then each listener closed, then the source.
 */
function shutdownSequence(running: Running, log: Logger): (signal: string) => Promise<void> {
  let started = false;
  return async (signal) => {
    if (started) {
      log.warn({ signal }, 'second signal during shutdown: exiting now');
      process.exit(1);
    }
    started = true;
    log.info({ signal }, 'shutting down');
    running.state.shuttingDown = true;
    const lameduckMs = running.lameduckMs();
    const deadline = setTimeout(() => {
      log.error('shutdown took too long: exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS + lameduckMs);
    deadline.unref();
    running.stopWatching();
    if (lameduckMs > 0) {
      log.info({ lameduckMs }, 'lame duck: /ready is 503, still answering');
      await new Promise((done) => setTimeout(done, lameduckMs));
    }
    const steps: [string, () => Promise<void>][] = [
      ['dns listeners', () => running.dns.close()],
      ['forwarder', async () => running.forwarding?.close()],
      ['admin server', () => running.admin?.close() ?? Promise.resolve()],
      ['cluster source', () => running.source.stop()],
    ];
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (err) {
        log.error({ err, step: name }, 'shutdown step failed');
      }
    }
    log.info('stopped');
    process.exit(0);
  };
}

/** `reload` reads flags, environment and the --config file again (throws ConfigError). */
async function run(config: Config, log: Logger, reload: () => Config): Promise<void> {
  const kinds = sourceKinds(config);
  const { source, kubernetes } = await openSource(config, kinds, log);
  const forwardSetup = await setUpForwarding({ ...config.forward, upstream: config.upstream, logger: log.child({ layer: 'forward' }) });
  if (!forwardSetup.ok) {
    process.stderr.write(`svcdns: ${forwardSetup.error}\n`);
    process.exit(EXIT_USAGE);
  }
  const forwarding = forwardSetup.forwarding;
  const zone = new ZoneIndex({ endpointPodNames: config.endpointPodNames, requiredKinds: kinds, logger: log.child({ layer: 'zone' }) });
  const ops = new Operations({ zones: zonesFromArgs(config.zones), logQueries: config.logQueries, logger: log, version: packageVersion() });
  const resolverFor = (config: Config): ClusterResolver => new ClusterResolver(zone, {
    zones: zonesFromArgs(config.zones),
    ttl: config.ttl,
    pods: config.pods,
    namespaces: [...config.namespaces],
    ignoreEmptyService: config.ignoreEmptyService,
    noEndpoints: config.noEndpoints,
    fallthrough: config.fallthrough ? [...config.fallthrough] : null,
    nsAddresses: nsAddresses(config),
    zonal: config.zonal,
    upstream: forwarding?.lookup,
  });
  // A reload of --ttl and the like replaces the resolver; the answer cache sees a new epoch.
  let resolver = resolverFor(config);
  const live = new LiveResolver(resolver, zone);
  // Without a forwarder (--upstream none) names outside the zones are answered REFUSED.
  const dispatcher = new Dispatcher({
    resolver: live, generations: live, logger: log.child({ layer: 'wire' }), forwarder: forwarding?.gate, observer: ops.observer,
    cacheEntries: config.cacheEntries, maxUdpSize: config.maxUdpSize,
    ...(config.transferTo.length > 0 ? { transfer: new ZoneTransfer(config.transferTo, (q) => resolver.transfer(q), config.maxUdpSize) } : {}),
  });

  log.info({ source: config.source, zones: config.zones, ttl: config.ttl, pods: config.pods }, 'starting');
  const sync = watchSync(zone, kinds);
  source.start(ops.tap(sync.sink)).catch((err: unknown) => log.error({ err }, 'cluster source failed to start'));
  void sync.synced.then(() => log.info({ source: source.status().name, ...zone.counts() }, 'cluster source synced'));

  // Settles at the first sync or at the start-up timeout (true: timed out).
  const firstSync = Promise.race([
    sync.synced.then(() => false),
    new Promise<boolean>((done) => setTimeout(() => done(true), config.startupTimeoutMs).unref()),
  ]);
  // A --workers worker joins the shared ports only once it can answer (see workers/supervisor.ts).
  const role = workerRoleFromEnv(process.env);
  if (role !== null) await firstSync;

  const state = { shuttingDown: false };
  const dns = await startDnsServers({
    listen: role?.listen ?? [...config.listen], reusePort: role !== null, dispatcher, logger: log.child({ layer: 'wire' }),
    tcp: { maxConnections: config.tcpMaxConnections, idleTimeoutMs: config.tcpIdleTimeoutMs },
    ...(config.rrl !== null ? { rrl: config.rrl } : {}),
  });
  const readiness = (): Readiness => {
    if (state.shuttingDown) return { ready: false, detail: { reason: 'shutting down' } };
    if (!zone.synced) return { ready: false, detail: { reason: 'waiting for the first sync of the cluster source', source: source.status() } };
    return { ready: true, detail: {} };
  };
  const watcher = config.configFile === null ? null : new ConfigWatcher({
    path: config.configFile, load: reload, initial: config, logger: log,
    apply: (next, change) => {
      ops.applyLive(next);
      if (resolverSettingsChanged(change)) live.replace((resolver = resolverFor(next)));
    },
  });
  const current = (): Config => watcher?.config ?? config;
  ops.attach({
    zone, status: () => source.status(), ready: () => readiness().ready, dnsAddress: dns.addresses[0], answerCache: dispatcher, forwarding, kubernetes,
    explain: {
      resolver: () => live.current,
      settings: () => ({ ...current(), zones: zonesFromArgs(current().zones), forwarding: forwarding !== null }),
    },
  });
  if (watcher !== null) ops.registerReloads(() => watcher.stats);
  watcher?.start();
  const admin = config.admin && role === null
    ? await startAdminServer({ ...config.admin, logger: log, isReady: readiness, routes: ops.routes() }).catch(async (err: unknown) => {
      await dns.close();
      throw err;
    })
    : null;
  log.info({ dns: dns.addresses, admin: admin?.address ?? null }, 'listening');

  const stopWatching = (): void => {
    watcher?.stop();
    ops.stop();
  };
  const shutdown = shutdownSequence({ source, dns, admin, forwarding, state, lameduckMs: () => current().lameduckMs, stopWatching }, log);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void shutdown(signal));
  const supervisor = role === null ? null : linkToSupervisor({ routes: ops.routes(), isReady: readiness, onSupervisorGone: () => void shutdown('disconnect'), logger: log });
  // Once the listeners answer: a probe that comes back means every outside name would circle forever.
  forwarding?.checkLoop().then((check) => {
    if (!check.loop) return log.info(check.detail);
    log.fatal({ upstream: check.upstream }, check.detail);
    process.exit(1);
  }, (err: unknown) => log.error({ err }, 'forwarding loop check failed'));

  const timedOut = await firstSync;
  if (state.shuttingDown) return;
  if (timedOut) {
    log.warn({ timeoutMs: config.startupTimeoutMs, source: source.status() }, 'cluster source not synced by the start-up timeout; serving what it has');
    zone.forceSynced();
  }
  log.info('ready');
  supervisor?.ready();
}

async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  const context = { embeddedManifests: EMBEDDED_MANIFESTS, version: packageVersion() };
  let outcome;
  try {
    outcome = parseConfig(argv, env, context);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`svcdns: ${err.message}\n`);
    process.exit(EXIT_USAGE);
  }
  if (outcome.action !== 'run') {
    process.stdout.write(`${outcome.text}\n`);
    return;
  }
  const role = workerRoleFromEnv(env);
  const base = createLogger(outcome.config.logLevel);
  const log = role === null ? base : base.child({ worker: role.index }, { msgPrefix: `worker ${role.index}: ` });
  // A DNS server must outlive one bad packet or one buggy callback: log, keep serving.
  process.on('uncaughtException', (err) => log.error({ err }, 'uncaught exception; still serving'));
  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled rejection; still serving'));
  if (role === null && outcome.config.workers > 1) {
    await runSupervisor({ config: outcome.config, logger: log, entry: process.argv[1]!, args: argv, execArgv: process.execArgv, env });
    return;
  }
  try {
    await run(outcome.config, log, () => {
      const again = parseConfig(argv, env, context);
      if (again.action !== 'run') throw new ConfigError('the config no longer describes a server to run');
      return again.config;
    });
  } catch (err) {
    log.fatal({ err }, 'cannot start');
    process.exit(1);
  }
}

void main(process.argv.slice(2), process.env);
