// The endpoints the zone index never holds — not ready, in FQDN slices, or with an address that is
// not an IP — kept aside for /debug/explain. The zone drops them at ingestion (answers never need
// them), so this tap between the source and the zone keeps just those, per service; a slice whose
// endpoints are all published costs nothing here.
import { canonicalIP } from '../../cluster/ip.js';
import type { ClusterSink } from '../../cluster/source.js';
import type { ClusterObject, ObjectKind, SlimEndpointSlice } from '../../cluster/types.js';

export type LeftOutReason = 'not ready' | 'FQDN slice' | 'not an IP address';

export interface LeftOutEndpoint {
  readonly slice: string;
  readonly addressType: SlimEndpointSlice['addressType'];
  readonly addresses: readonly string[];
  readonly reason: LeftOutReason;
  readonly hostname?: string;
  readonly podName?: string;
}

function leftOut(slice: SlimEndpointSlice): LeftOutEndpoint[] {
  const result: LeftOutEndpoint[] = [];
  for (const endpoint of slice.endpoints) {
    const base = {
      slice: slice.name.toLowerCase(),
      addressType: slice.addressType,
      ...(endpoint.hostname !== undefined ? { hostname: endpoint.hostname } : {}),
      ...(endpoint.podName !== undefined ? { podName: endpoint.podName } : {}),
    };
    if (slice.addressType === 'FQDN') {
      result.push({ ...base, addresses: endpoint.addresses, reason: 'FQDN slice' });
    } else if (!endpoint.ready) {
      result.push({ ...base, addresses: endpoint.addresses, reason: 'not ready' });
    } else {
      const invalid = endpoint.addresses.filter((a) => canonicalIP(a) === null);
      if (invalid.length > 0) result.push({ ...base, addresses: invalid, reason: 'not an IP address' });
    }
  }
  return result;
}

export class Exclusions {
  /** `namespace/slice` → the service key and what the slice left out (only slices that left something out). */
  private readonly bySlice = new Map<string, { service: string; endpoints: LeftOutEndpoint[] }>();
  /** `namespace/service` → its slice keys held in bySlice. */
  private readonly byService = new Map<string, Set<string>>();

  /** A sink that records what slices leave out and hands everything on to `target`. */
  tap(target: ClusterSink): ClusterSink {
    return {
      upsert: (object) => {
        if (object.kind === 'endpointslice') this.set(object.obj);
        target.upsert(object);
      },
      remove: (kind, namespace, name) => {
        if (kind === 'endpointslice') this.drop(`${(namespace ?? '').toLowerCase()}/${name.toLowerCase()}`);
        target.remove(kind, namespace, name);
      },
      replace: (kind: ObjectKind, objects: readonly ClusterObject[]) => {
        if (kind === 'endpointslice') {
          this.bySlice.clear();
          this.byService.clear();
          for (const object of objects) if (object.kind === 'endpointslice') this.set(object.obj);
        }
        target.replace(kind, objects);
      },
      markSynced: (kind) => target.markSynced(kind),
    };
  }

  /** What the slices of `namespace/service` (lower case) left out, in slice order of arrival. */
  forService(namespace: string, service: string): LeftOutEndpoint[] {
    const slices = this.byService.get(`${namespace}/${service}`);
    if (slices === undefined) return [];
    return [...slices].flatMap((key) => this.bySlice.get(key)?.endpoints ?? []);
  }

  private set(slice: SlimEndpointSlice): void {
    const key = `${slice.namespace.toLowerCase()}/${slice.name.toLowerCase()}`;
    this.drop(key);
    const endpoints = leftOut(slice);
    if (endpoints.length === 0) return;
    const service = `${slice.namespace.toLowerCase()}/${slice.serviceName.toLowerCase()}`;
    this.bySlice.set(key, { service, endpoints });
    let keys = this.byService.get(service);
    if (keys === undefined) this.byService.set(service, (keys = new Set()));
    keys.add(key);
  }

  private drop(key: string): void {
    const held = this.bySlice.get(key);
    if (held === undefined) return;
    this.bySlice.delete(key);
    const keys = this.byService.get(held.service);
    keys?.delete(key);
    if (keys?.size === 0) this.byService.delete(held.service);
  }
}
