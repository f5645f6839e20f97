// `npm run bench`: svcdns side by side with the raw node:dgram responder (the ceiling for Node) and,
// with --vs, Knot or NSD, on the same query files, the server pinned to one core and dnsperf to the
// other. See bench/README.md for what each number means.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, release, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SCALES } from './gen-cluster.ts';
import { isMix, MIXES } from './gen-queries.ts';
import type { Mix } from './gen-queries.ts';
import { runDnsperf } from './lib/dnsperf.ts';
import { waitForIdle } from './lib/idle.ts';
import { measureRun } from './lib/measure.ts';
import type { MeasureContext, RunMeasurement } from './lib/measure.ts';
import { freePort } from './lib/ports.ts';
import { pinSelf, ProcessGroup } from './lib/procs.ts';
import type { Managed } from './lib/procs.ts';
import { clockTicksPerSecond } from './lib/procstat.ts';
import { formatMix, summariseMix } from './lib/report.ts';
import type { LatencyRun, MixSummary, RoundRun } from './lib/report.ts';
import { isServerName, startServer, svcdnsEntry } from './lib/servers.ts';
import type { RunningServer, ServerContext, ServerName } from './lib/servers.ts';
import { commandVersion, requireCommand } from './lib/tools.ts';
import { startUpstream } from './lib/upstream.ts';
import { prepareWorkspace } from './lib/workspace.ts';
import { median } from './lib/stats.ts';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(BENCH_DIR, '..');

const USAGE = `usage: npm run bench -- [options]
  --mix LIST         mixes to run (${MIXES.join(',')}); default all
  --runs N           measured runs per server and mix, alternating servers (default 3)
  --duration S       seconds per dnsperf run (default 10)
  --warmup S         unmeasured seconds of each mix's queries for every server before its runs (default 3; 0: none)
  --vs knot|nsd      also run that C server on the same names
  --scale S          default (1,000 services / 10,000 endpoints) or large (10,000 / 150,000)
  --baseline DIR     also run svcdns from the checkout DIR (its dist/ built) as server "baseline":
                     a change against the tree before it, paired round by round (svcdns/baseline)
  --servers LIST     which of svcdns,raw,knot,nsd,baseline to run (default svcdns,raw plus --vs, --baseline)
  --clients N        dnsperf -c for UDP (default 4); --tcp-clients N for the tcp mix (default 10)
  --edns             queries carry EDNS(0) (dnsperf -e); default off, as musl and plain glibc send them
  --no-fresh         start each server once per run; by default every server is started anew (and
                     warmed up) before each round, so that a run's rounds measure different processes
                     (--fresh, the default, is still accepted)
  --latency-runs N   latency runs at half the ceiling's rate per server, alternating servers (default 3):
                     a single run's p99 swings by 2-3x on a noisy machine; the table gives the medians
  --no-latency       skip the latency runs (--latency-runs 0)
  --trace-gc         run svcdns with --trace-gc and report GC pauses in the latency runs
  --workers N        pass --workers N to svcdns
  --svcdns-arg ARG   extra flag for svcdns (repeatable)
  --node-arg ARG     extra Node/V8 flag for svcdns after the image's own (--max-semi-space-size=1),
                     e.g. --max-semi-space-size=16 to override it (repeatable)
  --queries N        lines per query file (default 100000)
  --idle-wait S      wait up to S seconds for an idle machine before each run (default 30)
  --out FILE         JSON results (default bench/results/<date>.json)`;

