// svcdns_* metrics of the cluster source: whether it is connected and synced, when it last delivered
// a complete list and an event, how many events of each kind it delivered, and how many objects the
// zone holds. The counts come from a tap between the source and the zone index, so they mean the
// same for every source.
import type { ClusterSink, SourceStatus } from '../../cluster/source.js';
import type { ObjectKind } from '../../cluster/types.js';
import type { ZoneCounts } from '../../zone/index.js';
import type { MetricsSink } from './registry.js';

const KINDS: readonly ObjectKind[] = ['service', 'endpointslice', 'namespace', 'pod'];
const OPERATIONS = ['upsert', 'remove', 'replace'] as const;
type Operation = (typeof OPERATIONS)[number];

/** What passed from the source to the zone: counts per kind and operation, times of the last list and event. */
export class SourceActivity {
  /** [kind][operation] */
  private readonly events = new Float64Array(KINDS.length * OPERATIONS.length);
  private readonly lastList = new Float64Array(KINDS.length);
  private lastEvent = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** A sink that counts what passes and hands everything on to `target`. */
  tap(target: ClusterSink): ClusterSink {
    return {
      upsert: (object) => {
        this.count(object.kind, 'upsert');
        target.upsert(object);
      },
      remove: (kind, namespace, name) => {
        this.count(kind, 'remove');
        target.remove(kind, namespace, name);
      },
      replace: (kind, objects) => {
        this.count(kind, 'replace');
        this.lastList[KINDS.indexOf(kind)] = this.now() / 1000;
        target.replace(kind, objects);
      },
      markSynced: (kind) => target.markSynced(kind),
    };
  }

  eventCount(kind: ObjectKind, operation: Operation): number {
    return this.events[KINDS.indexOf(kind) * OPERATIONS.length + OPERATIONS.indexOf(operation)] ?? 0;
  }

  private count(kind: ObjectKind, operation: Operation): void {
    const k = KINDS.indexOf(kind);
    if (k < 0) return;
    this.events[k * OPERATIONS.length + OPERATIONS.indexOf(operation)]!++;
    this.lastEvent = this.now() / 1000;
  }

  register(sink: MetricsSink, source: () => string): void {
    sink.counter({
      name: 'svcdns_source_events_total', help: 'Objects delivered by the cluster source, by kind and operation (replace: a complete list).',
      labelNames: ['source', 'kind', 'operation'],
      collect: (emit) => {
        KINDS.forEach((kind, k) => OPERATIONS.forEach((operation, o) => {
          const value = this.events[k * OPERATIONS.length + o]!;
          if (value > 0) emit({ source: source(), kind, operation }, value);
        }));
      },
    });
    sink.gauge({
      name: 'svcdns_source_last_sync_timestamp_seconds', help: 'When the cluster source last delivered a complete list (a sync) of the kind (Unix seconds).',
      labelNames: ['source', 'kind'],
      collect: (emit) => KINDS.forEach((kind, k) => {
        if (this.lastList[k]! > 0) emit({ source: source(), kind }, this.lastList[k]!);
      }),
    });
    sink.gauge({
      name: 'svcdns_source_last_event_timestamp_seconds', help: 'When the cluster source last delivered anything (Unix seconds).',
      labelNames: ['source'],
      collect: (emit) => {
        if (this.lastEvent > 0) emit({ source: source() }, this.lastEvent);
      },
    });
  }
}

export interface SourceStateOptions {
  readonly status: () => SourceStatus;
  readonly counts: () => ZoneCounts;
  /** /ready's answer. */
  readonly ready: () => boolean;
}

export function registerSourceState(sink: MetricsSink, options: SourceStateOptions): void {
  sink.gauge({
    name: 'svcdns_source_connected', help: '1 while the cluster source reaches its origin (the API server, or readable manifests).',
    labelNames: ['source'],
    collect: (emit) => {
      const s = options.status();
      emit({ source: s.name }, s.connected ? 1 : 0);
    },
  });
  sink.gauge({
    name: 'svcdns_source_synced', help: '1 once every kind the cluster source serves has had its first complete list.',
    labelNames: ['source'],
    collect: (emit) => {
      const s = options.status();
      emit({ source: s.name }, s.synced ? 1 : 0);
    },
  });
  sink.gauge({
    name: 'svcdns_ready', help: '1 while /ready answers 200.',
    collect: (emit) => emit({}, options.ready() ? 1 : 0),
  });
  sink.gauge({
    name: 'svcdns_objects_held', help: 'Objects the zone index holds, by kind (endpoint: ready endpoint addresses).',
    labelNames: ['kind'],
    collect: (emit) => {
      const c = options.counts();
      emit({ kind: 'service' }, c.services);
      emit({ kind: 'endpointslice' }, c.slices);
      emit({ kind: 'endpoint' }, c.endpoints);
      emit({ kind: 'namespace' }, c.namespaces);
      emit({ kind: 'pod' }, c.pods);
    },
  });
}
