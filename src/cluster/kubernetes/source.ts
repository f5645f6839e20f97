// The Kubernetes cluster source: one list/watch loop (Reflector) per kind, feeding the zone index,
// with the state of the connection summed up for /ready, metrics and logs. An outage is logged once
// when it starts and once when it ends, however many requests fail in between.
import type { Logger } from '../../logger.js';
import type { ClusterSink, ClusterSource, SourceStatus } from '../source.js';
import type { ObjectKind } from '../types.js';
import type { KubeClient } from './client.js';
import { Reflector, type ReflectorOptions, type ReflectorStats } from './reflector.js';
import { resourceSpec } from './resources.js';

export interface KubernetesSourceOptions {
  readonly client: KubeClient;
  /** Kinds to deliver; pods only when a mode needs them. */
  readonly kinds: readonly ObjectKind[];
  readonly logger: Logger;
  /** --namespaces: only these are exposed; empty means all. */
  readonly namespaces?: readonly string[];
  /** --namespace-labels: only namespaces matching this selector are exposed. */
  readonly namespaceLabels?: string | null;
  /** --labels: only Services, EndpointSlices and Pods matching this selector are seen. */
  readonly labels?: string | null;
  readonly reflector?: Partial<ReflectorOptions>;
  /** Called when the source stops, to abort the client's requests in flight (a list may take a while). */
  readonly onStopping?: () => void;
  /** Run once the lists in progress are all complete, to give their garbage back (see heap.ts). */
  readonly compactHeap?: (() => void) | null;
  /** Quiet time after a complete list before compacting (other kinds' lists usually follow). Default 500 ms. */
  readonly compactDelayMs?: number;
}

export interface KubernetesSourceStats {
  readonly connected: boolean;
  readonly synced: boolean;
  /** Outages so far: transitions from connected to not connected (a failed start counts as one). */
  readonly outages: number;
  /** ms since the epoch when the current outage began, null while connected. */
  readonly disconnectedSince: number | null;
  readonly resources: readonly ReflectorStats[];
}

const DEFAULT_REFLECTOR: ReflectorOptions = {
  pageSize: 500,
  backoff: { initialMs: 500, maxMs: 30_000 },
  // As client-go: between 5 and 10 minutes, so that the watches of many clients do not end together.
  watchTimeoutSeconds: () => 300 + Math.floor(Math.random() * 300),
  quickEndMs: 1000,
};

