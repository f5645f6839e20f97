// One measured dnsperf run against one server: dnsperf's own figures plus the server's CPU per answered
// query (utime+stime delta from /proc), its RSS afterwards, and how much CPU anything else took, so
// runs disturbed by other work are flagged instead of averaged in.
import { readFileSync } from 'node:fs';
import { runDnsperf } from './dnsperf.ts';
import type { DnsperfOptions, DnsperfResult } from './dnsperf.ts';
import { summarisePauses } from './gc-trace.ts';
import type { GcSummary } from './gc-trace.ts';
import type { ProcessGroup } from './procs.ts';
import { selfCpuTicks, systemCpu, treeCpuTicks, treeRssBytes } from './procstat.ts';
import type { RunningServer } from './servers.ts';

/** A run is discarded when processes other than the server, dnsperf and the upstream used more than this share of one core. */
export const OTHER_CPU_LIMIT_PCT = 10;

export type RunFlag = 'loss' | 'stall' | 'busy' | 'steal' | 'dnsperf-error';

export interface RunMeasurement {
  readonly server: string;
  readonly dnsperf: DnsperfResult;
  /** Server CPU (all threads and children) per answered query, µs. */
  readonly serverUsPerQuery: number;
  /** Server CPU over the run, % of one core. */
  readonly serverCpuPct: number;
  readonly dnsperfCpuPct: number;
  /** CPU used by everything else (other processes, kernel threads), % of one core. */
  readonly otherCpuPct: number;
  /** Hypervisor steal over the run, % of one core. */
  readonly stealPct: number;
  readonly rssBytes: number;
  readonly gc: GcSummary | null;
  readonly flags: readonly RunFlag[];
  /** Counted in medians: no loss, no stall, nothing else busy. */
  readonly valid: boolean;
}

/** utime+stime of this process's reaped children (/proc/self/stat cutime+cstime), in ticks. */
function reapedChildrenTicks(): number {
  const text = readFileSync('/proc/self/stat', 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return Number(fields[13]) + Number(fields[14]);
}

export interface MeasureContext {
  readonly group: ProcessGroup;
  readonly ticksPerSecond: number;
  /** Other processes of ours whose CPU is accounted for (the upstream). */
  readonly knownPids: readonly number[];
}

export async function measureRun(ctx: MeasureContext, server: RunningServer, perf: DnsperfOptions): Promise<RunMeasurement> {
  const known = (): number => ctx.knownPids.reduce((n, pid) => n + treeCpuTicks(pid), 0);
  const sys0 = systemCpu();
  const server0 = treeCpuTicks(server.proc.pid);
  const children0 = reapedChildrenTicks();
  const self0 = selfCpuTicks(ctx.ticksPerSecond);
  const known0 = known();
  const started = Date.now();

  const result = await runDnsperf(ctx.group, perf);

  const ended = Date.now();
  const serverTicks = treeCpuTicks(server.proc.pid) - server0;
  // dnsperf has exited and been reaped: its CPU now shows in our children's totals.
  const dnsperfTicks = reapedChildrenTicks() - children0;
  const selfTicks = selfCpuTicks(ctx.ticksPerSecond) - self0;
  const knownTicks = known() - known0;
  const sys1 = systemCpu();
  const wallTicks = ((ended - started) / 1000) * ctx.ticksPerSecond;
  const pct = (ticks: number): number => (wallTicks > 0 ? (100 * ticks) / wallTicks : 0);
  const other = sys1.busy - sys0.busy - serverTicks - dnsperfTicks - selfTicks - knownTicks;

  const flags: RunFlag[] = [];
  if (!(result.lost === 0)) flags.push('loss');
  if (result.unexpectedIdWarnings > 0) flags.push('stall');
  if (pct(other) > OTHER_CPU_LIMIT_PCT) flags.push('busy');
  if (pct(sys1.steal - sys0.steal) > OTHER_CPU_LIMIT_PCT) flags.push('steal');
  if (!(result.completed > 0)) flags.push('dnsperf-error');
  const completed = result.completed > 0 ? result.completed : Number.NaN;
  return {
    server: server.name,
    dnsperf: result,
    serverUsPerQuery: ((serverTicks / ctx.ticksPerSecond) * 1e6) / completed,
    serverCpuPct: pct(serverTicks),
    dnsperfCpuPct: pct(dnsperfTicks),
    otherCpuPct: Math.max(0, pct(other)),
    stealPct: pct(sys1.steal - sys0.steal),
    rssBytes: treeRssBytes(server.proc.pid),
    gc: server.gcTraced ? summarisePauses(server.gcPauses, started, ended) : null,
    // Steal is reported, not disqualifying: it slows every server in the window alike.
    flags,
    valid: !flags.some((f) => f !== 'steal'),
  };
}
