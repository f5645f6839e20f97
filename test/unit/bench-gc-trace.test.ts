// The benchmark's reading of V8's --trace-gc lines: the pause of each collection and, for a run, the
// kind of every pause over 5 ms (a scavenge and a full collection call for different fixes).
// The sample lines are the format Node 24's V8 prints (taken from this machine's benchmark runs).
import { describe, expect, it } from 'vitest';
import { parseGcLine, summarisePauses } from '../../bench/lib/gc-trace.ts';

const SCAVENGE = '[30042:0x3692b000]    11098 ms: Scavenge 19.0 (21.1) -> 18.1 (21.1) MB, pooled: 0 MB, 0.19 / 0.00 ms  (average mu = 0.870, current mu = 0.002) task; ';
const MARK_COMPACT =
  '[30042:0x3692b000]    52011 ms: Mark-Compact (reduce) 21.3 (24.1) -> 17.9 (22.0) MB, pooled: 0 MB, 3.10 / 0.00 ms  (+ 4.2 ms in 12 steps since start of marking, biggest step 6.4 ms, walltime since start of marking 40 ms) (average mu = 0.91) finalize incremental marking via task; GC in old space requested';

describe('bench GC trace', () => {
  it('reads a scavenge\'s pause, and a full collection\'s longest step when it exceeds the final pause', () => {
    expect(parseGcLine(SCAVENGE, 1)).toEqual({ at: 1, kind: 'Scavenge', pauseMs: 0.19 });
    expect(parseGcLine(MARK_COMPACT, 2)).toEqual({ at: 2, kind: 'Mark-Compact (reduce)', pauseMs: 6.4 });
    expect(parseGcLine('listening on 127.0.0.1:1053', 3)).toBeNull();
  });

  it('summarises the pauses inside a run\'s window, naming the kind of each over 5 ms', () => {
    const pauses = [parseGcLine(SCAVENGE, 10)!, parseGcLine(MARK_COMPACT, 20)!, parseGcLine(MARK_COMPACT, 99)!];
    const summary = summarisePauses(pauses, 5, 50);
    expect(summary).toMatchObject({ count: 2, maxPauseMs: 6.4, over5ms: 1, over5msKinds: ['Mark-Compact (reduce)'] });
    expect(summary.totalPauseMs).toBeCloseTo(6.59, 6);
  });
});