export class KubernetesSource implements ClusterSource {
  readonly kinds: readonly ObjectKind[];
  private readonly log: Logger;
  private readonly reflectors = new Map<ObjectKind, Reflector>();
  private readonly connection = new Map<ObjectKind, { connected: boolean; error?: string }>();
  private readonly allowed: ReadonlySet<string> | null;
  private outages = 0;
  private disconnectedSince: number | null = null;
  /** null until the first request answered or failed. */
  private connected: boolean | null = null;
  private lastError: string | null = null;
  private stopped = false;
  private compactTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: KubernetesSourceOptions) {
    this.kinds = options.kinds;
    this.log = options.logger.child({ source: 'kubernetes' });
    this.allowed = options.namespaces && options.namespaces.length > 0 ? new Set(options.namespaces) : null;
  }

  async start(sink: ClusterSink): Promise<void> {
    const reflectorOptions = { ...DEFAULT_REFLECTOR, ...this.options.reflector };
    const selectors = { labels: this.options.labels ?? null, namespaceLabels: this.options.namespaceLabels ?? null };
    const byLabels = Boolean(selectors.namespaceLabels) && this.kinds.includes('namespace');
    for (const kind of this.kinds) {
      const dependent = byLabels && kind !== 'namespace';
      const reflector = new Reflector(resourceSpec(kind, selectors), this.options.client, sink, {
        accepts: (namespace) => this.exposed(namespace, dependent),
        onConnection: (connected, error) => this.onConnection(kind, connected, error),
        onListed: () => this.scheduleCompaction(),
        ...(byLabels && kind === 'namespace' ? {
          onHeldChange: (name: string, held: boolean) => this.namespaceChanged(name, held),
          onSynced: () => this.startDependents(),
        } : {}),
      }, this.log, reflectorOptions);
      this.reflectors.set(kind, reflector);
    }
    this.log.info({ server: this.options.client.server, kinds: this.kinds, labels: selectors.labels, namespaceLabels: selectors.namespaceLabels },
      'watching the Kubernetes API');

    const namespaces = byLabels ? this.reflectors.get('namespace') : undefined;
    if (namespaces === undefined) {
      for (const r of this.reflectors.values()) r.start();
      await Promise.all([...this.reflectors.values()].map((r) => r.firstAttempt));
      return;
    }
    // With --namespace-labels the other kinds are filtered by the matching namespaces: list those first
    // (the others start when that list is complete).
    namespaces.start();
    await namespaces.firstAttempt;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.compactTimer) clearTimeout(this.compactTimer);
    const stopping = [...this.reflectors.values()].map((r) => r.stop());
    this.options.onStopping?.();
    await Promise.all(stopping);
  }

  /** Every kind has had its first complete list. */
  get synced(): boolean {
    if (this.reflectors.size === 0) return false;
    for (const r of this.reflectors.values()) if (!r.synced) return false;
    return true;
  }

  status(): SourceStatus {
    const stats = [...this.reflectors.values()].map((r) => r.stats());
    const synced = stats.length > 0 && stats.every((s) => s.synced);
    const connected = this.connected === true;
    const waiting = stats.filter((s) => !s.synced).map((s) => s.kind);
    const detail = this.connected === null ? `connecting to the API server at ${this.options.client.server}`
      : !connected ? `cannot reach the API server at ${this.options.client.server}: ${this.lastError ?? 'no answer'}`
      : synced ? `watching ${stats.map((s) => s.kind).join(', ')} at ${this.options.client.server}`
        : `waiting for the first list of ${waiting.join(', ')}`;
    return { name: 'kubernetes', synced, connected, detail };
  }

  stats(): KubernetesSourceStats {
    const resources = [...this.reflectors.values()].map((r) => r.stats());
    return {
      connected: this.connected === true,
      synced: resources.length > 0 && resources.every((s) => s.synced),
      outages: this.outages,
      disconnectedSince: this.disconnectedSince,
      resources,
    };
  }

  // --- exposure ----------------------------------------------------------------------------------

  private exposed(namespace: string, byLabels: boolean): boolean {
    if (this.allowed !== null && !this.allowed.has(namespace)) return false;
    return !byLabels || (this.reflectors.get('namespace')?.holds(namespace) ?? false);
  }

  private startDependents(): void {
    if (this.stopped) return;
    for (const [kind, r] of this.reflectors) if (kind !== 'namespace') r.start();
  }

  /** A namespace started or stopped matching --namespace-labels (or was created or deleted). */
  private namespaceChanged(name: string, held: boolean): void {
    for (const [kind, r] of this.reflectors) {
      if (kind === 'namespace') continue;
      // Leaving: drop its objects now. Entering: its objects were filtered out, so list them again.
      if (held) r.requestRelist();
      else r.dropNamespace(name);
    }
  }

  // --- memory after a list -----------------------------------------------------------------------

  private scheduleCompaction(): void {
    const compact = this.options.compactHeap;
    if (!compact || this.stopped) return;
    if (this.compactTimer) clearTimeout(this.compactTimer);
    this.compactTimer = setTimeout(() => {
      this.compactTimer = null;
      // Another kind is still listing: its own completion schedules the compaction again.
      if (this.stopped || [...this.reflectors.values()].some((r) => r.stats().phase === 'listing')) return;
      const rssBefore = process.memoryUsage.rss();
      const started = performance.now();
      try {
        compact();
      } catch (err) {
        this.log.warn({ err }, 'could not compact the heap after a list');
        return;
      }
      this.log.info({ pauseMs: Math.round(performance.now() - started), rssBeforeMB: mib(rssBefore), rssAfterMB: mib(process.memoryUsage.rss()) },
        'memory of the complete list returned to the system');
    }, this.options.compactDelayMs ?? 500);
    this.compactTimer.unref();
  }

  // --- connection state --------------------------------------------------------------------------

  private onConnection(kind: ObjectKind, connected: boolean, error?: string): void {
    this.connection.set(kind, error === undefined ? { connected } : { connected, error });
    if (error !== undefined) this.lastError = error;
    const all = [...this.reflectors.keys()].every((k) => this.connection.get(k)?.connected !== false);
    if (all === this.connected) return;
    const before = this.connected;
    this.connected = all;
    if (!all) {
      this.outages++;
      this.disconnectedSince = Date.now();
      this.log.warn({ server: this.options.client.server, error: this.lastError }, before === null
        ? 'cannot reach the Kubernetes API server; retrying with back-off'
        : 'lost the Kubernetes API server; answering from the last known state while retrying with back-off');
      return;
    }
    if (before === false) {
      const downMs = this.disconnectedSince === null ? 0 : Date.now() - this.disconnectedSince;
      this.log.info({ server: this.options.client.server, downMs }, 'Kubernetes API server reachable again');
    }
    this.disconnectedSince = null;
    this.lastError = null;
  }
}

const mib = (bytes: number): number => Math.round(bytes / 2 ** 20);
