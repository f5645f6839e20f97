// The list/watch loop of one resource, with its own restart policy (client-node's informer stops for
// good after most errors and sleeps up to 30 s after a quiet watch closes; see libraries.md §2):
//   - list in pages of `pageSize`; the first list is applied page by page (nothing is served yet, and
//     no whole list is held in memory), a relist in one step after its last page (answers never mix
//     old and new state); what was held but is no longer listed is removed: the state is the list;
//   - watch from the list's resourceVersion with bookmarks; a watch that ends is resumed at once from
//     the last resourceVersion seen; a silent one (no bytes for the silence timeout) is restarted;
//   - 410 Gone relists; any other failure retries after a capped, jittered exponential back-off, from
//     the last resourceVersion (a watch) or from scratch (a list).
// Nothing here throws or rejects past `run`: every outcome is a state, a counter and a log line.
import type { Logger } from '../../logger.js';
import type { ClusterSink } from '../source.js';
import type { ClusterObject } from '../types.js';
import { Backoff, sleep, type BackoffOptions } from './backoff.js';
import { describeError, retryAfterMs, statusOf, type KubeClient, type RawListPage } from './client.js';
import { HeldObjects, type HeldHooks } from './held-objects.js';
import { rawResourceVersion, type ResourceSpec } from './resources.js';
import { openWatch, type LineVerdict, type WatchOutcome, type WatchSession } from './watch-session.js';

export interface ReflectorOptions {
  /** Items per list page (`limit`). */
  readonly pageSize: number;
  readonly backoff: BackoffOptions;
  /** The watch's `timeoutSeconds` (the server ends the stream cleanly after it). */
  readonly watchTimeoutSeconds: () => number;
  /** A watch that ends sooner than this without a line did no work: pause before the next one. */
  readonly quickEndMs: number;
}

export interface ReflectorHooks extends HeldHooks {
  /** A request reached the API server (true) or failed to (false, with why). */
  onConnection(connected: boolean, error?: string): void;
  /** The first list is complete. */
  onSynced?(): void;
  /** A list (the first or a relist) is complete. */
  onListed?(): void;
}

export type ReflectorPhase = 'idle' | 'listing' | 'watching' | 'waiting' | 'stopped';

export interface ReflectorCounters {
  /** Complete lists, the first one included. */
  lists: number;
  /** Lists after the first: 410 Gone, a forced relist. */
  relists: number;
  watches: number;
  /** How watches ended. */
  watchClosed: number;
  watchSilent: number;
  watchExpired: number;
  /** Failed lists and watches (each one followed by a back-off). */
  failures: number;
  /** Watch events applied (bookmarks excluded). */
  events: number;
}

export interface ReflectorStats extends ReflectorCounters {
  readonly kind: ClusterObject['kind'];
  /** Objects that could not be converted (logged and skipped). */
  readonly rejected: number;
  readonly phase: ReflectorPhase;
  readonly synced: boolean;
  readonly connected: boolean;
  readonly objects: number;
  readonly resourceVersion: string | null;
  /** ms since the epoch of the last complete list. */
  readonly lastListAt: number | null;
  readonly lastError: string | null;
}

type ListResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly error: string; readonly retryAfterMs: number }
  | { readonly ok: 'stopped' };

export class Reflector {
  private readonly held: HeldObjects;
  private readonly stopping = new AbortController();
  private readonly backoff: Backoff;
  private readonly log: Logger;
  private readonly counters: ReflectorCounters = {
    lists: 0, relists: 0, watches: 0, watchClosed: 0, watchSilent: 0, watchExpired: 0, failures: 0, events: 0,
  };
  private readonly firstAttemptDone = Promise.withResolvers<void>();
  private loop: Promise<void> | null = null;
  private session: WatchSession | null = null;
  private resourceVersion: string | null = null;
  private phase: ReflectorPhase = 'idle';
  private hasSynced = false;
  private connected = false;
  private relistWanted = false;
  private lastListAt: number | null = null;
  private lastError: string | null = null;

  constructor(
    private readonly spec: ResourceSpec,
    private readonly client: KubeClient,
    sink: ClusterSink,
    private readonly hooks: ReflectorHooks,
    logger: Logger,
    private readonly options: ReflectorOptions,
  ) {
    this.backoff = new Backoff(options.backoff);
    this.log = logger.child({ resource: spec.resource });
    this.held = new HeldObjects(spec, sink, hooks, this.log);
  }

