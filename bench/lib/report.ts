// Turns the runs of one mix into medians and same-window ratios, and prints them as a table.
import type { LatencySummary } from './dnsperf.ts';
import type { GcSummary } from './gc-trace.ts';
import type { RunMeasurement } from './measure.ts';
import { median } from './stats.ts';

export interface RoundRun {
  readonly round: number;
  readonly run: RunMeasurement;
}

export interface LatencyRun {
  readonly round: number;
  readonly rateQps: number;
  readonly run: RunMeasurement;
}

/** A server's latency runs of one mix: each percentile the median over the runs (max: the largest). */
export type LatencyOverRuns = LatencySummary & {
  readonly rateQps: number;
  readonly usPerQuery: number;
  /** Queries lost over all the runs. */
  readonly lost: number;
  /** Each run's p99, in the order they ran. */
  readonly p99PerRun: readonly (number | null)[];
};

export interface ServerSummary {
  readonly server: string;
  readonly validRuns: number;
  readonly totalRuns: number;
  readonly qps: number | null;
  readonly usPerQuery: number | null;
  readonly rssBytes: number | null;
  readonly rcodes: Readonly<Record<string, number>>;
  readonly avgResponseBytes: number | null;
  readonly latency: LatencyOverRuns | null;
  /** svcdns's pauses over all its latency runs (with --trace-gc). */
  readonly gc: GcSummary | null;
}

export interface Ratio {
  /** svcdns µs/query ÷ other µs/query (lower is better; 1.2 means 20 % more CPU per query). */
  readonly usPerQuery: number | null;
  /** svcdns QPS ÷ other QPS (higher is better). */
  readonly qps: number | null;
  /** How many rounds had a valid run of both. */
  readonly pairedRounds: number;
}

export interface MixSummary {
  readonly mix: string;
  readonly transport: 'udp' | 'tcp';
  readonly servers: ServerSummary[];
  readonly ratios: Readonly<Record<string, Ratio>>;
  readonly warnings: string[];
}

function overRuns(latency: readonly LatencyRun[]): LatencyOverRuns | null {
  const measured = latency.flatMap((l) => (l.run.dnsperf.latency === null ? [] : [{ ...l, summary: l.run.dnsperf.latency }]));
  const first = measured[0];
  if (first === undefined) return null;
  const percentile = (pick: (s: LatencySummary) => number | null): number | null =>
    median(measured.flatMap((m) => { const v = pick(m.summary); return v === null ? [] : [v]; }));
  const maxima = measured.flatMap((m) => (m.summary.maxMs === null ? [] : [m.summary.maxMs]));
  return {
    count: measured.reduce((sum, m) => sum + m.summary.count, 0),
    p50Ms: percentile((s) => s.p50Ms),
    p90Ms: percentile((s) => s.p90Ms),
    p99Ms: percentile((s) => s.p99Ms),
    p999Ms: percentile((s) => s.p999Ms),
    maxMs: maxima.length > 0 ? Math.max(...maxima) : null,
    rateQps: first.rateQps,
    usPerQuery: median(measured.map((m) => m.run.serverUsPerQuery)) ?? Number.NaN,
    lost: measured.reduce((sum, m) => sum + m.run.dnsperf.lost, 0),
    p99PerRun: measured.map((m) => m.summary.p99Ms),
  };
}

function mergedGc(latency: readonly LatencyRun[]): GcSummary | null {
  const all = latency.flatMap((l) => (l.run.gc === null ? [] : [l.run.gc]));
  if (all.length === 0) return null;
  return {
    count: all.reduce((sum, g) => sum + g.count, 0),
    maxPauseMs: Math.max(...all.map((g) => g.maxPauseMs)),
    over5ms: all.reduce((sum, g) => sum + g.over5ms, 0),
    totalPauseMs: all.reduce((sum, g) => sum + g.totalPauseMs, 0),
    over5msKinds: all.flatMap((g) => g.over5msKinds),
  };
}

function summariseServer(server: string, runs: readonly RoundRun[], latency: readonly LatencyRun[]): ServerSummary {
  const mine = runs.filter((r) => r.run.server === server).map((r) => r.run);
  const valid = mine.filter((r) => r.valid);
  const last = mine[mine.length - 1];
  return {
    server,
    validRuns: valid.length,
    totalRuns: mine.length,
    qps: median(valid.map((r) => r.dnsperf.qps)),
    usPerQuery: median(valid.map((r) => r.serverUsPerQuery)),
    rssBytes: last ? last.rssBytes : null,
    rcodes: last ? last.dnsperf.rcodes : {},
    avgResponseBytes: last ? last.dnsperf.avgResponseBytes : null,
    latency: overRuns(latency),
    gc: mergedGc(latency),
  };
}

/** Median over rounds of the per-round ratio: each ratio compares runs minutes apart at most. */
function pairedRatio(runs: readonly RoundRun[], a: string, b: string): Ratio {
  const rounds = [...new Set(runs.map((r) => r.round))];
  const us: number[] = [];
  const qps: number[] = [];
  for (const round of rounds) {
    const ra = runs.find((r) => r.round === round && r.run.server === a && r.run.valid)?.run;
    const rb = runs.find((r) => r.round === round && r.run.server === b && r.run.valid)?.run;
    if (!ra || !rb) continue;
    us.push(ra.serverUsPerQuery / rb.serverUsPerQuery);
    qps.push(ra.dnsperf.qps / rb.dnsperf.qps);
  }
  return { usPerQuery: median(us), qps: median(qps), pairedRounds: us.length };
}

function shares(rcodes: Readonly<Record<string, number>>): Map<string, number> {
  const total = Object.values(rcodes).reduce((a, b) => a + b, 0);
  return new Map(Object.entries(rcodes).map(([k, v]) => [k, total > 0 ? v / total : 0]));
}

