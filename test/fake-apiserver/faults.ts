// Injected misbehaviour (failures, slowness, stalls) and the record of requests seen, so tests can provoke
// what a real API server does under load or restart, and assert on how a client reconnects.
import type { ResourceName, Verb } from './types.js';

export interface FailureRule {
  resource: ResourceName | '*';
  verb: Verb | undefined;
  status: number;
  remaining: number;
  retryAfterSeconds: number;
}

export interface SlowOptions {
  /** Delay list (and get/create/update/delete) responses. Default true. */
  lists?: boolean;
  /** Delay the headers, hence the first bytes, of watch responses. Default true. */
  watches?: boolean;
}

export class FaultPlan {
  private failures: FailureRule[] = [];
  private slowMs = 0;
  private slowLists = true;
  private slowWatches = true;
  /** New watches hang without headers and open ones go silent while this is on. */
  stalled = false;

  failNext(rule: FailureRule): void {
    this.failures.push(rule);
  }

  /** Consumes one injected failure matching this request, if any is armed. */
  takeFailure(resource: ResourceName, verb: Verb): FailureRule | undefined {
    const rule = this.failures.find((r) => (r.resource === '*' || r.resource === resource) &&
      (r.verb === undefined || r.verb === verb));
    if (rule === undefined) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.failures = this.failures.filter((r) => r !== rule);
    return rule;
  }

  slow(ms: number, options: SlowOptions = {}): void {
    this.slowMs = Math.max(0, ms);
    this.slowLists = options.lists ?? true;
    this.slowWatches = options.watches ?? true;
  }

  delayFor(verb: Verb): number {
    const applies = verb === 'watch' ? this.slowWatches : this.slowLists;
    return applies ? this.slowMs : 0;
  }

  clear(): void {
    this.failures = [];
    this.slowMs = 0;
    this.stalled = false;
  }
}

export interface RequestRecord {
  verb: Verb;
  resource: ResourceName;
  namespace: string | undefined;
  name: string | undefined;
  /** The query string as sent, decoded. */
  query: Record<string, string>;
  authorization: string | undefined;
  userAgent: string | undefined;
  at: number;
}

const LOG_KEPT = 1000;

interface Waiter {
  satisfied: () => boolean;
  resolve: () => void;
}

/** Counters per resource and verb, the last requests, and promises that wait for counts to be reached. */
export class RequestLog {
  private readonly counts = new Map<string, number>();
  private records: RequestRecord[] = [];
  private waiters: Waiter[] = [];

  record(entry: RequestRecord): void {
    for (const key of [`${entry.resource}:${entry.verb}`, `${entry.resource}:*`, `*:${entry.verb}`, '*:*']) {
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    }
    this.records.push(entry);
    if (this.records.length > LOG_KEPT) this.records = this.records.slice(-LOG_KEPT);
    this.poke();
  }

  count(resource: ResourceName | '*', verb: Verb | '*'): number {
    return this.counts.get(`${resource}:${verb}`) ?? 0;
  }

  entries(): readonly RequestRecord[] {
    return this.records;
  }

  reset(): void {
    this.counts.clear();
    this.records = [];
  }

  /** Resolves once `satisfied()` holds (checked on each request and on `poke`), rejects after `timeoutMs`. */
  waitUntil(satisfied: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (satisfied()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        satisfied,
        resolve: () => { clearTimeout(timer); resolve(); },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Re-checks waiters; called on each request and whenever watch streams open or close. */
  poke(): void {
    const done = this.waiters.filter((w) => w.satisfied());
    if (done.length === 0) return;
    this.waiters = this.waiters.filter((w) => !done.includes(w));
    for (const waiter of done) waiter.resolve();
  }
}
