// Address → owners, for PTR answers. Cluster IPs keep their owners in insertion order because the
// first owner alone answers; endpoint addresses keep one entry per (service, label).
import type { EndpointOwner, ServiceRecord } from './records.js';

const NONE: readonly never[] = [];

export class ReverseIndex {
  private readonly clusterIPs = new Map<string, ServiceRecord[]>();
  private readonly endpoints = new Map<string, EndpointOwner[]>();

  clusterIPOwners(ip: string): readonly ServiceRecord[] {
    return this.clusterIPs.get(ip) ?? NONE;
  }

  endpointOwners(ip: string): readonly EndpointOwner[] {
    return this.endpoints.get(ip) ?? NONE;
  }

  /** Whether any service still claims `ip` (its generation key can be forgotten otherwise). */
  isOwned(ip: string): boolean {
    return this.clusterIPs.has(ip) || this.endpoints.has(ip);
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
   * Replaces one service's endpoint entries: `before`/`after` map each ready address to its labels
   * there. Reports each address whose (service, label) entries changed.
   */
  updateEndpoints(
    namespace: string,
    service: string,
    before: ReadonlyMap<string, readonly string[]>,
    after: ReadonlyMap<string, readonly string[]>,
    changed: (ip: string) => void,
  ): void {
    for (const [ip, oldLabels] of before) {
      const newLabels = after.get(ip);
      if (newLabels !== undefined && sameLabels(oldLabels, newLabels)) continue;
      this.setOwners(ip, namespace, service, newLabels ?? NONE);
      changed(ip);
    }
    for (const [ip, newLabels] of after) {
      if (before.has(ip)) continue;
      this.setOwners(ip, namespace, service, newLabels);
      changed(ip);
    }
  }

  get endpointAddressCount(): number {
    return this.endpoints.size;
  }

  private setOwners(ip: string, namespace: string, service: string, labels: readonly string[]): void {
    const current = this.endpoints.get(ip);
    const kept: EndpointOwner[] = current === undefined
      ? []
      : current.filter((o) => o.namespace !== namespace || o.service !== service);
    for (const label of labels) kept.push({ namespace, service, label });
    if (kept.length === 0) this.endpoints.delete(ip);
    else this.endpoints.set(ip, kept);
  }
}

function sameLabels(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
