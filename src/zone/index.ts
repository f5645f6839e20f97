// The zone index: the cluster objects DNS answers from, applied one event at a time.
// Each event touches one service's records (its view is rebuilt from its own slices only), the
// reverse maps of the addresses it gained or lost, and the generation keys of exactly those.
import type { ClusterSink } from '../cluster/source.js';
import type { ClusterObject, ObjectKind, SlimEndpointSlice, SlimPod, SlimService } from '../cluster/types.js';
import type { Logger } from '../logger.js';
import type { Generations } from '../resolve/message.js';
import { GenerationTable } from './generations.js';
import { SOA_GENERATION_KEY } from './keys.js';
import { NamespaceIndex } from './namespaces.js';
import { PodIndex } from './pods.js';
import { toServiceRecord, toSliceRecord, type EndpointOwner, type ServiceRecord } from './records.js';
import { SoaSerial } from './serial.js';
import { ServiceTable } from './service-table.js';
import type { ServiceView } from './service-view.js';

export { ServiceView } from './service-view.js';
export { labelAt, zoneAt } from './records.js';
export type { EndpointOwner, PortRecord, ServiceRecord, SliceRecord } from './records.js';
export { ipGenerationKey, podGenerationKey, serviceGenerationKey, SOA_GENERATION_KEY } from './keys.js';

export interface ZoneIndexOptions {
  /** --endpoint-pod-names: label endpoints without a hostname by their pod name. */
  readonly endpointPodNames: boolean;
  /** Kinds whose first complete list must arrive before the index counts as synced. */
  readonly requiredKinds: readonly ObjectKind[];
  readonly logger?: Logger;
  /** Clock in milliseconds since the Unix epoch, for the SOA serial (tests inject one). */
  readonly now?: () => number;
}

/** One applied change, for DNS-programming-latency and change metrics. */
export interface ZoneChange {
  /** `namespace/name` of each service whose answers changed (empty for namespace and pod changes). */
  readonly serviceKeys: string[];
  /** The slice's last-change-trigger-time (ms since the epoch), when the change came with one. */
  readonly triggerTime?: number;
}

export interface ZoneCounts {
  readonly services: number;
  readonly slices: number;
  /** Ready endpoint addresses over all slices. */
  readonly endpoints: number;
  readonly namespaces: number;
  readonly pods: number;
}

export class ZoneIndex implements ClusterSink, Generations {
  private readonly services: ServiceTable;
  private readonly pods = new PodIndex();
  private readonly namespaces: NamespaceIndex;
  private readonly generations = new GenerationTable();
  private readonly soaSerial: SoaSerial;
  private readonly syncedKinds = new Set<ObjectKind>();
  private readonly listeners = new Set<(change: ZoneChange) => void>();
  private forced = false;

  constructor(private readonly options: ZoneIndexOptions) {
    this.namespaces = new NamespaceIndex(options.requiredKinds.includes('namespace'));
    this.services = new ServiceTable(this.generations, this.namespaces);
    this.soaSerial = new SoaSerial(options.now ?? Date.now);
  }

  // --- what the resolver reads -------------------------------------------------------------

  get epoch(): number {
    return this.generations.epoch;
  }

  get version(): number {
    return this.generations.version;
  }

  generation(key: string): number {
    return this.generations.generation(key);
  }

  /** Every required kind has had its first complete list, or the startup timeout forced it. */
  get synced(): boolean {
    if (this.forced) return true;
    for (const kind of this.options.requiredKinds) if (!this.syncedKinds.has(kind)) return false;
    return true;
  }

  /** The startup timeout elapsed: serve as synced from now on. */
  forceSynced(): void {
    this.withSyncChange(() => {
      this.forced = true;
    });
  }

  /** SOA serial: Unix seconds of the last change relevant to DNS. */
  get serial(): number {
    return this.soaSerial.current;
  }

  /** The view of `namespace/name` (both lower case), also when only its slices are known. */
  service(namespace: string, name: string): ServiceView | undefined {
    return this.services.view(`${namespace}/${name}`);
  }

  /** Every Service with its view, in no particular order (zone transfers sort them). */
  serviceViews(): Iterable<ServiceView> {
    return this.services.views();
  }

  namespaceExists(namespace: string): boolean {
    return this.namespaces.exists(namespace);
  }

  clusterIPOwners(canonicalIP: string): readonly ServiceRecord[] {
    return this.services.reverse.clusterIPOwners(canonicalIP);
  }

  endpointOwners(canonicalIP: string): readonly EndpointOwner[] {
    return this.services.reverse.endpointOwners(canonicalIP);
  }

  hasPod(namespace: string, canonicalIP: string): boolean {
    return this.pods.has(namespace, canonicalIP);
  }

  counts(): ZoneCounts {
    return {
      services: this.services.serviceCount,
      slices: this.services.sliceCount,
      endpoints: this.services.endpointCount,
      namespaces: this.namespaces.size,
      pods: this.pods.size,
    };
  }

