// Waits for a quiet machine before a run: on a shared 2-core VM another job's burst would otherwise
// land in the measurement. Bounded: after `maxWaitS` the run goes ahead and its own check flags it.
import { sleep } from './procs.ts';
import { systemCpu } from './procstat.ts';

/** Busy share of one core over `sampleMs`, in percent. */
export async function busyPct(sampleMs: number, ticksPerSecond: number): Promise<number> {
  const before = systemCpu();
  await sleep(sampleMs);
  const after = systemCpu();
  return (100 * (after.busy - before.busy)) / ((sampleMs / 1000) * ticksPerSecond);
}

/** Resolves with the last measured busy % once it is under `limitPct`, or when `maxWaitS` has passed. */
export async function waitForIdle(limitPct: number, maxWaitS: number, ticksPerSecond: number, log: (msg: string) => void): Promise<number> {
  const deadline = Date.now() + maxWaitS * 1000;
  let busy = await busyPct(500, ticksPerSecond);
  let said = false;
  while (busy > limitPct && Date.now() < deadline) {
    if (!said) log(`  waiting for the machine to go idle (${busy.toFixed(0)}% of a core busy)…`);
    said = true;
    busy = await busyPct(1000, ticksPerSecond);
  }
  return busy;
}
