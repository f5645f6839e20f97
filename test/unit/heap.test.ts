// The memory-reducing collection the cluster sources run after each complete load.
import { getHeapSpaceStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { heapCompactor } from '../../src/heap.js';

describe('heapCompactor', () => {
  it('runs a full collection that gives back the space of garbage just made', () => {
    // Objects that live for a while first, as a cluster load makes: the heap grows to hold them.
    const load = (): number => Array.from({ length: 200_000 }, (_, i) => ({ i, name: `svc-${i}` })).length;
    expect(load()).toBe(200_000);
    const compact = heapCompactor();
    expect(compact).not.toBeNull();
    const heapBeforeBytes = process.memoryUsage().heapTotal;
    compact!();
    expect(process.memoryUsage().heapTotal).toBeLessThan(heapBeforeBytes);
  });

  it('evacuates every page a load left half used, so old space ends about the size of what lives', () => {
    const compact = heapCompactor()!;
    // A load's objects, moved to old space by a first collection; then every other one is let go, so
    // the pages they fill are all half used (some 40 MB of survivors, V8's own choice moves 12 MB).
    const objects: ({ i: number; name: string } | null)[] = Array.from({ length: 1_000_000 }, (_, i) => ({ i, name: `svc-${i}` }));
    compact();
    for (let i = 1; i < objects.length; i += 2) objects[i] = null;
    compact();
    const oldSpace = getHeapSpaceStatistics().find((space) => space.space_name === 'old_space')!;
    expect(objects.filter((o) => o !== null)).toHaveLength(500_000);
    expect(oldSpace.space_size - oldSpace.space_used_size).toBeLessThan(oldSpace.space_used_size / 10);
  });

  it('leaves the main context without a global gc function', () => {
    heapCompactor()?.();
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