  /** Resolves after the first list attempt, whether it succeeded or not. */
  get firstAttempt(): Promise<void> {
    return this.firstAttemptDone.promise;
  }

  start(): void {
    this.loop ??= this.run().catch((err: unknown) => {
      // Not expected: every step handles its own failures. Say so loudly rather than die quietly.
      this.log.error({ err }, 'list/watch loop ended unexpectedly');
      this.phase = 'stopped';
      this.firstAttemptDone.resolve();
    });
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.session?.end('stopped');
    this.firstAttemptDone.resolve();
    await this.loop;
    this.phase = 'stopped';
  }

  /** List again as soon as possible (the set of exposed namespaces changed). */
  requestRelist(): void {
    this.relistWanted = true;
    this.session?.end('relist');
  }

  /** Removes every held object of `namespace` (it stopped being exposed). */
  dropNamespace(namespace: string): void {
    this.held.dropNamespace(namespace);
  }

  get synced(): boolean {
    return this.hasSynced;
  }

  holds(key: string): boolean {
    return this.held.has(key);
  }

  stats(): ReflectorStats {
    return {
      ...this.counters, rejected: this.held.rejected, kind: this.spec.kind, phase: this.phase, synced: this.hasSynced, connected: this.connected,
      objects: this.held.size, resourceVersion: this.resourceVersion, lastListAt: this.lastListAt, lastError: this.lastError,
    };
  }

  // --- the loop ---------------------------------------------------------------------------------

  private async run(): Promise<void> {
    let needList = true;
    while (!this.stopping.signal.aborted) {
      const listing = needList || this.relistWanted;
      if (listing) {
        this.relistWanted = false;
        const listed = await this.listAll();
        this.firstAttemptDone.resolve();
        if (listed.ok === 'stopped') break;
        if (!listed.ok) {
          await this.failed(listed.error, listed.retryAfterMs);
          continue;
        }
      }
      const outcome = await this.watch();
      needList = await this.afterWatch(outcome, listing);
    }
    this.phase = 'stopped';
  }

  /** What a watch's end means for the next step; returns whether a list is needed. */
  private async afterWatch(outcome: WatchOutcome, fromFreshList: boolean): Promise<boolean> {
    // A watch that did work proves the connection healthy again: a failure ending it starts the back-off
    // over (a reset after hours of streaming is retried in well under a second, not after 30 s).
    const productive = outcome.lines > 0 || outcome.durationMs >= this.options.quickEndMs;
    if (productive) this.backoff.reset();
    switch (outcome.end) {
      case 'stopped':
        return false;
      case 'relist':
        if (outcome.error) this.log.error({ error: outcome.error }, 'relisting after an unexpected failure applying a watch event');
        return true;
      case 'closed':
        this.counters.watchClosed++;
        // Resume at once; only a watch that ends before doing anything waits (no request storm).
        if (!productive) await this.pause();
        return false;
      case 'silent':
        this.counters.watchSilent++;
        if (!outcome.established) {
          await this.failed(`watch ${this.spec.resource}: no response within the silence timeout`);
          return false;
        }
        this.log.debug({ lines: outcome.lines }, 'watch silent for too long (not even a bookmark): restarting it');
        return false;
      case 'expired':
        this.counters.watchExpired++;
        this.log.info({ resourceVersion: this.resourceVersion }, 'watch resourceVersion expired (410 Gone): relisting');
        // A watch that expires right after a fresh list would loop list → 410 → list: pause first.
        if (fromFreshList && !productive) await this.pause();
        return true;
      case 'error':
        await this.failed(outcome.error ?? `watch ${this.spec.resource} failed`);
        return false;
    }
  }

  /** Counts the failure, reports the connection lost, and waits out the back-off (at least `retryAfterMs`). */
  private async failed(error: string, retryAfterMs = 0): Promise<void> {
    this.counters.failures++;
    this.lastError = error;
    this.setConnected(false, error);
    const delay = Math.max(this.backoff.next(), Math.min(retryAfterMs, this.options.backoff.maxMs ?? 30_000));
    this.log.debug({ error, retryInMs: delay, failures: this.backoff.failures }, 'request failed; retrying after back-off');
    await this.wait(delay);
  }

