// Runs dnsperf 2.10 (pinned to the client core) and reads its report. dnsperf 2.10 prints no
// percentiles, so for latency runs `-v` makes it print one line per answered query,
// `> RCODE name TYPE seconds`, and the percentiles are computed here from all of them.
import type { ProcessGroup } from './procs.ts';
import { percentileOfSorted, SampleBuffer } from './stats.ts';

export interface DnsperfOptions {
  readonly server: string;
  readonly port: number;
  readonly queryFile: string;
  readonly durationS: number;
  /** dnsperf -c: client sockets (UDP) or connections (TCP). */
  readonly clients: number;
  readonly threads: number;
  readonly tcp: boolean;
  /** dnsperf -Q; unlimited when absent. */
  readonly rateQps?: number;
  /** Collect per-query latencies (dnsperf -v). */
  readonly latencies: boolean;
  /** Send EDNS(0) (dnsperf -e), so large answers fit in UDP as they do for glibc `options edns0` clients. */
  readonly edns?: boolean;
  readonly cpu?: string;
}

export interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number | null;
  readonly p90Ms: number | null;
  readonly p99Ms: number | null;
  readonly p999Ms: number | null;
  readonly maxMs: number | null;
}

export interface DnsperfResult {
  readonly args: readonly string[];
  readonly sent: number;
  readonly completed: number;
  readonly lost: number;
  readonly qps: number;
  readonly runTimeS: number;
  readonly avgLatencyMs: number;
  /** Response code → count. */
  readonly rcodes: Readonly<Record<string, number>>;
  readonly avgRequestBytes: number;
  readonly avgResponseBytes: number;
  /** dnsperf 2.10's loopback stall artefact: these runs lose every outstanding query (perf-anchors caveat 2). */
  readonly unexpectedIdWarnings: number;
  readonly latency: LatencySummary | null;
  readonly exit: number | string;
}

export function dnsperfArgs(o: DnsperfOptions): string[] {
  const args = ['-s', o.server, '-p', String(o.port), '-d', o.queryFile, '-l', String(o.durationS),
    '-c', String(o.clients), '-T', String(o.threads), '-W'];
  if (o.tcp) args.push('-m', 'tcp');
  if (o.rateQps !== undefined) args.push('-Q', String(Math.max(1, Math.round(o.rateQps))));
  if (o.latencies) args.push('-v');
  if (o.edns) args.push('-e');
  return args;
}

function numberAfter(text: string, label: string): number {
  const match = new RegExp(`${label}\\s*([0-9.]+)`).exec(text);
  return match ? Number(match[1]) : Number.NaN;
}

export function parseRcodes(text: string): Record<string, number> {
  const line = /Response codes:\s*(.*)/.exec(text)?.[1] ?? '';
  const counts: Record<string, number> = {};
  for (const m of line.matchAll(/([A-Z]+) (\d+) \(/g)) counts[m[1] as string] = Number(m[2]);
  return counts;
}

/** Parses dnsperf's closing statistics block. */
export function parseSummary(text: string): Omit<DnsperfResult, 'args' | 'latency' | 'exit' | 'unexpectedIdWarnings'> {
  return {
    sent: numberAfter(text, 'Queries sent:'),
    completed: numberAfter(text, 'Queries completed:'),
    lost: numberAfter(text, 'Queries lost:'),
    qps: numberAfter(text, 'Queries per second:'),
    runTimeS: numberAfter(text, 'Run time \\(s\\):'),
    avgLatencyMs: numberAfter(text, 'Average Latency \\(s\\):') * 1000,
    rcodes: parseRcodes(text),
    avgRequestBytes: numberAfter(text, 'request'),
    avgResponseBytes: numberAfter(text, 'response'),
  };
}

/** The latency in seconds of a `-v` line (`> NOERROR name A 0.000123`), or null for any other line. */
export function verboseLatency(line: string): number | null {
  if (!line.startsWith('> ')) return null;
  const value = Number(line.slice(line.lastIndexOf(' ') + 1));
  return Number.isFinite(value) ? value : null;
}

export async function runDnsperf(group: ProcessGroup, o: DnsperfOptions): Promise<DnsperfResult> {
  const args = dnsperfArgs(o);
  const samples = o.latencies ? new SampleBuffer() : null;
  let summary = '';
  let inSummary = false;
  let unexpectedIdWarnings = 0;
  const proc = group.start('dnsperf', 'dnsperf', args, {
    ...(o.cpu === undefined ? {} : { cpu: o.cpu }),
    onStdoutLine: (line) => {
      const latency = samples ? verboseLatency(line) : null;
      if (latency !== null) {
        samples?.push(latency * 1000);
        return;
      }
      if (line.includes('unexpected (maybe timed out) id')) unexpectedIdWarnings++;
      if (line.startsWith('Statistics:')) inSummary = true;
      if (inSummary) summary += line + '\n';
    },
  });
  // dnsperf stops by itself after -l seconds plus its 5 s query timeout; never wait much longer.
  const killer = setTimeout(() => void group.stop(proc), (o.durationS + 20) * 1000);
  const exit = await proc.exited;
  clearTimeout(killer);
  if (!summary) throw new Error(`dnsperf ${args.join(' ')} gave no statistics (exit ${exit}):\n${proc.tail()}`);
  let latency: LatencySummary | null = null;
  if (samples) {
    const sorted = samples.sorted();
    latency = {
      count: sorted.length,
      p50Ms: percentileOfSorted(sorted, 50),
      p90Ms: percentileOfSorted(sorted, 90),
      p99Ms: percentileOfSorted(sorted, 99),
      p999Ms: percentileOfSorted(sorted, 99.9),
      maxMs: sorted.length > 0 ? (sorted[sorted.length - 1] ?? null) : null,
    };
  }
  return { args, ...parseSummary(summary), unexpectedIdWarnings, latency, exit };
}
