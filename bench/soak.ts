// `npm run soak` (issue 8): svcdns under dnsperf load and Kubernetes API churn at the same time, for a
// bounded time (--duration, default 180 s). The fake API server runs in this process and keeps
// creating and deleting services, scaling headless services and changing addresses (closing every
// watch now and then); dnsperf asks a mix of existing, churned, missing and SRV names at a fixed
// rate. Reported: svcdns's RSS over time, dnsperf's figures, the warnings and errors svcdns logged,
// and whether, once the churn stops, every name answers what the cluster holds. Exit code 1 when
// svcdns died, answered inconsistently, or lost more than 1% of the queries.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FakeApiServer } from '../test/fake-apiserver/index.ts';
import { connect } from 'node:net';
import { decodeAnswer, encodeQuery, QTYPE, type DnsAnswer } from './lib/dns-client.ts';
import { runDnsperf, type DnsperfResult } from './lib/dnsperf.ts';
import { freePort } from './lib/ports.ts';
import { createRng } from './lib/prng.ts';
import { ProcessGroup, sleep, waitFor } from './lib/procs.ts';
import { treeRssBytes } from './lib/procstat.ts';
import { svcdnsEntry } from './lib/servers.ts';
import { ClusterChurn, type Expectation } from './soak/churn.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = 'usage: npm run soak -- [--duration 180] [--qps 3000] [--churn 20] [--sample 10] [--out FILE]';
const MiB = 1024 * 1024;

interface Options {
  readonly durationS: number;
  readonly qps: number;
  readonly churnPerS: number;
  readonly sampleS: number;
  readonly out: string | null;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' }, qps: { type: 'string' }, churn: { type: 'string' }, sample: { type: 'string' },
      out: { type: 'string' }, help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const options = {
    durationS: Number(values.duration ?? 180), qps: Number(values.qps ?? 3000), churnPerS: Number(values.churn ?? 20),
    sampleS: Number(values.sample ?? 10), out: values.out ?? null,
  };
  // Bounded by design: at most an hour, however it is called.
  if (!(options.durationS >= 10 && options.durationS <= 3600) || !(options.qps > 0) || !(options.churnPerS > 0) || !(options.sampleS >= 1)) {
    console.error(USAGE);
    process.exit(2);
  }
  return options;
}

interface Sample {
  readonly atS: number;
  readonly rssMiB: number;
  readonly heapUsedMiB: number | null;
  readonly changes: number;
}

