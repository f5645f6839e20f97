// `npm run bench:sync` (issue 3): svcdns against the fake Kubernetes API server holding a generated
// cluster (default 10,000 services / 150,000 endpoints). Measures, in order:
//   1. time to first sync: from starting svcdns to /ready answering 200;
//   2. RSS after sync;
//   3. DNS programming latency (p50/p99) of endpoint changes at a fixed rate, per kind of service: end to
//      end (change handed to the API server → first DNS answer carrying it), and as svcdns records it in
//      coredns_kubernetes_dns_programming_duration_seconds (trigger time → zone applied);
//   4. a forced relist (API server restart, old resourceVersions expired): time until a change made after
//      it is answered, and RSS after it.
// svcdns runs pinned to cpu0, the API server host to cpu1. See bench/README.md.
import { existsSync, mkdtempSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateCluster, SCALES } from './gen-cluster.ts';
import { DnsClient, answersName, QTYPE } from './lib/dns-client.ts';
import type { ServiceRole } from './lib/model.ts';
import { freePort } from './lib/ports.ts';
import { createRng } from './lib/prng.ts';
import { pinSelf, ProcessGroup, sleep, waitFor } from './lib/procs.ts';
import type { Managed } from './lib/procs.ts';
import { peakRssBytes, treeRssBytes } from './lib/procstat.ts';
import { svcdnsEntry } from './lib/servers.ts';
import { ChangePlanner, latencyStats, stamped, waitForAddress } from './sync/changes.ts';
import type { LatencyStats } from './sync/changes.ts';
import { fakeApiServerFiles, startApiServerHost } from './sync/host-client.ts';
import type { ApiServerHost } from './sync/host-client.ts';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(BENCH_DIR, '..');
const SERVER_CPU = '0';
const HOST_CPU = '1';
const SYNC_TIMEOUT_MS = 180_000;
const CHANGE_TIMEOUT_MS = 5_000;
const POLL_MS = 1;

const USAGE = `usage: npm run bench:sync -- [--scale large|default] [--changes 1000] [--rate 100] [--out FILE]`;

