// The memory-reducing collection the cluster sources run after each complete load.
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

  it('leaves the main context without a global gc function', () => {
    heapCompactor()?.();
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
