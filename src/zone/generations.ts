// Generation counters for caches of encoded answers (see Generations in resolve/message.ts).
import type { Generations } from '../resolve/message.js';

/**
 * Every bump takes the next value of one counter shared by all keys, so a key that disappears
 * (generation 0 = "absent") and comes back never reuses a number an old cached answer recorded.
 */
export class GenerationTable implements Generations {
  private counter = 0;
  private readonly generations = new Map<string, number>();
  private epochValue = 0;

  get epoch(): number {
    return this.epochValue;
  }

  generation(key: string): number {
    return this.generations.get(key) ?? 0;
  }

  bump(key: string): void {
    this.generations.set(key, ++this.counter);
  }

  /** The thing `key` stands for no longer exists: its answers are those of a never-seen key again. */
  forget(key: string): void {
    if (this.generations.delete(key)) this.counter++;
  }

  bumpEpoch(): void {
    this.epochValue = ++this.counter;
  }

  /** Number of keys held (for tests and memory accounting). */
  get size(): number {
    return this.generations.size;
  }
}