interface Options {
  readonly mixes: Mix[];
  readonly runs: number;
  readonly duration: number;
  readonly warmup: number;
  readonly scale: 'default' | 'large';
  readonly servers: ServerName[];
  readonly clients: number;
  readonly tcpClients: number;
  /** Latency runs per server and mix (0: none). */
  readonly latencyRuns: number;
  /** New server processes for every round (the default; --no-fresh: one per run). */
  readonly fresh: boolean;
  readonly edns: boolean;
  readonly traceGc: boolean;
  readonly workers?: number;
  readonly svcdnsArgs: string[];
  readonly nodeArgs: string[];
  readonly queries: number;
  readonly idleWait: number;
  readonly out: string;
  /** --baseline: the checkout the `baseline` server runs. */
  readonly baselineRoot?: string;
}

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function positive(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) fail(`${flag} needs a positive number, got ${value}`);
  return n;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      mix: { type: 'string' }, runs: { type: 'string' }, duration: { type: 'string' }, warmup: { type: 'string' }, vs: { type: 'string' },
      scale: { type: 'string' }, servers: { type: 'string' }, clients: { type: 'string' }, 'tcp-clients': { type: 'string' },
      'no-latency': { type: 'boolean' }, 'latency-runs': { type: 'string' }, fresh: { type: 'boolean' }, 'no-fresh': { type: 'boolean' }, edns: { type: 'boolean' }, 'trace-gc': { type: 'boolean' }, workers: { type: 'string' },
      'svcdns-arg': { type: 'string', multiple: true }, 'node-arg': { type: 'string', multiple: true }, queries: { type: 'string' }, 'idle-wait': { type: 'string' },
      out: { type: 'string' }, baseline: { type: 'string' }, help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const mixes = (values.mix ?? MIXES.join(',')).split(',').filter(Boolean);
  const badMix = mixes.filter((m) => !isMix(m));
  if (badMix.length > 0) fail(`unknown mix: ${badMix.join(', ')}`);
  if (values.vs !== undefined && values.vs !== 'knot' && values.vs !== 'nsd' && values.vs !== 'none') fail(`--vs takes knot or nsd, got ${values.vs}`);
  const vs: ServerName[] = values.vs === 'knot' || values.vs === 'nsd' ? [values.vs] : [];
  const baseline: ServerName[] = values.baseline !== undefined ? ['baseline'] : [];
  const servers = values.servers ? values.servers.split(',').filter(Boolean) : ['svcdns', 'raw', ...vs, ...baseline];
  const badServer = servers.filter((s) => !isServerName(s));
  if (badServer.length > 0) fail(`unknown server: ${badServer.join(', ')}`);
  if (servers.includes('baseline') && values.baseline === undefined) fail('--servers baseline needs --baseline DIR');
  if (values.baseline !== undefined && !existsSync(svcdnsEntry(resolve(values.baseline)))) {
    fail(`--baseline ${values.baseline}: no ${svcdnsEntry(resolve(values.baseline))} (build that checkout first)`);
  }
  if (values.scale !== undefined && values.scale !== 'default' && values.scale !== 'large') fail(`--scale takes default or large, got ${values.scale}`);
  const date = new Date().toISOString().replace(/[:.]/g, '-');
  return {
    mixes: mixes.filter(isMix),
    runs: positive(values.runs, '--runs', 3),
    duration: positive(values.duration, '--duration', 10),
    warmup: values.warmup === '0' ? 0 : positive(values.warmup, '--warmup', 3),
    scale: values.scale === 'large' ? 'large' : 'default',
    servers: servers.filter(isServerName),
    clients: positive(values.clients, '--clients', 4),
    tcpClients: positive(values['tcp-clients'], '--tcp-clients', 10),
    latencyRuns: values['no-latency'] ? 0 : values['latency-runs'] === '0' ? 0 : positive(values['latency-runs'], '--latency-runs', 3),
    // A process brings luck of its own (bench/README.md, "One process is one sample").
    fresh: values['no-fresh'] !== true,
    edns: values.edns ?? false,
    traceGc: values['trace-gc'] ?? false,
    ...(values.workers === undefined ? {} : { workers: positive(values.workers, '--workers', 1) }),
    svcdnsArgs: values['svcdns-arg'] ?? [],
    nodeArgs: values['node-arg'] ?? [],
    queries: positive(values.queries, '--queries', 100_000),
    idleWait: values['idle-wait'] === '0' ? 0 : positive(values['idle-wait'], '--idle-wait', 30),
    out: values.out ?? join(BENCH_DIR, 'results', `${date}.json`),
    ...(values.baseline === undefined ? {} : { baselineRoot: resolve(values.baseline) }),
  };
}

const SERVER_CPU = '0';
const CLIENT_CPU = '1';
/** Before a run, at most this much of a core may be busy (idle servers and our own sampling stay far below). */
const IDLE_LIMIT_PCT = 15;

interface Bench {
  readonly opts: Options;
  readonly group: ProcessGroup;
  /** What starting a server needs (--fresh starts them again). */
  readonly ctx: ServerContext;
  readonly measure: MeasureContext;
  readonly servers: RunningServer[];
  readonly queryFile: (mix: Mix) => string;
  readonly ticks: number;
}

/** Stops every server and starts it again on a new port (--fresh). */
async function restartServers(b: Bench): Promise<void> {
  for (let i = 0; i < b.servers.length; i++) {
    const old = b.servers[i]!;
    await b.group.stop(old.proc);
    const server = await startServer(b.group, old.name, b.ctx, await freePort());
    console.log(`  restarted ${server.name} on 127.0.0.1:${server.port} (pid ${server.proc.pid})`);
    b.servers[i] = server;
  }
}