async function metricValue(adminPort: number, name: string): Promise<number | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${adminPort}/metrics`, { signal: AbortSignal.timeout(2000) });
    const line = (await res.text()).split('\n').find((l) => l.startsWith(`${name} `));
    return line === undefined ? null : Number(line.slice(name.length + 1));
  } catch {
    return null;
  }
}

/** One A question over TCP (a headless answer of 50 addresses does not fit a plain UDP reply). */
function tcpQuery(port: number, name: string, timeoutMs = 2000): Promise<DnsAnswer | null> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let data = Buffer.alloc(0);
    const finish = (answer: DnsAnswer | null): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    socket.on('error', () => finish(null));
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) finish(decodeAnswer(data.subarray(2, 2 + data.readUInt16BE(0))));
    });
    const query = encodeQuery(1, name, QTYPE.A);
    socket.write(Buffer.concat([Buffer.from([query.length >> 8, query.length & 255]), query]));
  });
}

/** Names whose answer differs from what the cluster holds (after the churn has stopped and settled). */
async function inconsistencies(port: number, expected: readonly Expectation[]): Promise<string[]> {
  const wrong: string[] = [];
  for (const e of expected) {
    const answer = await tcpQuery(port, e.name);
    const got = answer === null ? 'timeout' : answer.rcode === 3 ? 'NXDOMAIN' : [...answer.addresses].sort().join(',');
    const want = e.addresses === null ? 'NXDOMAIN' : [...e.addresses].sort().join(',');
    if (got !== want) wrong.push(`${e.name}: ${got.slice(0, 80)} (expected ${want.slice(0, 80)})`);
  }
  return wrong;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const group = new ProcessGroup();
  const removeHandlers = group.installSignalHandlers();
  const work = mkdtempSync(join(tmpdir(), 'svcdns-soak-'));
  const api = await FakeApiServer.start({ bookmarkIntervalMs: 1000 });
  const churn = new ClusterChurn(api, createRng(0x50a4).next);
  churn.seed();
  const queryFile = join(work, 'queries.txt');
  writeFileSync(queryFile, `${churn.queryLines().join('\n')}\n`);

  const [port, adminPort] = [await freePort(), await freePort()];
  const logLevels = new Map<string, number>();
  const svcdns = group.start('svcdns', process.execPath, [
    svcdnsEntry(REPO_ROOT), '--kubeconfig', api.kubeconfig(join(work, 'kubeconfig')), '--listen', `127.0.0.1:${port}`,
    '--admin', `127.0.0.1:${adminPort}`, '--upstream', 'none', '--log-level', 'warn',
  ], {
    cwd: REPO_ROOT,
    onStdoutLine: (line) => {
      try {
        const record = JSON.parse(line) as { level?: string; msg?: string };
        const key = `${record.level ?? '?'}: ${record.msg ?? ''}`;
        logLevels.set(key, (logLevels.get(key) ?? 0) + 1);
      } catch {
        // Not a log record.
      }
    },
  });
  const samples: Sample[] = [];
  let report: Record<string, unknown>;
  let failed: boolean;
  try {
    await waitFor('svcdns /ready', async () => {
      try {
        return (await fetch(`http://127.0.0.1:${adminPort}/ready`, { signal: AbortSignal.timeout(1000) })).ok;
      } catch {
        return false;
      }
    }, 60_000, svcdns);
    console.log(`soak: ${options.durationS} s, dnsperf at ${options.qps} queries/s, ${options.churnPerS} cluster changes/s; svcdns pid ${svcdns.pid}`);
    console.log('   t(s)   RSS(MiB)  heap(MiB)  changes');

    const started = Date.now();
    let running = true;
    const churnLoop = (async () => {
      const every = 1000 / options.churnPerS;
      while (running) {
        churn.change();
        await sleep(every);
      }
    })();
    const sampler = (async () => {
      while (running) {
        const heap = await metricValue(adminPort, 'nodejs_heap_size_used_bytes');
        const c = churn.counts;
        const sample = {
          atS: Math.round((Date.now() - started) / 1000), rssMiB: Math.round(treeRssBytes(svcdns.pid) / MiB),
          heapUsedMiB: heap === null ? null : Math.round(heap / MiB), changes: c.created + c.deleted + c.scaled + c.readdressed,
        };
        samples.push(sample);
        console.log(`${String(sample.atS).padStart(7)} ${String(sample.rssMiB).padStart(10)} ${String(sample.heapUsedMiB ?? '-').padStart(10)} ${String(sample.changes).padStart(8)}`);
        for (let waited = 0; running && waited < options.sampleS * 1000; waited += 250) await sleep(250);
      }
    })();
    let dnsperf: DnsperfResult;
    try {
      dnsperf = await runDnsperf(group, {
        server: '127.0.0.1', port, queryFile, durationS: options.durationS, clients: 4, threads: 1, tcp: false,
        rateQps: options.qps, latencies: false, edns: true,
      });
    } finally {
      running = false;
      await Promise.all([churnLoop, sampler]);
    }

    // Let the last changes arrive, then compare every name with what the cluster holds.
    await sleep(2000);
    const wrong = await inconsistencies(port, churn.expectations());
    const alive = svcdns.isRunning();
    const afterWarmup = samples.filter((s) => s.atS >= Math.min(30, options.durationS / 3));
    const firstHalf = afterWarmup.slice(0, Math.ceil(afterWarmup.length / 2));
    const secondHalf = afterWarmup.slice(Math.ceil(afterWarmup.length / 2));
    const mean = (xs: readonly Sample[]): number => (xs.length === 0 ? 0 : xs.reduce((a, s) => a + s.rssMiB, 0) / xs.length);
    const lostShare = dnsperf.sent > 0 ? dnsperf.lost / dnsperf.sent : 1;
    const rss = {
      minMiB: Math.min(...samples.map((s) => s.rssMiB)), maxMiB: Math.max(...samples.map((s) => s.rssMiB)),
      lastMiB: samples.at(-1)?.rssMiB ?? null, firstHalfMeanMiB: Math.round(mean(firstHalf)), secondHalfMeanMiB: Math.round(mean(secondHalf)),
    };
    report = {
      options, svcdnsAlive: alive, dnsperf: {
        sent: dnsperf.sent, completed: dnsperf.completed, lost: dnsperf.lost, qps: dnsperf.qps, avgLatencyMs: dnsperf.avgLatencyMs, rcodes: dnsperf.rcodes,
      },
      churn: churn.counts, rss,
      samples, logged: Object.fromEntries(logLevels), inconsistent: wrong.length, inconsistentExamples: wrong.slice(0, 10),
    };
    failed = !alive || wrong.length > 0 || lostShare > 0.01;
    console.log(`\ndnsperf: ${dnsperf.completed}/${dnsperf.sent} answered (${dnsperf.lost} lost), ${Math.round(dnsperf.qps)} queries/s, avg ${dnsperf.avgLatencyMs.toFixed(2)} ms, rcodes ${JSON.stringify(dnsperf.rcodes)}`);
    console.log(`churn: ${JSON.stringify(churn.counts)}`);
    console.log(`RSS: min ${rss.minMiB} MiB, max ${rss.maxMiB} MiB, last ${rss.lastMiB} MiB; mean after warm-up ${rss.firstHalfMeanMiB} → ${rss.secondHalfMeanMiB} MiB (first → second half)`);
    console.log(`svcdns logged (warn and above): ${logLevels.size === 0 ? 'nothing' : JSON.stringify(Object.fromEntries(logLevels))}`);
    console.log(`consistency after the churn: ${wrong.length === 0 ? `all ${churn.expectations().length} names as the cluster holds them` : `${wrong.length} wrong, e.g. ${wrong.slice(0, 3).join('; ')}`}`);
    console.log(`svcdns ${alive ? 'still running' : 'DIED'}${failed ? ' — SOAK FAILED' : ' — soak passed'}`);
  } finally {
    await group.stop(svcdns);
    await api.close();
    removeHandlers();
    rmSync(work, { recursive: true, force: true });
  }
  if (options.out) writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
  process.exit(failed ? 1 : 0);
}

main().catch((err: unknown) => {
  console.error(`soak: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  process.exit(1);
});
