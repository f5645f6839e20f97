// Reads V8's --trace-gc lines from a server's stdout, so GC pauses under load can be reported per run.
//   [pid:0x...]  1234 ms: Scavenge 4.8 (5.8) -> 4.3 (6.8) MB, pooled: 0 MB, 1.01 / 0.00 ms  (average mu ...
// The number before " / " is the final pause on the main thread. A mark-compact that marked
// incrementally also says "biggest step N ms": each step ran on the main thread too, so a line's
// pause is the larger of the two.

export interface GcPause {
  /** Date.now() when the line arrived. */
  readonly at: number;
  readonly kind: string;
  readonly pauseMs: number;
}

const BIGGEST_STEP = /biggest step ([\d.]+) ms/;
const GC_LINE = /ms: ([A-Za-z-]+(?: \([a-z ]+\))?) .*?MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ [\d.]+ ms/;

export function parseGcLine(line: string, at: number): GcPause | null {
  const m = GC_LINE.exec(line);
  if (!m) return null;
  const step = BIGGEST_STEP.exec(line);
  return { at, kind: m[1] as string, pauseMs: Math.max(Number(m[2]), step ? Number(step[1]) : 0) };
}

export interface GcSummary {
  readonly count: number;
  readonly maxPauseMs: number;
  readonly over5ms: number;
  readonly totalPauseMs: number;
  /** Kinds of the pauses over 5 ms, in order ("Scavenge", "Mark-Compact", "Mark-Compact (reduce)"…). */
  readonly over5msKinds: string[];
}

export function summarisePauses(pauses: readonly GcPause[], from: number, to: number): GcSummary {
  const window = pauses.filter((p) => p.at >= from && p.at <= to);
  const long = window.filter((p) => p.pauseMs > 5);
  return {
    count: window.length,
    maxPauseMs: window.reduce((m, p) => Math.max(m, p.pauseMs), 0),
    over5ms: long.length,
    totalPauseMs: window.reduce((s, p) => s + p.pauseMs, 0),
    over5msKinds: long.map((p) => p.kind),
  };
}