function ensureAlive(server: RunningServer): void {
  if (!server.proc.isRunning()) throw new Error(`${server.name} has exited:\n${server.proc.tail()}`);
}

function progress(mix: Mix, label: string, run: RunMeasurement): void {
  const flags = run.flags.length > 0 ? `  [${run.flags.join(',')}]` : '';
  console.log(`  ${mix} ${label} ${run.server.padEnd(6)} ${(run.dnsperf.qps / 1000).toFixed(1).padStart(6)}k QPS  ` +
    `${run.serverUsPerQuery.toFixed(2).padStart(6)} µs/q  srv ${run.serverCpuPct.toFixed(0)}%  dnsperf ${run.dnsperfCpuPct.toFixed(0)}%  ` +
    `other ${run.otherCpuPct.toFixed(0)}%  steal ${run.stealPct.toFixed(0)}%  lost ${run.dnsperf.lost}${flags}`);
}

/** The servers in the order of one round: rotated each round, so no server always runs first after an idle pause. */
function inTurn(servers: readonly RunningServer[], round: number): RunningServer[] {
  return servers.map((_, i) => servers[(i + round) % servers.length] as RunningServer);
}

/** Half the ceiling's rate: the raw responder's median over valid runs, else the best evidence there is. */
function latencyRate(runs: readonly RoundRun[]): { rateQps: number; note: string | null } {
  const raw = runs.filter((r) => r.run.server === 'raw');
  const validRaw = median(raw.filter((r) => r.run.valid).map((r) => r.run.dnsperf.qps));
  if (validRaw !== null) return { rateQps: validRaw / 2, note: null };
  const anyRaw = median(raw.map((r) => r.run.dnsperf.qps));
  if (anyRaw !== null) return { rateQps: anyRaw / 2, note: 'no valid raw run: latency at half its median over flagged runs' };
  const best = Math.max(0, ...runs.filter((r) => r.run.valid).map((r) => r.run.dnsperf.qps));
  return { rateQps: best / 2, note: "no raw responder: latency at half the fastest server's rate" };
}

async function benchMix(b: Bench, mix: Mix): Promise<{ summary: MixSummary; runs: RoundRun[]; latency: LatencyRun[] }> {
  const tcp = mix === 'tcp';
  const perf = {
    server: '127.0.0.1', queryFile: b.queryFile(mix), durationS: b.opts.duration, clients: tcp ? b.opts.tcpClients : b.opts.clients,
    threads: 1, tcp, latencies: false, edns: b.opts.edns, cpu: CLIENT_CPU,
  };
  // A mix's first queries find svcdns's answer cache without them (18,000 misses for `search`, each
  // a resolve, an encoding and new heap that the next collections promote); measured, that made its
  // first run of a mix 2-10% dearer than the later ones, against 0-4% for the raw responder. The runs
  // measure the steady state: every server answers the mix for a while first, unmeasured.
  const warmUp = async (): Promise<void> => {
    if (b.opts.warmup <= 0) return;
    for (const server of b.servers) {
      ensureAlive(server);
      await runDnsperf(b.group, { ...perf, port: server.port, durationS: b.opts.warmup });
    }
  };
  if (!b.opts.fresh) await warmUp();
  const runs: RoundRun[] = [];
  for (let round = 0; round < b.opts.runs; round++) {
    // One process's luck (where its memory landed, what its JIT chose) shifts every round it serves
    // by a percent or two, together; new processes each round make that part of the rounds' spread.
    if (b.opts.fresh) {
      await restartServers(b);
      await warmUp();
    }
    for (const server of inTurn(b.servers, round)) {
      ensureAlive(server);
      await waitForIdle(IDLE_LIMIT_PCT, b.opts.idleWait, b.ticks, console.log);
      const run = await measureRun(b.measure, server, { ...perf, port: server.port });
      runs.push({ round, run });
      progress(mix, `run ${round + 1}/${b.opts.runs}`, run);
    }
  }
  const latency: LatencyRun[] = [];
  const { rateQps, note } = latencyRate(runs);
  if (b.opts.latencyRuns > 0 && rateQps > 0) {
    if (note) console.log(`  (${note})`);
    for (let round = 0; round < b.opts.latencyRuns; round++) {
      for (const server of inTurn(b.servers, round)) {
        ensureAlive(server);
        await waitForIdle(IDLE_LIMIT_PCT, b.opts.idleWait, b.ticks, console.log);
        const run = await measureRun(b.measure, server, { ...perf, port: server.port, rateQps, latencies: true });
        latency.push({ round, rateQps, run });
        const lat = run.dnsperf.latency;
        progress(mix, `@${(rateQps / 1000).toFixed(1)}k ${round + 1}/${b.opts.latencyRuns}`, run);
        console.log(`    latency p50 ${lat?.p50Ms?.toFixed(3)} ms  p99 ${lat?.p99Ms?.toFixed(3)} ms  p99.9 ${lat?.p999Ms?.toFixed(3)} ms`);
      }
    }
  }
  const summary = summariseMix(mix, tcp ? 'tcp' : 'udp', b.servers.map((s) => s.name), runs, latency);
  console.log(formatMix(summary));
  return { summary, runs, latency };
}

