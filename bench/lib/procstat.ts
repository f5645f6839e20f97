// CPU time and memory of processes from /proc, which the kernel keeps for every thread. A process's
// /proc/PID/stat utime+stime already covers all its threads; a server that forks (NSD, svcdns
// --workers) is summed over its descendants too.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export function clockTicksPerSecond(): number {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return value > 0 ? value : 100;
  } catch {
    return 100;
  }
}

interface StatLine {
  readonly ppid: number;
  /** utime + stime in clock ticks. */
  readonly ticks: number;
}

function readStat(pid: number): StatLine | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); ppid is field 4, utime 14, stime 15.
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

/** `root` and every live descendant. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(pid);
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(pid);
    children.set(stat.ppid, list);
  }
  const tree: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** utime+stime of the tree under `root`, in clock ticks. */
export function treeCpuTicks(root: number): number {
  let ticks = 0;
  for (const pid of processTree(root)) ticks += readStat(pid)?.ticks ?? 0;
  return ticks;
}

function statusField(pid: number, field: string): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resident set size of the tree under `root`, in bytes (shared pages counted per process). */
export function treeRssBytes(root: number): number {
  let bytes = 0;
  for (const pid of processTree(root)) bytes += statusField(pid, 'VmRSS');
  return bytes;
}

/** Peak resident set size (VmHWM) of one process, in bytes. */
export function peakRssBytes(pid: number): number {
  return statusField(pid, 'VmHWM');
}

export interface SystemCpu {
  /** user+nice+system ticks over all CPUs: time processes ran (irq/softirq excluded: loopback delivery lands there). */
  readonly busy: number;
  readonly steal: number;
  readonly softirq: number;
  /** Sum of every column: wall time × CPUs, in ticks. */
  readonly total: number;
}

export function systemCpu(): SystemCpu {
  const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith('cpu ')) ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const at = (i: number): number => v[i] ?? 0;
  return {
    busy: at(0) + at(1) + at(2),
    softirq: at(6),
    steal: at(7),
    total: v.slice(0, 8).reduce((a, b) => a + b, 0),
  };
}

export function selfCpuTicks(ticksPerSecond: number): number {
  const usage = process.cpuUsage();
  return ((usage.user + usage.system) / 1e6) * ticksPerSecond;
}
