// The memory-reducing collection main.ts runs once the first sync is in.
import { describe, expect, it } from 'vitest';
import { compactHeap } from '../../src/heap.js';

describe('compactHeap', () => {
  it('runs a full collection that gives back the space of garbage just made', () => {
    // Objects that live for a while first, as a cluster load makes: the heap grows to hold them.
    const load = (): number => Array.from({ length: 200_000 }, (_, i) => ({ i, name: `svc-${i}` })).length;
    expect(load()).toBe(200_000);
    const compacted = compactHeap();
    expect(compacted).not.toBeNull();
    expect(compacted!.heapAfterBytes).toBeLessThan(compacted!.heapBeforeBytes);
    expect(compacted!.pauseMs).toBeGreaterThanOrEqual(0);
  });

  it('leaves the main context without a global gc function', () => {
    compactHeap();
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
