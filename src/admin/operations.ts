// Everything that makes the server observable, wired in one place so main adds a few lines: the query
// observer (metrics and --log-queries), the tap between the cluster source and the zone (source
// activity, endpoints left out), the metric families of every part, /metrics and /debug/explain, and
// the live half of a config reload.
import { ProgrammingLatency, recordProgrammingLatency } from '../cluster/kubernetes/programming-latency.js';
import type { KubernetesSourceStats } from '../cluster/kubernetes/source.js';
import type { ClusterSink, SourceStatus } from '../cluster/source.js';
import type { ReloadStats } from '../config/reload.js';
import type { Logger, LogLevel } from '../logger.js';
import type { AnswerCacheStats, QueryObserver } from '../wire/dispatcher.js';
import type { ZoneIndex } from '../zone/index.js';
import { Exclusions } from './explain/exclusions.js';
import type { ExplainDeps } from './explain/explain.js';
import { explainRoute } from './explain/route.js';
import {
  MetricsRegistry, QueryStats, SourceActivity, registerBuildInfo, registerForwardMetrics, registerKubernetesMetrics,
  registerProgrammingLatency, registerQueryMetrics, registerSourceState, serverLabel, type ForwardStatsSource,
} from './metrics/index.js';
import type { MetricsSink } from './metrics/registry.js';
import { QueryLog, metricsThenLog } from './query-log.js';
import type { RouteHandler } from './server.js';

export interface OperationsOptions {
  /** Authoritative zones as the resolver holds them (lower case, reverse zones expanded). */
  readonly zones: readonly string[];
  readonly logQueries: boolean;
  readonly logger: Logger;
  readonly version: string;
  /** Node's process_* and nodejs_* metrics (default true; tests turn them off). */
  readonly defaultMetrics?: boolean;
}

/** What the running server offers once its parts exist. */
export interface ServerParts {
  readonly zone: ZoneIndex;
  readonly status: () => SourceStatus;
  readonly ready: () => boolean;
  /** The first DNS listen address (CoreDNS's `server` label). */
  readonly dnsAddress: { readonly host: string; readonly port: number } | undefined;
  readonly answerCache?: { cacheStats(): AnswerCacheStats };
  readonly forwarding?: ForwardStatsSource | null;
  readonly kubernetes?: { stats(): KubernetesSourceStats } | null;
  /** For /debug/explain. */
  readonly explain: Omit<ExplainDeps, 'exclusions' | 'zone'>;
}

/** The settings a config reload may change without a restart (see config/reload.ts LIVE_KEYS). */
export interface LiveSettings {
  readonly logLevel: LogLevel;
  readonly logQueries: boolean;
}

export class Operations {
  readonly metrics: MetricsRegistry;
  readonly queryStats: QueryStats;
  readonly queryLog: QueryLog;
  readonly exclusions = new Exclusions();
  readonly activity = new SourceActivity();
  readonly latency = new ProgrammingLatency();
  readonly observer: QueryObserver;
  private readonly log: Logger;
  private parts: ServerParts | null = null;
  private unfollow: (() => void) | null = null;

  constructor(options: OperationsOptions) {
    this.log = options.logger;
    this.metrics = new MetricsRegistry({
      defaultMetrics: options.defaultMetrics ?? true,
      onCollectError: (family, err) => this.log.error({ err, family }, 'metric collection failed; the family is left out of this scrape'),
    });
    this.queryStats = new QueryStats(options.zones);
    this.queryLog = new QueryLog(options.logger.child({ layer: 'queries' }), options.logQueries);
    this.observer = metricsThenLog(this.queryStats, this.queryLog);
    registerBuildInfo(this.metrics, options.version);
  }

  /** Put this between the cluster source and the zone (or its sync watch). */
  tap(sink: ClusterSink): ClusterSink {
    return this.exclusions.tap(this.activity.tap(sink));
  }

  /** The metrics sink, for parts that add their own families. */
  get sink(): MetricsSink {
    return this.metrics;
  }

  /** Registers every part's metrics and starts recording programming latency. Call once. */
  attach(parts: ServerParts): void {
    if (this.parts !== null) throw new Error('Operations.attach called twice');
    this.parts = parts;
    const server = (): string => serverLabel(parts.dnsAddress);
    registerQueryMetrics(this.metrics, { stats: this.queryStats, server, ...(parts.answerCache ? { answerCache: parts.answerCache } : {}) });
    if (parts.forwarding) registerForwardMetrics(this.metrics, parts.forwarding, server);
    if (parts.kubernetes) registerKubernetesMetrics(this.metrics, parts.kubernetes);
    registerSourceState(this.metrics, { status: parts.status, counts: () => parts.zone.counts(), ready: parts.ready });
    this.activity.register(this.metrics, () => parts.status().name);
    registerProgrammingLatency(this.metrics, this.latency);
    // Trigger times of the first list predate this process: record only once the zone has synced.
    this.unfollow = recordProgrammingLatency(parts.zone, this.latency, () => parts.zone.synced);
  }

  /** /metrics and /debug/explain, for the admin server. */
  routes(): Record<string, RouteHandler> {
    const parts = this.parts;
    if (parts === null) throw new Error('Operations.routes needs attach() first');
    return {
      '/metrics': async () => {
        const { contentType, body } = await this.metrics.expose();
        return { status: 200, contentType, body };
      },
      '/debug/explain': explainRoute({ ...parts.explain, zone: parts.zone, exclusions: this.exclusions }),
    };
  }

  /** svcdns_config_reloads_total and the time of the last good reload, from the config watcher. */
  registerReloads(stats: () => ReloadStats): void {
    this.metrics.counter({
      name: 'svcdns_config_reloads_total', help: 'Changes of the --config file read, by result (failure: the old config was kept).',
      labelNames: ['result'],
      collect: (emit) => {
        const s = stats();
        emit({ result: 'success' }, s.reloads);
        emit({ result: 'failure' }, s.failures);
      },
    });
    this.metrics.gauge({
      name: 'svcdns_config_last_reload_success_timestamp_seconds', help: 'When the --config file was last reloaded without error (Unix seconds).',
      collect: (emit) => {
        const at = stats().lastSuccessAt;
        if (at > 0) emit({}, at / 1000);
      },
    });
  }

  /** Applies the logging half of a reloaded config. */
  applyLive(settings: LiveSettings): void {
    this.log.level = settings.logLevel;
    this.queryLog.enabled = settings.logQueries;
  }

  stop(): void {
    this.unfollow?.();
    this.unfollow = null;
  }
}
