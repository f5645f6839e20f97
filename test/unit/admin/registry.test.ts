// The metrics registry: families read at scrape time come out in the Prometheus text format through
// prom-client's own Registry, several producers share a family, and a failing producer costs only itself.
import { describe, expect, it } from 'vitest';
import { DEFAULT_METRICS, MetricsRegistry } from '../../../src/admin/metrics/registry.js';
import { exponentialBuckets, DURATION_BUCKETS } from '../../../src/admin/metrics/histograms.js';

function registry(): MetricsRegistry {
  return new MetricsRegistry({ defaultMetrics: false });
}

describe('metric families', () => {
  it('a counter family prints HELP, TYPE and one line per emitted label set, with the value read at scrape time', async () => {
    const r = registry();
    let hits = 1;
    r.counter({ name: 'demo_hits_total', help: 'Hits.', labelNames: ['kind'], collect: (emit) => emit({ kind: 'a' }, hits) });
    hits = 7;
    const { body, contentType } = await r.expose();
    expect(contentType).toContain('text/plain');
    expect(body).toContain('# HELP demo_hits_total Hits.');
    expect(body).toContain('# TYPE demo_hits_total counter');
    expect(body).toContain('demo_hits_total{kind="a"} 7');
  });

  it('a histogram family prints cumulative buckets with le labels, +Inf, _sum and _count', async () => {
    const r = registry();
    // Observations 0.5, 1, 1.5, 3 and 9, counted per bucket (not cumulative), +Inf last.
    const snapshot = { counts: [2, 1, 1, 1], sum: 15 };
    r.histogram({ name: 'demo_seconds', help: 'Demo.', buckets: [1, 2, 4], collect: (emit) => emit({ x: 'y' }, snapshot) });
    const { body } = await r.expose();
    expect(body).toContain('# TYPE demo_seconds histogram');
    expect(body).toContain('demo_seconds_bucket{x="y",le="1"} 2');
    expect(body).toContain('demo_seconds_bucket{x="y",le="2"} 3');
    expect(body).toContain('demo_seconds_bucket{x="y",le="4"} 4');
    expect(body).toContain('demo_seconds_bucket{x="y",le="+Inf"} 5');
    expect(body).toContain('demo_seconds_sum{x="y"} 15');
    expect(body).toContain('demo_seconds_count{x="y"} 5');
  });

  it('two producers of the same family print under one HELP/TYPE header', async () => {
    const r = registry();
    r.counter({ name: 'shared_total', help: 'Shared.', labelNames: ['zones'], collect: (emit) => emit({ zones: 'cluster.local.' }, 1) });
    r.counter({ name: 'shared_total', help: 'Shared.', labelNames: ['zones'], collect: (emit) => emit({ zones: '.' }, 2) });
    const { body } = await r.expose();
    expect(body.match(/# TYPE shared_total/g)).toHaveLength(1);
    expect(body).toContain('shared_total{zones="cluster.local."} 1');
    expect(body).toContain('shared_total{zones="."} 2');
  });

  it('registering one name as two types is refused', () => {
    const r = registry();
    r.counter({ name: 'clash', help: 'x', collect: () => {} });
    expect(() => r.gauge({ name: 'clash', help: 'x', collect: () => {} })).toThrow(/already registered as a counter/);
  });

  it('a producer that throws is reported and left out; the rest of the scrape goes on', async () => {
    const failures: string[] = [];
    const r = new MetricsRegistry({ defaultMetrics: false, onCollectError: (family) => failures.push(family) });
    r.gauge({ name: 'broken', help: 'x', collect: () => { throw new Error('boom'); } });
    r.gauge({ name: 'fine', help: 'x', collect: (emit) => emit({}, 3) });
    const { body } = await r.expose();
    expect(failures).toEqual(['broken']);
    expect(body).toContain('fine 3');
  });

  it("Node's default metrics are included unless turned off", async () => {
    const { body } = await new MetricsRegistry().expose();
    expect(body).toContain('process_cpu_seconds_total');
    expect(body).toContain('nodejs_eventloop_lag_seconds');
    expect((await registry().expose()).body).not.toContain('process_cpu_seconds_total');
  });

  it("every default metric of prom-client is there but the GC observer's (it costs a full collection every minute or two under load)", async () => {
    const { body } = await new MetricsRegistry().expose();
    for (const name of ['process_resident_memory_bytes', 'process_open_fds', 'process_start_time_seconds', 'nodejs_heap_size_used_bytes',
      'nodejs_heap_space_size_used_bytes', 'nodejs_active_handles', 'nodejs_version_info']) {
      expect(body).toContain(`# TYPE ${name} `);
    }
    expect(body).not.toContain('nodejs_gc_duration_seconds');
    // A prom-client release that adds or renames a default metric shows up here.
    expect(DEFAULT_METRICS).toEqual([
      'processCpuTotal', 'processStartTime', 'osMemoryHeap', 'processOpenFileDescriptors', 'processMaxFileDescriptors', 'eventLoopLag',
      'processResources', 'processHandles', 'processRequests', 'heapSizeAndUsed', 'heapSpacesSizeAndUsed', 'version',
    ]);
  });
});

describe('buckets', () => {
  it("CoreDNS's duration buckets: 0.25 ms doubling 16 times", () => {
    expect(DURATION_BUCKETS).toHaveLength(16);
    expect(DURATION_BUCKETS[0]).toBe(0.00025);
    expect(DURATION_BUCKETS[15]).toBeCloseTo(8.192, 10);
    expect(exponentialBuckets(1, 3, 3)).toEqual([1, 3, 9]);
  });
});
