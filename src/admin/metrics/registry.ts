// The metrics registry: one prom-client Registry per process (never the global one, so tests can build
// as many as they like), Node's default metrics, and metric families whose values are read at scrape
// time through collect callbacks. Each part of the server registers its own families here and keeps
// plain numbers on its hot path; nothing allocates per query.
import { createRequire } from 'node:module';
import { collectDefaultMetrics, Registry, type Metric } from 'prom-client';

/**
 * prom-client's default metrics (its collectDefaultMetrics.metricsList), each registered by its own
 * module, all but `gc` (nodejs_gc_duration_seconds). That one keeps a perf_hooks observer of garbage
 * collections, and Node's GC entries leave about 4.3 KB that outlives the next scavenge after every
 * collection, even with an empty callback: under query load (a scavenge every ~16 ms) that was
 * 260 KB/s promoted to the old generation, so a full collection every minute or two, with marking
 * steps of 5 to 17 ms, and scavenges a third longer (0.37 ms against 0.25, `--trace-gc-nvp` at the
 * benchmark's half load). Without it nothing is promoted under steady load.
 */
export const DEFAULT_METRICS: readonly string[] = collectDefaultMetrics.metricsList.filter((name) => name !== 'gc');

type DefaultMetric = (registry: Registry, config: { eventLoopMonitoringPrecision: number }) => void;

const requireModule = createRequire(import.meta.url);

function registerDefaultMetrics(registry: Registry): void {
  for (const name of DEFAULT_METRICS) {
    const register = requireModule(`prom-client/lib/metrics/${name}`) as DefaultMetric;
    // The precision collectDefaultMetrics passes (milliseconds between event-loop delay samples).
    register(registry, { eventLoopMonitoringPrecision: 10 });
  }
}

/** Label values by label name. */
export type Labels = Readonly<Record<string, string>>;

/** Histogram state: `counts[i]` observations in bucket i (not cumulative); the last entry is +Inf. */
export interface HistogramSnapshot {
  readonly counts: ArrayLike<number>;
  readonly sum: number;
}

interface FamilyBase {
  /** Full metric name, e.g. coredns_dns_requests_total. */
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly string[];
}

export interface ScalarFamily extends FamilyBase {
  /** Called at scrape time; emits one sample per label set. */
  collect(emit: (labels: Labels, value: number) => void): void;
}

export interface HistogramFamily extends FamilyBase {
  /** Upper bounds, ascending, without +Inf. */
  readonly buckets: readonly number[];
  collect(emit: (labels: Labels, histogram: HistogramSnapshot) => void): void;
}

/** What other modules need to add their metrics. */
export interface MetricsSink {
  counter(family: ScalarFamily): void;
  gauge(family: ScalarFamily): void;
  histogram(family: HistogramFamily): void;
}

type MetricType = 'counter' | 'gauge' | 'histogram';

interface Sample {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/**
 * The shape prom-client's Registry reads from a metric: name, help, type and `get()`. Several parts may
 * contribute samples to one family (both caches feed coredns_cache_*), each with its own producer.
 */
class CollectedFamily {
  readonly aggregator = 'sum';
  private readonly producers: (() => Sample[])[] = [];

  constructor(readonly name: string, readonly help: string, readonly type: MetricType) {}

  add(producer: () => Sample[]): void {
    this.producers.push(producer);
  }

  get(): Promise<{ name: string; help: string; type: MetricType; aggregator: string; values: Sample[] }> {
    const values = this.producers.flatMap((produce) => produce());
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  /** Registry.resetMetrics() calls this; collected values belong to their owners, so nothing to do. */
  reset(): void {}
}

/** Called when a family's collect callback throws; the scrape goes on without that family. */
export type CollectErrorHandler = (family: string, err: unknown) => void;

function guarded(name: string, onError: CollectErrorHandler, samples: () => Sample[]): () => Sample[] {
  return () => {
    try {
      return samples();
    } catch (err) {
      onError(name, err);
      return [];
    }
  };
}

function scalarSamples(family: ScalarFamily): () => Sample[] {
  return () => {
    const values: Sample[] = [];
    family.collect((labels, value) => values.push({ value, labels: { ...labels } }));
    return values;
  };
}

function histogramSamples(family: HistogramFamily): () => Sample[] {
  const bounds = family.buckets.map(String);
  return () => {
    const values: Sample[] = [];
    family.collect((labels, histogram) => {
      let cumulative = 0;
      for (let i = 0; i <= bounds.length; i++) {
        cumulative += histogram.counts[i] ?? 0;
        values.push({ metricName: `${family.name}_bucket`, value: cumulative, labels: { ...labels, le: bounds[i] ?? '+Inf' } });
      }
      values.push({ metricName: `${family.name}_sum`, value: histogram.sum, labels: { ...labels } });
      values.push({ metricName: `${family.name}_count`, value: cumulative, labels: { ...labels } });
    });
    return values;
  };
}

export interface MetricsRegistryOptions {
  /** Node's process_* and nodejs_* metrics (default true). */
  readonly defaultMetrics?: boolean;
  readonly onCollectError?: CollectErrorHandler;
}

export class MetricsRegistry implements MetricsSink {
  readonly registry = new Registry();
  private readonly onError: CollectErrorHandler;
  private readonly families = new Map<string, CollectedFamily>();

  constructor(options: MetricsRegistryOptions = {}) {
    this.onError = options.onCollectError ?? (() => {});
    if (options.defaultMetrics ?? true) registerDefaultMetrics(this.registry);
  }

  counter(family: ScalarFamily): void {
    this.add(family.name, family.help, 'counter', scalarSamples(family));
  }

  gauge(family: ScalarFamily): void {
    this.add(family.name, family.help, 'gauge', scalarSamples(family));
  }

  histogram(family: HistogramFamily): void {
    this.add(family.name, family.help, 'histogram', histogramSamples(family));
  }

  /** The text exposition format, and its content type. */
  async expose(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** Adds a producer to the family `name`, creating it on first use. A type clash is a programming error. */
  private add(name: string, help: string, type: MetricType, samples: () => Sample[]): void {
    let family = this.families.get(name);
    if (family === undefined) {
      family = new CollectedFamily(name, help, type);
      this.families.set(name, family);
      // prom-client's types list only its own classes, but the Registry needs nothing beyond
      // name/help/type/get/reset, which CollectedFamily provides (the exposition tests pin this).
      this.registry.registerMetric(family as unknown as Metric);
    } else if (family.type !== type) {
      throw new TypeError(`metric ${name} is already registered as a ${family.type}`);
    }
    family.add(guarded(name, this.onError, samples));
  }
}
