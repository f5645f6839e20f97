// Logging for failures that can repeat once per packet: at most one line per kind per interval,
// with a count of what was suppressed, so a flood of bad input cannot flood the log.
import type { Logger } from '../logger.js';

export class RateLimitedLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  warn(kind: string, err: unknown, message: string): void {
    const now = this.now();
    const state = this.last.get(kind);
    if (state !== undefined && now - state.at < this.intervalMs) {
      state.suppressed++;
      return;
    }
    const suppressed = state?.suppressed ?? 0;
    this.last.set(kind, { at: now, suppressed: 0 });
    this.logger.warn({ kind, err, suppressed }, message);
  }
}
