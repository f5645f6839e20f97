// Active pods by (namespace, IP), for `pods verified`. Several pods may share an address
// (hostNetwork pods share their node's), so addresses are reference-counted.
import type { SlimPod } from '../cluster/types.js';
import { canonicalIP } from '../cluster/ip.js';

export class PodIndex {
  /** `ns/name` → `ns/ip` of the pod's active address, '' when it has none (pending, finished). */
  private readonly byName = new Map<string, string>();
  /** `ns/ip` → number of active pods with that address. */
  private readonly byAddress = new Map<string, number>();

  has(namespace: string, canonicalAddress: string): boolean {
    return this.byAddress.has(`${namespace}/${canonicalAddress}`);
  }

  /** `ns/ip` form of has(). */
  hasAddressKey(addressKey: string): boolean {
    return this.byAddress.has(addressKey);
  }

  get size(): number {
    return this.byName.size;
  }

  names(): IterableIterator<string> {
    return this.byName.keys();
  }

  /**
   * Applies a pod. Returns false when nothing DNS-visible changed; `changed` receives each `ns/ip`
   * that gained its first or lost its last pod.
   */
  upsert(pod: SlimPod, changed: (addressKey: string) => void): boolean {
    const namespace = pod.namespace.toLowerCase();
    const key = `${namespace}/${pod.name.toLowerCase()}`;
    const ip = pod.active && pod.podIP ? canonicalIP(pod.podIP) : null;
    const addressKey = ip === null ? '' : `${namespace}/${ip}`;
    const previous = this.byName.get(key);
    if (previous === addressKey) return false;
    this.byName.set(key, addressKey);
    if (previous) this.release(previous, changed);
    if (addressKey) this.acquire(addressKey, changed);
    return previous !== undefined || addressKey !== '';
  }

  remove(namespace: string, name: string, changed: (addressKey: string) => void): boolean {
    const key = `${namespace.toLowerCase()}/${name.toLowerCase()}`;
    const previous = this.byName.get(key);
    if (previous === undefined) return false;
    this.byName.delete(key);
    if (previous) this.release(previous, changed);
    return previous !== '';
  }

  private acquire(addressKey: string, changed: (addressKey: string) => void): void {
    const count = this.byAddress.get(addressKey) ?? 0;
    this.byAddress.set(addressKey, count + 1);
    if (count === 0) changed(addressKey);
  }

  private release(addressKey: string, changed: (addressKey: string) => void): void {
    const count = this.byAddress.get(addressKey) ?? 0;
    if (count <= 1) {
      this.byAddress.delete(addressKey);
      changed(addressKey);
    } else {
      this.byAddress.set(addressKey, count - 1);
    }
  }
}