  /** A short wait after a watch that did nothing, without counting it as an outage. */
  private async pause(): Promise<void> {
    await this.wait(this.backoff.next());
  }

  private async wait(ms: number): Promise<void> {
    this.phase = 'waiting';
    await sleep(ms, this.stopping.signal);
  }

  private setConnected(connected: boolean, error?: string): void {
    if (connected) this.lastError = null;
    if (this.connected === connected && connected) return;
    this.connected = connected;
    this.hooks.onConnection(connected, error);
  }

  // --- listing ------------------------------------------------------------------------------------

  private async listAll(): Promise<ListResult> {
    this.phase = 'listing';
    let application = this.held.beginList(this.hasSynced);
    let token: string | undefined;
    let resourceVersion = '';
    let restartedAfterExpiry = false;
    for (;;) {
      let page: RawListPage;
      try {
        page = await this.client.listPage(this.spec.resource, {
          limit: this.options.pageSize,
          ...(token !== undefined ? { continueToken: token } : {}),
          ...(this.spec.labelSelector ? { labelSelector: this.spec.labelSelector } : {}),
        });
      } catch (err) {
        if (this.stopping.signal.aborted) return { ok: 'stopped' };
        if (statusOf(err) === 410 && token !== undefined && !restartedAfterExpiry) {
          // The continue token outlived its snapshot: start the list over (what is applied stays).
          restartedAfterExpiry = true;
          token = undefined;
          application = this.held.beginList(this.hasSynced);
          continue;
        }
        return { ok: false, error: `list ${this.spec.resource}: ${describeError(err)}`, retryAfterMs: retryAfterMs(err) };
      }
      if (this.stopping.signal.aborted) return { ok: 'stopped' };
      this.setConnected(true);
      if (token === undefined) resourceVersion = page.resourceVersion;
      for (const item of page.items) application.add(item);
      if (page.continueToken === null) break;
      token = page.continueToken;
    }
    application.finish();
    this.resourceVersion = resourceVersion;
    this.lastListAt = Date.now();
    this.counters.lists++;
    if (this.hasSynced) this.counters.relists++;
    this.backoff.reset();
    if (!this.hasSynced) {
      this.hasSynced = true;
      this.held.announce = true;
      this.held.markSynced();
      this.hooks.onSynced?.();
      this.log.debug({ objects: this.held.size, resourceVersion }, 'first list complete');
    }
    this.hooks.onListed?.();
    return { ok: true };
  }

  // --- watching -----------------------------------------------------------------------------------

  private async watch(): Promise<WatchOutcome> {
    this.phase = 'watching';
    this.counters.watches++;
    const session = openWatch(
      this.client, this.spec.resource,
      {
        resourceVersion: this.resourceVersion ?? '',
        timeoutSeconds: this.options.watchTimeoutSeconds(),
        ...(this.spec.labelSelector ? { labelSelector: this.spec.labelSelector } : {}),
      },
      (type, object) => this.onLine(type, object),
      () => this.setConnected(true),
    );
    this.session = session;
    // stop() may have come while this watch was being opened.
    if (this.stopping.signal.aborted) session.end('stopped');
    const outcome = await session.outcome;
    this.session = null;
    return outcome;
  }

  private onLine(type: string, object: unknown): LineVerdict {
    switch (type) {
      case 'ADDED':
      case 'MODIFIED':
        this.held.applyWatched(object);
        break;
      case 'DELETED':
        this.held.dropRaw(object);
        break;
      case 'BOOKMARK':
        break;
      case 'ERROR':
        return errorVerdict(this.spec.resource, object);
      default:
        return { end: null };
    }
    if (type !== 'BOOKMARK') this.counters.events++;
    const rv = rawResourceVersion(object);
    if (rv !== undefined) this.resourceVersion = rv;
    return { end: null };
  }
}

function errorVerdict(resource: string, status: unknown): LineVerdict {
  const s = typeof status === 'object' && status !== null ? (status as { code?: unknown; message?: unknown }) : {};
  if (s.code === 410) return { end: 'expired' };
  const message = typeof s.message === 'string' ? `: ${s.message}` : '';
  return { end: 'error', error: `watch ${resource}: ERROR event ${typeof s.code === 'number' ? s.code : '?'}${message}` };
}
