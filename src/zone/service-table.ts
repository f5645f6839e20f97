// Services and their EndpointSlices: one entry per service, its view rebuilt from its own slices
// only, and the reverse maps and generation keys moved to match each change.
import type { GenerationTable } from './generations.js';
import { serviceGenerationKey } from './keys.js';
import type { NamespaceIndex } from './namespaces.js';
import { sameService, sameSlice, type ServiceRecord, type SliceRecord } from './records.js';
import { ReverseIndex, type OwnerEntry } from './reverse-index.js';
import { ServiceView } from './service-view.js';

interface ServiceEntry {
  service: ServiceRecord | undefined;
  /** This service as the owner of endpoint addresses labelled by their dashed IP (shared). */
  readonly owner: OwnerEntry;
  /** By slice name; Map order is arrival order and survives updates. */
  readonly slices: Map<string, SliceRecord>;
  view: ServiceView;
}

export class ServiceTable {
  readonly reverse = new ReverseIndex();
  /** By lower-case `namespace/name`; an entry exists while its Service or any of its slices does. */
  private readonly entries = new Map<string, ServiceEntry>();
  /** By lower-case `namespace/sliceName`. */
  private readonly slices = new Map<string, SliceRecord>();
  private serviceTotal = 0;
  private endpointTotal = 0;

  constructor(private readonly generations: GenerationTable, private readonly namespaces: NamespaceIndex) {}

  view(key: string): ServiceView | undefined {
    return this.entries.get(key)?.view;
  }

  get serviceCount(): number {
    return this.serviceTotal;
  }

  get sliceCount(): number {
    return this.slices.size;
  }

  /** Ready endpoint addresses over all slices. */
  get endpointCount(): number {
    return this.endpointTotal;
  }

  *serviceKeys(): Iterable<string> {
    for (const [key, entry] of this.entries) if (entry.service !== undefined) yield key;
  }

  /** Every view whose Service is known (slices without their Service are left out). */
  *views(): Iterable<ServiceView> {
    for (const entry of this.entries.values()) if (entry.service !== undefined) yield entry.view;
  }

  sliceKeys(): Iterable<string> {
    return this.slices.keys();
  }

  /** Sets (or with `next` undefined removes) a Service; returns the changed service keys. */
  setService(namespace: string, name: string, next: ServiceRecord | undefined): string[] {
    const key = `${namespace}/${name}`;
    const existing = this.entries.get(key);
    const before = existing?.service;
    if (before === undefined && next === undefined) return [];
    if (before !== undefined && next !== undefined && sameService(before, next)) return [];
    const entry = existing ?? this.createEntry(namespace, name);
    entry.service = next;
    this.reverse.updateClusterIPs(before, next, (ip) => this.addressChanged(ip));
    if (before === undefined || next === undefined) {
      const delta = next === undefined ? -1 : 1;
      this.serviceTotal += delta;
      if (this.namespaces.countService(namespace, delta)) this.generations.bumpEpoch();
    }
    this.rebuild(key, entry);
    return [key];
  }

  /** Sets (or with `next` undefined removes) a slice; returns the changed service keys. */
  setSlice(key: string, next: SliceRecord | undefined): string[] {
    const before = this.slices.get(key);
    if (before === undefined && next === undefined) return [];
    if (before !== undefined && next !== undefined && sameSlice(before, next)) return [];
    if (next === undefined) this.slices.delete(key);
    else this.slices.set(key, next);
    const serviceKeys: string[] = [];
    // A slice whose service-name label changed leaves its old service.
    if (before !== undefined && (next === undefined || next.serviceName !== before.serviceName)) {
      const oldKey = `${before.namespace}/${before.serviceName}`;
      const oldEntry = this.entries.get(oldKey);
      if (oldEntry !== undefined) {
        oldEntry.slices.delete(before.name);
        this.rebuild(oldKey, oldEntry);
        serviceKeys.push(oldKey);
      }
    }
    if (next !== undefined) {
      const newKey = `${next.namespace}/${next.serviceName}`;
      const entry = this.entries.get(newKey) ?? this.createEntry(next.namespace, next.serviceName);
      entry.slices.set(next.name, next);
      this.rebuild(newKey, entry);
      serviceKeys.push(newKey);
    }
    return serviceKeys;
  }

  private createEntry(namespace: string, name: string): ServiceEntry {
    const view = new ServiceView(namespace, name, serviceGenerationKey(namespace, name), undefined, []);
    const entry: ServiceEntry = { service: undefined, owner: { namespace, service: name, label: null }, slices: new Map(), view };
    this.entries.set(`${namespace}/${name}`, entry);
    return entry;
  }

  /** Replaces the entry's view and moves the reverse maps and generations to match it. */
  private rebuild(key: string, entry: ServiceEntry): void {
    const old = entry.view;
    const view = new ServiceView(old.namespace, old.name, old.generationKey, entry.service, [...entry.slices.values()]);
    if (!sameSliceList(old.slices, view.slices)) {
      this.reverse.updateEndpoints(entry.owner, old.labelsByAddress(), view.labelsByAddress(), (ip) => this.addressChanged(ip));
    }
    this.endpointTotal += view.readyCount - old.readyCount;
    entry.view = view;
    if (entry.service === undefined && entry.slices.size === 0) {
      this.entries.delete(key);
      this.generations.forget(view.generationKey);
    } else {
      this.generations.bump(view.generationKey);
    }
  }

  private addressChanged(ip: string): void {
    this.generations.address(ip, this.reverse.isOwned(ip));
  }
}

function sameSliceList(a: readonly SliceRecord[], b: readonly SliceRecord[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