async function machine(servers: readonly ServerName[]): Promise<Record<string, string | number>> {
  const info: Record<string, string | number> = {
    cpu: cpus()[0]?.model ?? 'unknown', cpus: cpus().length, kernel: release(), node: process.version,
    dnsperf: await commandVersion('sh', ['-c', 'dnsperf -h 2>&1 | grep -i version']),
  };
  if (servers.includes('knot')) info.knot = await commandVersion('knotd', ['--version']);
  if (servers.includes('nsd')) info.nsd = await commandVersion('nsd', ['-v']);
  try {
    info.loadavg = readFileSync('/proc/loadavg', 'utf8').trim();
  } catch {
    // Not Linux: nothing to add.
  }
  return info;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  requireCommand('dnsperf', 'dnsperf', 'to send the queries');
  requireCommand('taskset', 'util-linux', 'to pin the server and dnsperf to separate cores');
  if (cpus().length < 2) throw new Error('the benchmark pins the server to cpu0 and dnsperf to cpu1: it needs at least 2 CPUs');
  pinSelf(CLIENT_CPU);
  const ticks = clockTicksPerSecond();
  const workspace = await prepareWorkspace(BENCH_DIR, SCALES[opts.scale], opts.queries, console.log);
  const workDir = mkdtempSync(join(tmpdir(), 'svcdns-bench-run-'));
  const group = new ProcessGroup();
  const removeHandlers = group.installSignalHandlers();
  const started = new Date();
  try {
    let upstream: Managed | null = null;
    let upstreamAddr = 'none';
    if (opts.servers.includes('svcdns') || opts.servers.includes('baseline')) {
      const port = await freePort();
      upstream = await startUpstream(group, port, CLIENT_CPU);
      upstreamAddr = `127.0.0.1:${port}`;
    }
    const ctx = {
      repoRoot: REPO_ROOT, cpu: SERVER_CPU, workDir, manifestsDir: workspace.manifestsDir, zoneDir: workspace.zoneDir,
      zones: workspace.zones, upstream: upstreamAddr, probeName: 'kubernetes.default.svc.cluster.local',
      traceGc: opts.traceGc, svcdnsArgs: opts.svcdnsArgs, nodeArgs: opts.nodeArgs, readyTimeoutMs: opts.scale === 'large' ? 180_000 : 60_000,
      ...(opts.workers === undefined ? {} : { workers: opts.workers }),
      ...(opts.baselineRoot === undefined ? {} : { baselineRoot: opts.baselineRoot }),
    };
    const servers: RunningServer[] = [];
    for (const name of opts.servers) {
      const server = await startServer(group, name, ctx, await freePort());
      console.log(`started ${name} on 127.0.0.1:${server.port} (pid ${server.proc.pid}, cpu${SERVER_CPU})`);
      servers.push(server);
    }
    const b: Bench = {
      opts, group, ctx, servers, ticks, queryFile: workspace.queryFile,
      measure: { group, ticksPerSecond: ticks, knownPids: upstream ? [upstream.pid] : [] },
    };
    const results = [];
    for (const mix of opts.mixes) results.push({ mix, ...(await benchMix(b, mix)) });
    const report = {
      date: started.toISOString(), finished: new Date().toISOString(), machine: await machine(opts.servers),
      options: opts, inputs: workspace.summary, pinning: { server: `cpu${SERVER_CPU}`, dnsperf: `cpu${CLIENT_CPU}` },
      mixes: results,
    };
    await mkdir(dirname(opts.out), { recursive: true });
    await writeFile(opts.out, JSON.stringify(report, null, 2));
    console.log(`\nresults: ${opts.out}`);
  } finally {
    await group.stopAll();
    removeHandlers();
    await rm(workDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