  /** Calls `listener` after every applied change; returns a function that unsubscribes it. */
  onChange(listener: (change: ZoneChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // --- ClusterSink ---------------------------------------------------------------------------

  upsert(object: ClusterObject): void {
    this.guard('upsert', () => this.apply(object));
  }

  remove(kind: ObjectKind, namespace: string | undefined, name: string): void {
    this.guard('remove', () => this.removeOne(kind, (namespace ?? '').toLowerCase(), name.toLowerCase()));
  }

  replace(kind: ObjectKind, objects: readonly ClusterObject[]): void {
    this.guard('replace', () => {
      const keep = new Set<string>();
      for (const object of objects) {
        if (object.kind !== kind) continue;
        this.apply(object);
        keep.add(heldKey(object));
      }
      for (const key of [...this.heldKeys(kind)]) {
        if (keep.has(key)) continue;
        const slash = key.indexOf('/');
        this.removeOne(kind, slash === -1 ? '' : key.slice(0, slash), key.slice(slash + 1));
      }
    });
  }

  markSynced(kind: ObjectKind): void {
    this.withSyncChange(() => {
      this.syncedKinds.add(kind);
    });
  }

  // --- applying events -----------------------------------------------------------------------

  private apply(object: ClusterObject): void {
    switch (object.kind) {
      case 'service':
        return this.applyService(object.obj);
      case 'endpointslice':
        return this.applySlice(object.obj);
      case 'namespace':
        if (this.namespaces.upsert(object.obj)) this.globalChange();
        return;
      case 'pod':
        return this.applyPod(object.obj);
    }
  }

  private removeOne(kind: ObjectKind, namespace: string, name: string): void {
    switch (kind) {
      case 'service':
        return this.changed(this.services.setService(namespace, name, undefined));
      case 'endpointslice':
        return this.changed(this.services.setSlice(`${namespace}/${name}`, undefined));
      case 'namespace':
        if (this.namespaces.remove(name)) this.globalChange();
        return;
      case 'pod':
        if (this.pods.remove(namespace, name, (key) => this.podAddressChanged(key))) this.changed(null);
        return;
    }
  }

  private applyService(s: SlimService): void {
    const record = toServiceRecord(s);
    this.changed(this.services.setService(record.namespace, record.name, record));
  }

  private applySlice(slice: SlimEndpointSlice): void {
    const record = toSliceRecord(slice, this.options.endpointPodNames);
    // FQDN slices publish nothing; one that replaces a held slice of the same name removes it.
    const next = slice.addressType === 'FQDN' ? undefined : record;
    this.changed(this.services.setSlice(`${record.namespace}/${record.name}`, next), slice.triggerTime);
  }

  private applyPod(pod: SlimPod): void {
    if (this.pods.upsert(pod, (key) => this.podAddressChanged(key))) this.changed(null);
  }

  private podAddressChanged(addressKey: string): void {
    this.generations.podAddress(addressKey, this.pods.hasAddressKey(addressKey));
  }

  private globalChange(): void {
    this.generations.bumpEpoch();
    this.changed(null);
  }

  /** After an event: `serviceKeys` changed (empty = nothing did), or null for a non-service change. */
  private changed(serviceKeys: string[] | null, triggerTime?: number): void {
    if (serviceKeys !== null && serviceKeys.length === 0) return;
    serviceKeys ??= [];
    this.soaSerial.touch();
    this.generations.bump(SOA_GENERATION_KEY);
    if (this.listeners.size === 0) return;
    const change: ZoneChange = triggerTime === undefined ? { serviceKeys } : { serviceKeys, triggerTime };
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        this.options.logger?.error({ err }, 'zone change listener failed');
      }
    }
  }

  private withSyncChange(action: () => void): void {
    const before = this.synced;
    action();
    if (this.synced !== before) this.generations.bumpEpoch();
  }

  private *heldKeys(kind: ObjectKind): Iterable<string> {
    switch (kind) {
      case 'service':
        yield* this.services.serviceKeys();
        return;
      case 'endpointslice':
        yield* this.services.sliceKeys();
        return;
      case 'namespace':
        yield* this.namespaces.names();
        return;
      case 'pod':
        yield* this.pods.names();
        return;
    }
  }

  /** A malformed object from a source is logged and dropped; it never breaks the caller's loop. */
  private guard(operation: string, action: () => void): void {
    try {
      action();
    } catch (err) {
      this.options.logger?.error({ err, operation }, 'zone index could not apply a cluster event');
    }
  }
}

/** The key an object is held under (lower-case `namespace/name`, or `name` for namespaces). */
function heldKey(object: ClusterObject): string {
  if (object.kind === 'namespace') return object.obj.name.toLowerCase();
  return `${object.obj.namespace.toLowerCase()}/${object.obj.name.toLowerCase()}`;
}
