// One Service as the resolver sees it: the Service record plus the ready endpoints of all its slices.
// A view is immutable and replaced whenever the service or one of its slices changes, so the
// indexes it builds lazily (distinct addresses, endpoint labels) can be cached on it safely.
import { isIPv6 } from '../cluster/ip.js';
import { explicitLabelAt, labelAt, type ServiceRecord, type SliceRecord } from './records.js';

export class ServiceView {
  /** Total ready addresses over all slices, duplicates across slices included. */
  readonly readyCount: number;
  /** `[generationKey]`, shared by every answer about this service (no allocation per query). */
  readonly dependencies: readonly string[];
  private distinct: { ipv4: readonly string[]; ipv6: readonly string[] } | undefined;
  private byLabel: Map<string, string[]> | undefined;

  constructor(
    readonly namespace: string,
    readonly name: string,
    /** The generation key every answer about this service depends on. */
    readonly generationKey: string,
    /** undefined while only slices are known (they still give endpoint PTRs, as in CoreDNS). */
    readonly service: ServiceRecord | undefined,
    /** Slices in arrival order (CoreDNS answers in slice order, then address order). */
    readonly slices: readonly SliceRecord[],
  ) {
    let count = 0;
    for (const slice of slices) count += slice.addresses.length;
    this.readyCount = count;
    this.dependencies = [generationKey];
  }

  /** Distinct ready IPv4 endpoint addresses, first-seen order. */
  get endpointIPv4(): readonly string[] {
    return (this.distinct ??= this.splitDistinct()).ipv4;
  }

  /** Distinct ready IPv6 endpoint addresses, first-seen order. */
  get endpointIPv6(): readonly string[] {
    return (this.distinct ??= this.splitDistinct()).ipv6;
  }

  /** Distinct addresses of the ready endpoints answering under `label` (lower case), if any. */
  addressesForLabel(label: string): readonly string[] | undefined {
    if (this.byLabel === undefined) {
      const index = new Map<string, string[]>();
      for (const slice of this.slices) {
        for (let i = 0; i < slice.addresses.length; i++) {
          const key = labelAt(slice, i);
          const address = slice.addresses[i] ?? '';
          const list = index.get(key);
          if (list === undefined) index.set(key, [address]);
          else if (!list.includes(address)) list.push(address);
        }
      }
      this.byLabel = index;
    }
    return this.byLabel.get(label);
  }

  /**
   * address → distinct explicit labels it has in this service, null standing for the dashed-IP
   * default (for reverse-map diffs; not cached).
   */
  labelsByAddress(): Map<string, (string | null)[]> {
    const result = new Map<string, (string | null)[]>();
    for (const slice of this.slices) {
      for (let i = 0; i < slice.addresses.length; i++) {
        const address = slice.addresses[i] ?? '';
        const label = explicitLabelAt(slice, i);
        const labels = result.get(address);
        if (labels === undefined) result.set(address, [label]);
        else if (!labels.includes(label)) labels.push(label);
      }
    }
    return result;
  }

  private splitDistinct(): { ipv4: readonly string[]; ipv6: readonly string[] } {
    const seen = new Set<string>();
    const ipv4: string[] = [];
    const ipv6: string[] = [];
    for (const slice of this.slices) {
      for (const address of slice.addresses) {
        if (seen.has(address)) continue;
        seen.add(address);
        (isIPv6(address) ? ipv6 : ipv4).push(address);
      }
    }
    return { ipv4, ipv6 };
  }
}
