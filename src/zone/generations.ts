// Generation counters for caches of encoded answers (see Generations in resolve/message.ts).
import type { Generations } from '../resolve/message.js';
import { IP_KEY_PREFIX, POD_KEY_PREFIX } from './keys.js';

/**
 * Every bump takes the next value of one counter shared by all keys, so a key that disappears
 * (generation 0 = "absent") and comes back never reuses a number an old cached answer recorded.
 *
 * Address keys (`ip:<addr>`, `pod:<ns>/<addr>`), one per endpoint or pod, are held by the address
 * strings the index keeps anyway rather than by new `ip:…` strings: at 150k endpoints that is
 * several megabytes.
 */
export class GenerationTable implements Generations {
  private counter = 0;
  private epochValue = 0;
  /** Moves on every change, removals included (the answer cache's shortcut, Generations.version). */
  private changes = 0;
  private readonly named = new Map<string, number>();
  private readonly addresses = new Map<string, number>();
  private readonly podAddresses = new Map<string, number>();

  get epoch(): number {
    return this.epochValue;
  }

  get version(): number {
    return this.changes;
  }

  generation(key: string): number {
    if (key.startsWith(IP_KEY_PREFIX)) return this.addresses.get(key.slice(IP_KEY_PREFIX.length)) ?? 0;
    if (key.startsWith(POD_KEY_PREFIX)) return this.podAddresses.get(key.slice(POD_KEY_PREFIX.length)) ?? 0;
    return this.named.get(key) ?? 0;
  }

  /** A named key (service, SOA) changed. */
  bump(key: string): void {
    this.changes++;
    this.named.set(key, ++this.counter);
  }

  /** The thing `key` stands for no longer exists: its answers are those of a never-seen key again. */
  forget(key: string): void {
    this.changes++;
    this.named.delete(key);
  }

  /** `ip:<address>` changed, or (exists = false) no longer has any owner. */
  address(address: string, exists: boolean): void {
    this.changes++;
    if (exists) this.addresses.set(address, ++this.counter);
    else this.addresses.delete(address);
  }

  /** `pod:<ns>/<address>` changed, or (exists = false) has no active pod left. */
  podAddress(namespaceAndAddress: string, exists: boolean): void {
    this.changes++;
    if (exists) this.podAddresses.set(namespaceAndAddress, ++this.counter);
    else this.podAddresses.delete(namespaceAndAddress);
  }

  bumpEpoch(): void {
    this.changes++;
    this.epochValue = ++this.counter;
  }

  /** Number of keys held (for tests and memory accounting). */
  get size(): number {
    return this.named.size + this.addresses.size + this.podAddresses.size;
  }
}
