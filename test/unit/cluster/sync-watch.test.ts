import { describe, expect, it } from 'vitest';
import type { ClusterSink } from '../../../src/cluster/source.js';
import { watchSync } from '../../../src/cluster/sync-watch.js';
import type { ObjectKind } from '../../../src/cluster/types.js';

function recorder(): ClusterSink & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    upsert: (o) => calls.push(`upsert ${o.kind}`),
    remove: (kind, ns, name) => calls.push(`remove ${kind} ${ns}/${name}`),
    replace: (kind, objects) => calls.push(`replace ${kind} ${objects.length}`),
    markSynced: (kind) => calls.push(`synced ${kind}`),
  };
}

describe('watchSync', () => {
  it('passes every call through to the real sink', () => {
    const target = recorder();
    const { sink } = watchSync(target, ['service']);
    sink.upsert({ kind: 'namespace', obj: { name: 'a', labels: {} } });
    sink.remove('service', 'a', 'b');
    sink.replace('pod', []);
    sink.markSynced('service');
    expect(target.calls).toEqual(['upsert namespace', 'remove service a/b', 'replace pod 0', 'synced service']);
  });

  it('resolves only once every required kind is synced', async () => {
    const kinds: ObjectKind[] = ['service', 'endpointslice'];
    const watch = watchSync(recorder(), kinds);
    let done = false;
    void watch.synced.then(() => { done = true; });
    watch.sink.markSynced('service');
    watch.sink.markSynced('service');
    await Promise.resolve();
    expect(done).toBe(false);
    watch.sink.markSynced('endpointslice');
    await watch.synced;
    expect(done).toBe(true);
  });
});