interface Options {
  readonly scale: 'default' | 'large';
  readonly changes: number;
  readonly rate: number;
  readonly out: string;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: { scale: { type: 'string' }, changes: { type: 'string' }, rate: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const changes = Number(values.changes ?? 1000);
  const rate = Number(values.rate ?? 100);
  if (!(changes > 0) || !(rate > 0) || (values.scale && values.scale !== 'large' && values.scale !== 'default')) {
    console.error(USAGE);
    process.exit(2);
  }
  const date = new Date().toISOString().replace(/[:.]/g, '-');
  return { scale: values.scale === 'default' ? 'default' : 'large', changes, rate, out: values.out ?? join(BENCH_DIR, 'results', `sync-${date}.json`) };
}

async function readyStatus(adminPort: number): Promise<number> {
  try {
    const res = await fetch(`http://127.0.0.1:${adminPort}/ready`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

function startSvcdns(group: ProcessGroup, kubeconfig: string, dnsPort: number, adminPort: number): Managed {
  // A long startup timeout, so /ready turns 200 only when the first list of everything has arrived.
  const args = [svcdnsEntry(REPO_ROOT), '--kubeconfig', kubeconfig, '--listen', `127.0.0.1:${dnsPort}`, '--admin', `127.0.0.1:${adminPort}`,
    '--upstream', 'none', '--startup-timeout', '10m', '--log-level', 'warn'];
  return group.start('svcdns', process.execPath, args, { cpu: SERVER_CPU, cwd: REPO_ROOT });
}

/** Sends `count` changes at `rate` per second, each polled on its own until answered. */
async function programmingLatency(host: ApiServerHost, planner: ChangePlanner, dns: DnsClient, count: number, rate: number): Promise<Record<string, LatencyStats>> {
  const byRole = new Map<ServiceRole, (number | null)[]>();
  const inFlight: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const change = planner.next();
    const sent = performance.now();
    const applied = host.apply(stamped(change.slice, new Date()));
    inFlight.push(applied.then(async () => {
      const latency = await waitForAddress(dns, change.probeName, change.newIp, sent, CHANGE_TIMEOUT_MS, POLL_MS);
      const list = byRole.get(change.role) ?? [];
      list.push(latency);
      byRole.set(change.role, list);
    }));
  }
  await Promise.all(inFlight);
  const all = [...byRole.values()].flat();
  return { all: latencyStats(all), ...Object.fromEntries([...byRole].map(([role, values]) => [role, latencyStats(values)])) };
}

const RECORDED = 'coredns_kubernetes_dns_programming_duration_seconds';

/** Cumulative bucket counts (by upper bound in seconds) per service_kind, as svcdns's /metrics reports them. */
type RecordedHistograms = Map<string, Map<number, number>>;

/** svcdns's own record of programming latency: from each slice's last-change-trigger-time to the zone applying it. */
async function scrapeRecorded(adminPort: number): Promise<RecordedHistograms> {
  const res = await fetch(`http://127.0.0.1:${adminPort}/metrics`, { signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  const histograms: RecordedHistograms = new Map();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${RECORDED}_bucket{`)) continue;
    const kind = /service_kind="([^"]+)"/.exec(line)?.[1];
    const le = /le="([^"]+)"/.exec(line)?.[1];
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (kind === undefined || le === undefined || !Number.isFinite(value)) continue;
    const buckets = histograms.get(kind) ?? new Map<number, number>();
    buckets.set(le === '+Inf' ? Infinity : Number(le), value);
    histograms.set(kind, buckets);
  }
  return histograms;
}

interface RecordedStats {
  readonly changes: number;
  /** Upper bounds of the buckets holding the quantile (the histogram's resolution: 1, 2, 4, 8… ms). */
  readonly p50AtMostMs: number | null;
  readonly p99AtMostMs: number | null;
}

/** What was recorded between two scrapes, per service_kind and over all. */
function recordedBetween(before: RecordedHistograms, after: RecordedHistograms): Record<string, RecordedStats> {
  const delta = new Map<string, Map<number, number>>();
  for (const [kind, buckets] of after) {
    const d = new Map<number, number>();
    for (const [le, count] of buckets) d.set(le, count - (before.get(kind)?.get(le) ?? 0));
    delta.set(kind, d);
  }
  const all = new Map<number, number>();
  for (const buckets of delta.values()) for (const [le, count] of buckets) all.set(le, (all.get(le) ?? 0) + count);
  const stats = (buckets: Map<number, number>): RecordedStats => {
    const bounds = [...buckets.keys()].sort((a, b) => a - b);
    const total = buckets.get(Infinity) ?? 0;
    const at = (q: number): number | null => {
      if (total === 0) return null;
      const bound = bounds.find((le) => (buckets.get(le) ?? 0) >= q * total);
      return bound === undefined ? null : bound * 1000;
    };
    return { changes: total, p50AtMostMs: at(0.5), p99AtMostMs: at(0.99) };
  };
  return { all: stats(all), ...Object.fromEntries([...delta].map(([kind, buckets]) => [kind, stats(buckets)])) };
}

const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const ms = (v: number | null): string => (v === null ? '–' : `${v.toFixed(1)} ms`);

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const missing = fakeApiServerFiles(REPO_ROOT).missing;
  if (missing.length > 0) throw new Error(`bench:sync needs the fake Kubernetes API server (test/fake-apiserver), missing: ${missing.join(', ')}`);
  if (!existsSync(svcdnsEntry(REPO_ROOT))) throw new Error(`${svcdnsEntry(REPO_ROOT)} is missing: npm run build`);
  if (cpus().length < 2) throw new Error('bench:sync pins svcdns to cpu0 and the API server to cpu1: it needs 2 CPUs');

  pinSelf(HOST_CPU);
  const cluster = generateCluster(SCALES[opts.scale]);
  const roleOf = new Map(cluster.model.services.map((s) => [`${s.namespace}/${s.name}`, s.role]));
  const endpoints = cluster.model.services.reduce((n, s) => n + s.endpoints.length, 0);
  console.log(`cluster: ${cluster.model.services.length} services, ${endpoints} endpoints, ${cluster.objects.length} objects`);

  const work = mkdtempSync(join(tmpdir(), 'svcdns-bench-sync-'));
  const group = new ProcessGroup();
  const removeHandlers = group.installSignalHandlers();
  try {
    const objectsPath = join(work, 'objects.json');
    await writeFile(objectsPath, JSON.stringify(cluster.objects));
    const host = await startApiServerHost(group, REPO_ROOT, objectsPath, join(work, 'kubeconfig'), HOST_CPU);
    console.log(`fake API server at ${host.url} (pid ${host.proc.pid}, cpu${HOST_CPU})`);

    const [dnsPort, adminPort] = [await freePort(), await freePort()];
    const started = performance.now();
    const svcdns = startSvcdns(group, host.kubeconfig, dnsPort, adminPort);
    await waitFor('svcdns /ready to answer 200', async () => (await readyStatus(adminPort)) === 200, SYNC_TIMEOUT_MS, svcdns);
    const firstSyncMs = performance.now() - started;
    const last = cluster.model.services[cluster.model.services.length - 1];
    const lastName = last ? `${last.name}.${last.namespace}.svc.cluster.local` : 'kubernetes.default.svc.cluster.local';
    if (!(await answersName('127.0.0.1', dnsPort, lastName, QTYPE.A))) throw new Error(`svcdns is ready but does not answer ${lastName}`);
    await sleep(2000);
    const rssAfterSync = treeRssBytes(svcdns.pid);
    console.log(`first sync: ${(firstSyncMs / 1000).toFixed(2)} s, RSS after sync ${mb(rssAfterSync)}`);

    const dns = new DnsClient('127.0.0.1', dnsPort);
    const planner = new ChangePlanner(cluster.objects, (ns, name) => roleOf.get(`${ns}/${name}`), createRng(11));
    console.log(`programming latency: ${opts.changes} endpoint changes at ${opts.rate}/s over ${planner.roles().join(', ')} services`);
    const recordedBefore = await scrapeRecorded(adminPort);
    const latency = await programmingLatency(host, planner, dns, opts.changes, opts.rate);
    const recorded = recordedBetween(recordedBefore, await scrapeRecorded(adminPort));
    console.log('  end to end (change handed to the API server → first DNS answer carrying it):');
    for (const [role, s] of Object.entries(latency)) {
      console.log(`  ${role.padEnd(15)} p50 ${ms(s.p50Ms)}  p99 ${ms(s.p99Ms)}  max ${ms(s.maxMs)}  (${s.programmed}/${s.changes} answered${s.timedOut ? `, ${s.timedOut} TIMED OUT` : ''})`);
    }
    console.log(`  recorded by svcdns (${RECORDED}: trigger time → zone applied; bucket bounds):`);
    for (const [kind, s] of Object.entries(recorded)) {
      console.log(`  ${kind.padEnd(26)} p50 ≤ ${ms(s.p50AtMostMs)}  p99 ≤ ${ms(s.p99AtMostMs)}  (${s.changes} changes)`);
    }

    const listsBefore = await host.requestCount('endpointslices', 'list');
    // As in a live cluster, something svcdns does not watch (a pod) changed last: every one of its
    // watches is behind the revision the restarted server starts at, so all three kinds relist.
    await host.apply({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bench-sync-bump', namespace: 'default' },
      spec: { containers: [{ name: 'c', image: 'busybox' }] }, status: { phase: 'Running', podIP: '10.255.255.254' },
    });
    const relistStart = performance.now();
    await host.restart();
    const marker = planner.next();
    const markerSent = performance.now();
    await host.apply(stamped(marker.slice, new Date()));
    const answered = await waitForAddress(dns, marker.probeName, marker.newIp, markerSent, SYNC_TIMEOUT_MS, 20);
    if (answered === null) throw new Error(`after the API server restart svcdns never answered ${marker.probeName} (${SYNC_TIMEOUT_MS} ms)`);
    const relistMs = performance.now() - relistStart;
    const listsAfter = await host.requestCount('endpointslices', 'list');
    if (listsAfter <= listsBefore) throw new Error('svcdns did not list EndpointSlices again after the API server restart expired its resourceVersion');
    const rssRightAfterRelist = treeRssBytes(svcdns.pid);
    await sleep(5000);
    const rssAfterRelist = treeRssBytes(svcdns.pid);
    const peakRss = peakRssBytes(svcdns.pid);
    dns.close();
    console.log(`relist: change answered ${(relistMs / 1000).toFixed(2)} s after the restart; RSS ${mb(rssRightAfterRelist)} at once, ${mb(rssAfterRelist)} after 5 s; peak ${mb(peakRss)}`);

    const report = {
      date: new Date().toISOString(), options: opts, cluster: { services: cluster.model.services.length, endpoints, objects: cluster.objects.length },
      firstSyncMs, rssAfterSyncBytes: rssAfterSync, programmingLatency: latency, recordedProgrammingLatency: recorded,
      relist: { ms: relistMs, rssRightAfterBytes: rssRightAfterRelist, rssAfter5sBytes: rssAfterRelist, endpointSliceLists: listsAfter - listsBefore },
      peakRssBytes: peakRss,
      goals: { firstSyncUnder10s: firstSyncMs < 10_000, rssUnder200MB: Math.max(rssAfterSync, rssAfterRelist) < 200 * 2 ** 20, p99Under20ms: (latency.all?.p99Ms ?? Infinity) < 20 },
    };
    await mkdir(dirname(opts.out), { recursive: true });
    await writeFile(opts.out, JSON.stringify(report, null, 2));
    console.log(`goals: first sync < 10 s ${report.goals.firstSyncUnder10s ? 'met' : 'MISSED'}, RSS < 200 MB after sync and relist ${report.goals.rssUnder200MB ? 'met' : 'MISSED'}, ` +
      `p99 < 20 ms ${report.goals.p99Under20ms ? 'met' : 'MISSED'}\nresults: ${opts.out}`);
  } finally {
    await group.stopAll();
    removeHandlers();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