/** svcdns and the C server answer the same names; different rcode shares mean different semantics. */
function rcodeWarning(a: ServerSummary, b: ServerSummary): string | null {
  const sa = shares(a.rcodes);
  const sb = shares(b.rcodes);
  for (const code of new Set([...sa.keys(), ...sb.keys()])) {
    const diff = Math.abs((sa.get(code) ?? 0) - (sb.get(code) ?? 0));
    if (diff > 0.01) return `${a.server} and ${b.server} disagree on ${code}: ${pct(sa.get(code))} vs ${pct(sb.get(code))} of answers`;
  }
  return null;
}

const pct = (v: number | undefined): string => `${((v ?? 0) * 100).toFixed(1)}%`;

export function summariseMix(mix: string, transport: 'udp' | 'tcp', servers: readonly string[], runs: readonly RoundRun[], latency: readonly LatencyRun[]): MixSummary {
  const summaries = servers.map((s) => summariseServer(s, runs, latency.filter((l) => l.run.server === s)));
  const ratios: Record<string, Ratio> = {};
  const warnings: string[] = [];
  if (servers.includes('svcdns')) {
    for (const other of servers.filter((s) => s !== 'svcdns')) ratios[`svcdns/${other}`] = pairedRatio(runs, 'svcdns', other);
    const svc = summaries.find((s) => s.server === 'svcdns');
    for (const ref of summaries.filter((s) => s.server === 'knot' || s.server === 'nsd')) {
      const warning = svc ? rcodeWarning(svc, ref) : null;
      if (warning) warnings.push(warning);
    }
  }
  for (const s of summaries) {
    if (s.validRuns < s.totalRuns) warnings.push(`${s.server}: ${s.totalRuns - s.validRuns} of ${s.totalRuns} runs discarded (loss, stall or a busy machine)`);
  }
  return { mix, transport, servers: summaries, ratios, warnings };
}

/** Targets from issue 7, as (ratio name, bound, sense). */
export function targetsFor(mix: string): { ratio: string; field: 'usPerQuery' | 'qps'; bound: number; atMost: boolean }[] {
  if (mix === 'hit' || mix === 'search' || mix === 'mixed') return [{ ratio: 'svcdns/raw', field: 'usPerQuery', bound: 1.2, atMost: true }];
  if (mix === 'headless') return [{ ratio: 'svcdns/raw', field: 'usPerQuery', bound: 1.4, atMost: true }];
  if (mix === 'tcp') return [{ ratio: 'svcdns/knot', field: 'qps', bound: 0.5, atMost: false }, { ratio: 'svcdns/nsd', field: 'qps', bound: 0.5, atMost: false }];
  return [];
}

const fmt = (v: number | null | undefined, digits = 1): string => (v === null || v === undefined || Number.isNaN(v) ? '–' : v.toFixed(digits));
const kqps = (v: number | null): string => (v === null ? '–' : `${(v / 1000).toFixed(1)}k`);

function rcodeText(rcodes: Readonly<Record<string, number>>): string {
  return [...shares(rcodes)].map(([code, share]) => `${code} ${(share * 100).toFixed(0)}%`).join(' ');
}

export function formatMix(s: MixSummary): string {
  const lines = [`\n== ${s.mix} (${s.transport})`];
  const header = ['server', 'QPS', 'µs/q', 'valid', 'p50 ms', 'p99 ms', 'p99.9 ms', '@QPS', 'RSS MB', 'resp B', 'rcodes'];
  const rows = s.servers.map((v) => [
    v.server, kqps(v.qps), fmt(v.usPerQuery, 2), `${v.validRuns}/${v.totalRuns}`,
    fmt(v.latency?.p50Ms, 3), fmt(v.latency?.p99Ms, 3), fmt(v.latency?.p999Ms, 3), v.latency ? kqps(v.latency.rateQps) : '–',
    v.rssBytes === null ? '–' : (v.rssBytes / 2 ** 20).toFixed(1), fmt(v.avgResponseBytes, 0), rcodeText(v.rcodes),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  lines.push(line(header), ...rows.map(line));
  for (const [name, r] of Object.entries(s.ratios)) {
    const target = targetsFor(s.mix).find((t) => t.ratio === name);
    let verdict = '';
    if (target) {
      const value = r[target.field];
      const ok = value !== null && (target.atMost ? value <= target.bound : value >= target.bound);
      verdict = `  target ${target.field === 'qps' ? 'QPS' : 'µs/q'} ${target.atMost ? '≤' : '≥'} ${target.bound}×: ${value === null ? 'no paired runs' : ok ? 'met' : 'MISSED'}`;
    }
    lines.push(`${name}: µs/q ${fmt(r.usPerQuery, 2)}×, QPS ${fmt(r.qps, 2)}× (${r.pairedRounds} paired rounds)${verdict}`);
  }
  const perRun = s.servers.filter((v) => (v.latency?.p99PerRun.length ?? 0) > 1)
    .map((v) => `${v.server} ${v.latency!.p99PerRun.map((p) => fmt(p, 2)).join(' ')}`);
  if (perRun.length > 0) lines.push(`p99 of each latency run (ms; the table has their median): ${perRun.join('; ')}`);
  const gc = s.servers.find((v) => v.server === 'svcdns')?.gc;
  if (gc) lines.push(`svcdns GC during the latency runs: ${gc.count} pauses, max ${fmt(gc.maxPauseMs, 2)} ms, ${gc.over5ms} over 5 ms${gc.over5ms > 0 ? ` (${gc.over5msKinds.join(', ')})` : ''}`);
  for (const w of s.warnings) lines.push(`! ${w}`);
  return lines.join('\n');
}
