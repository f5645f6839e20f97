// Address → owners, for PTR answers. Cluster IPs keep their owners in insertion order because the
// first owner alone answers; endpoint addresses keep one entry per (service, label).
// Memory matters here (one entry per endpoint address): an address with a single owner stores the
// owner itself rather than a one-element array, and owners labelled by the dashed-IP default share
// one object per service.
import { dashedIP } from './endpoint-label.js';
import type { EndpointOwner, ServiceRecord } from './records.js';

const NONE: readonly never[] = [];

/** A stored endpoint owner; `label` null = the address's dashed-IP default. */
export interface OwnerEntry {
  readonly namespace: string;
  readonly service: string;
  readonly label: string | null;
}

export class ReverseIndex {
  private readonly clusterIPs = new Map<string, ServiceRecord[]>();
  private readonly endpoints = new Map<string, OwnerEntry | OwnerEntry[]>();

  clusterIPOwners(ip: string): readonly ServiceRecord[] {
    return this.clusterIPs.get(ip) ?? NONE;
  }

  /** The services `ip` is a ready endpoint of, each with the label it answers under there. */
  endpointOwners(ip: string): readonly EndpointOwner[] {
    const stored = this.endpoints.get(ip);
    if (stored === undefined) return NONE;
    const list = Array.isArray(stored) ? stored : [stored];
    return list.map((o) => ({ namespace: o.namespace, service: o.service, label: o.label ?? dashedIP(ip) }));
  }

  /** Whether any service still claims `ip` (its generation can be forgotten otherwise). */
  isOwned(ip: string): boolean {
    return this.clusterIPs.has(ip) || this.endpoints.has(ip);
  }

  get endpointAddressCount(): number {
    return this.endpoints.size;
  }

  /**
   * Moves one service's cluster IPs from `before` to `after` (either may be undefined) and reports
   * each address whose owner list changed. A kept address keeps its place in the owner order.
   */
  updateClusterIPs(before: ServiceRecord | undefined, after: ServiceRecord | undefined, changed: (ip: string) => void): void {
    const oldIPs = before?.clusterIPs ?? NONE;
    const newIPs = after?.clusterIPs ?? NONE;
    const owner = before ?? after;
    if (owner === undefined) return;
    const sameOwner = (s: ServiceRecord): boolean => s.namespace === owner.namespace && s.name === owner.name;
    for (const ip of oldIPs) {
      const owners = this.clusterIPs.get(ip);
      if (owners === undefined) continue;
      const at = owners.findIndex(sameOwner);
      if (at === -1) continue;
      if (after !== undefined && newIPs.includes(ip)) {
        owners[at] = after;
        continue;
      }
      owners.splice(at, 1);
      if (owners.length === 0) this.clusterIPs.delete(ip);
      changed(ip);
    }
    if (after === undefined) return;
    for (const ip of newIPs) {
      if (oldIPs.includes(ip)) continue;
      const owners = this.clusterIPs.get(ip);
      if (owners === undefined) this.clusterIPs.set(ip, [after]);
      else owners.push(after);
      changed(ip);
    }
  }

  /**
   * Replaces one service's endpoint entries: `before`/`after` map each ready address to its
   * explicit labels there (null = dashed IP). `defaultOwner` is the service's shared entry for the
   * dashed-IP label. Reports each address whose (service, label) entries changed.
   */
  updateEndpoints(
    defaultOwner: OwnerEntry,
    before: ReadonlyMap<string, readonly (string | null)[]>,
    after: ReadonlyMap<string, readonly (string | null)[]>,
    changed: (ip: string) => void,
  ): void {
    for (const [ip, oldLabels] of before) {
      const newLabels = after.get(ip);
      if (newLabels !== undefined && sameLabels(oldLabels, newLabels)) continue;
      this.setOwners(ip, defaultOwner, newLabels ?? NONE);
      changed(ip);
    }
    for (const [ip, newLabels] of after) {
      if (before.has(ip)) continue;
      this.setOwners(ip, defaultOwner, newLabels);
      changed(ip);
    }
  }

  private setOwners(ip: string, defaultOwner: OwnerEntry, labels: readonly (string | null)[]): void {
    const { namespace, service } = defaultOwner;
    const stored = this.endpoints.get(ip);
    const kept: OwnerEntry[] = stored === undefined
      ? []
      : (Array.isArray(stored) ? stored : [stored]).filter((o) => o.namespace !== namespace || o.service !== service);
    for (const label of labels) kept.push(label === null ? defaultOwner : { namespace, service, label });
    if (kept.length === 0) this.endpoints.delete(ip);
    else {
      const [only] = kept;
      this.endpoints.set(ip, kept.length === 1 && only !== undefined ? only : kept);
    }
  }
}

function sameLabels(a: readonly (string | null)[], b: readonly (string | null)[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
