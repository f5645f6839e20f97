// Reads V8's --trace-gc lines from a server's stdout, so GC pauses under load can be reported per run.
//   [pid:0x...]  1234 ms: Scavenge 4.8 (5.8) -> 4.3 (6.8) MB, pooled: 0 MB, 1.01 / 0.00 ms  (average mu ...
// The number before " / " is the pause on the main thread.

export interface GcPause {
  /** Date.now() when the line arrived. */
  readonly at: number;
  readonly kind: string;
  readonly pauseMs: number;
}

const GC_LINE = /ms: ([A-Za-z-]+(?: \([a-z ]+\))?) .*?MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ [\d.]+ ms/;

export function parseGcLine(line: string, at: number): GcPause | null {
  const m = GC_LINE.exec(line);
  return m ? { at, kind: m[1] as string, pauseMs: Number(m[2]) } : null;
}

export interface GcSummary {
  readonly count: number;
  readonly maxPauseMs: number;
  readonly over5ms: number;
  readonly totalPauseMs: number;
}

export function summarisePauses(pauses: readonly GcPause[], from: number, to: number): GcSummary {
  const window = pauses.filter((p) => p.at >= from && p.at <= to);
  return {
    count: window.length,
    maxPauseMs: window.reduce((m, p) => Math.max(m, p.pauseMs), 0),
    over5ms: window.filter((p) => p.pauseMs > 5).length,
    totalPauseMs: window.reduce((s, p) => s + p.pauseMs, 0),
  };
}
