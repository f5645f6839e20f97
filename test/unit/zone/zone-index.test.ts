// The zone index applies cluster events incrementally and bumps exactly the generations whose
// answers changed.
import { describe, expect, it } from 'vitest';
import type { ClusterObject, SlimEndpoint, SlimEndpointSlice, SlimService } from '../../../src/cluster/types.js';
import { ZoneIndex, type ZoneChange } from '../../../src/zone/index.js';

function service(name: string, clusterIPs: string[], extra: Partial<SlimService> = {}): ClusterObject {
  return {
    kind: 'service',
    obj: {
      namespace: 'ns', name, kind: clusterIPs.length ? 'ClusterIP' : 'Headless', clusterIPs,
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }], hasSelector: true, ...extra,
    },
  };
}

function endpoint(address: string, extra: Partial<SlimEndpoint> = {}): SlimEndpoint {
  return { addresses: [address], ready: true, ...extra };
}

function slice(name: string, serviceName: string, endpoints: SlimEndpoint[], extra: Partial<SlimEndpointSlice> = {}): ClusterObject {
  return {
    kind: 'endpointslice',
    obj: {
      namespace: 'ns', name, serviceName, addressType: 'IPv4',
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }], endpoints, ...extra,
    },
  };
}

function newIndex(options: Partial<ConstructorParameters<typeof ZoneIndex>[0]> = {}): { index: ZoneIndex; clock: { ms: number } } {
  const clock = { ms: 1_700_000_000_000 };
  const index = new ZoneIndex({ endpointPodNames: false, requiredKinds: ['service', 'endpointslice'], now: () => clock.ms, ...options });
  return { index, clock };
}

/** Snapshot of the generations of `keys`, to compare before and after an event. */
function generations(index: ZoneIndex, keys: string[]): Record<string, number> {
  return Object.fromEntries(keys.map((k) => [k, index.generation(k)]));
}

describe('ZoneIndex', () => {
  it('treats an upsert of content equal to what it holds as a no-op', () => {
    const { index, clock } = newIndex();
    index.upsert(service('web', ['10.0.0.1']));
    index.upsert(slice('web-a', 'web', [endpoint('10.1.0.1')]));
    const keys = ['svc:ns/web', 'ip:10.0.0.1', 'ip:10.1.0.1', 'soa'];
    const before = generations(index, keys);
    const serial = index.serial;
    const epoch = index.epoch;
    const changes: ZoneChange[] = [];
    index.onChange((c) => changes.push(c));
    clock.ms += 10_000;

    index.upsert(service('web', ['10.0.0.1']));
    index.upsert(slice('web-a', 'web', [endpoint('10.1.0.1'), endpoint('10.1.0.9', { ready: false })]));

    expect(generations(index, keys)).toEqual(before);
    expect(index.serial).toBe(serial);
    expect(index.epoch).toBe(epoch);
    expect(changes).toEqual([]);
  });

  it('bumps the service key and exactly the IPs a service gained or lost', () => {
    const { index } = newIndex();
    index.upsert(service('web', ['10.0.0.1']));
    index.upsert(service('db', ['10.0.0.2']));
    index.upsert(slice('web-a', 'web', [endpoint('10.1.0.1'), endpoint('10.1.0.2')]));
    const keys = ['svc:ns/web', 'svc:ns/db', 'ip:10.0.0.1', 'ip:10.0.0.2', 'ip:10.1.0.1', 'ip:10.1.0.2', 'ip:10.1.0.3'];
    const before = generations(index, keys);

    index.upsert(slice('web-a', 'web', [endpoint('10.1.0.1'), endpoint('10.1.0.3')]));

    const after = generations(index, keys);
    const bumped = keys.filter((k) => after[k] !== before[k]);
    expect(bumped.sort()).toEqual(['ip:10.1.0.2', 'ip:10.1.0.3', 'svc:ns/web']);
    expect(after['ip:10.1.0.2']).toBe(0); // no owner left: the key is forgotten
  });

  it('bumps an endpoint IP when only its label changes', () => {
    const { index } = newIndex();
    index.upsert(slice('web-a', 'web', [endpoint('10.1.0.1')]));
    const before = index.generation('ip:10.1.0.1');
    index.upsert(slice('web-a', 'web', [endpoint('10.1.0.1', { hostname: 'web-0' })]));
    expect(index.generation('ip:10.1.0.1')).toBeGreaterThan(before);
    expect(index.endpointOwners('10.1.0.1')).toEqual([{ namespace: 'ns', service: 'web', label: 'web-0' }]);
  });

  it('never reuses a generation number for a key that disappears and comes back', () => {
    const { index } = newIndex();
    index.upsert(service('web', ['10.0.0.1']));
    const first = index.generation('svc:ns/web');
    index.remove('service', 'ns', 'web');
    expect(index.generation('svc:ns/web')).toBe(0);
    index.upsert(service('web', ['10.0.0.1']));
    expect(index.generation('svc:ns/web')).toBeGreaterThan(first);
  });

  it('replace applies the difference: missing objects are removed, equal ones untouched', () => {
    const { index } = newIndex();
    index.upsert(service('web', ['10.0.0.1']));
    index.upsert(service('old', ['10.0.0.9']));
    const webGeneration = index.generation('svc:ns/web');

    index.replace('service', [service('web', ['10.0.0.1']), service('new', ['10.0.0.3'])]);

    expect(index.service('ns', 'old')).toBeUndefined();
    expect(index.clusterIPOwners('10.0.0.9')).toEqual([]);
    expect(index.service('ns', 'new')?.service?.clusterIPs).toEqual(['10.0.0.3']);
    expect(index.generation('svc:ns/web')).toBe(webGeneration);
    expect(index.counts().services).toBe(2);
  });

  it('merges IPv4 and IPv6 slices, keeps only ready endpoints and ignores FQDN slices', () => {
    const { index } = newIndex();
    index.upsert(service('hdls', []));
    index.upsert(slice('hdls-v4', 'hdls', [endpoint('10.1.0.1'), endpoint('10.1.0.2', { ready: false })]));
    index.upsert(slice('hdls-v6', 'hdls', [endpoint('fd00:0:0:0:0:0:0:1')], { addressType: 'IPv6' }));
    index.upsert(slice('hdls-fqdn', 'hdls', [endpoint('example.com')], { addressType: 'FQDN' }));
    // Controller skew: the same address in two slices counts once.
    index.upsert(slice('hdls-dup', 'hdls', [endpoint('10.1.0.1')]));

    const view = index.service('ns', 'hdls');
    expect(view?.endpointIPv4).toEqual(['10.1.0.1']);
    expect(view?.endpointIPv6).toEqual(['fd00::1']);
    expect(view?.addressesForLabel('fd00--1')).toEqual(['fd00::1']);
    expect(index.counts()).toMatchObject({ services: 1, slices: 3, endpoints: 3 });
  });

  it('labels endpoints by pod name only with endpointPodNames', () => {
    const withNames = newIndex({ endpointPodNames: true }).index;
    const without = newIndex().index;
    for (const index of [withNames, without]) index.upsert(slice('s', 'web', [endpoint('10.1.0.1', { podName: 'Web-7f9c' })]));
    expect(withNames.service('ns', 'web')?.addressesForLabel('web-7f9c')).toEqual(['10.1.0.1']);
    expect(without.service('ns', 'web')?.addressesForLabel('10-1-0-1')).toEqual(['10.1.0.1']);
  });

  it('keeps one reverse entry per label an address has in a service', () => {
    const { index } = newIndex();
    index.upsert(slice('a', 'web', [endpoint('10.1.0.1', { hostname: 'web-0' })]));
    index.upsert(slice('b', 'web', [endpoint('10.1.0.1')]));
    index.upsert(slice('c', 'db', [endpoint('10.1.0.1')]));
    expect(index.endpointOwners('10.1.0.1')).toEqual([
      { namespace: 'ns', service: 'web', label: 'web-0' },
      { namespace: 'ns', service: 'web', label: '10-1-0-1' },
      { namespace: 'ns', service: 'db', label: '10-1-0-1' },
    ]);
    index.remove('endpointslice', 'ns', 'a');
    index.remove('endpointslice', 'ns', 'c');
    expect(index.endpointOwners('10.1.0.1')).toEqual([{ namespace: 'ns', service: 'web', label: '10-1-0-1' }]);
  });

  it('drops a held slice that comes back as an FQDN slice', () => {
    const { index } = newIndex();
    index.upsert(slice('s', 'web', [endpoint('10.1.0.1')]));
    index.upsert(slice('s', 'web', [endpoint('example.com')], { addressType: 'FQDN' }));
    expect(index.counts()).toMatchObject({ slices: 0, endpoints: 0 });
    expect(index.endpointOwners('10.1.0.1')).toEqual([]);
  });

  it('moves a slice whose service-name label changed to its new service', () => {
    const { index } = newIndex();
    index.upsert(slice('s', 'a', [endpoint('10.1.0.1')]));
    index.upsert(slice('s', 'b', [endpoint('10.1.0.1')]));
    expect(index.service('ns', 'a')).toBeUndefined();
    expect(index.service('ns', 'b')?.readyCount).toBe(1);
    expect(index.endpointOwners('10.1.0.1')).toEqual([{ namespace: 'ns', service: 'b', label: '10-1-0-1' }]);
  });

  it('keeps cluster-IP owners in insertion order (the first owner answers PTR)', () => {
    const { index } = newIndex();
    index.upsert(service('first', ['10.0.0.1']));
    index.upsert(service('second', ['10.0.0.1']));
    index.upsert(service('first', ['10.0.0.1'], { ports: [] })); // an update keeps its place
    expect(index.clusterIPOwners('10.0.0.1').map((s) => s.name)).toEqual(['first', 'second']);
    index.remove('service', 'ns', 'first');
    expect(index.clusterIPOwners('10.0.0.1').map((s) => s.name)).toEqual(['second']);
  });

  it('reports changed services with the slice trigger time', () => {
    const { index } = newIndex();
    const changes: ZoneChange[] = [];
    const unsubscribe = index.onChange((c) => changes.push(c));
    index.upsert(slice('web-a', 'web', [endpoint('10.1.0.1')], { triggerTime: 1234 }));
    index.upsert(service('web', ['10.0.0.1']));
    unsubscribe();
    index.remove('service', 'ns', 'web');
    expect(changes).toEqual([{ serviceKeys: ['ns/web'], triggerTime: 1234 }, { serviceKeys: ['ns/web'] }]);
  });

  it('sets the SOA serial to the Unix second of the last change, never backwards', () => {
    const { index, clock } = newIndex();
    expect(index.serial).toBe(1_700_000_000);
    clock.ms += 42_000;
    index.upsert(service('web', ['10.0.0.1']));
    expect(index.serial).toBe(1_700_000_042);
    clock.ms -= 100_000;
    index.upsert(service('db', ['10.0.0.2']));
    expect(index.serial).toBe(1_700_000_042);
  });

  it('is synced once every required kind is, or when forced, moving the epoch', () => {
    const { index } = newIndex();
    index.markSynced('service');
    expect(index.synced).toBe(false);
    const epoch = index.epoch;
    index.markSynced('endpointslice');
    expect(index.synced).toBe(true);
    expect(index.epoch).toBeGreaterThan(epoch);

    const other = newIndex().index;
    other.forceSynced();
    expect(other.synced).toBe(true);
    expect(other.epoch).toBeGreaterThan(0);
  });

  it('moves the epoch when a watched namespace appears, is relabelled or goes', () => {
    const { index } = newIndex({ requiredKinds: ['service', 'namespace'] });
    const ns = (labels: Record<string, string>): ClusterObject => ({ kind: 'namespace', obj: { name: 'team', labels } });
    index.upsert(ns({}));
    const added = index.epoch;
    expect(index.namespaceExists('team')).toBe(true);
    index.upsert(ns({}));
    expect(index.epoch).toBe(added);
    index.upsert(ns({ tier: 'gold' }));
    expect(index.epoch).toBeGreaterThan(added);
    const relabelled = index.epoch;
    index.replace('namespace', []);
    expect(index.namespaceExists('team')).toBe(false);
    expect(index.epoch).toBeGreaterThan(relabelled);
  });

  it('without a namespace watch, a namespace exists while it holds a service', () => {
    const { index } = newIndex();
    expect(index.namespaceExists('ns')).toBe(false);
    index.upsert(service('web', ['10.0.0.1']));
    expect(index.namespaceExists('ns')).toBe(true);
    index.remove('service', 'ns', 'web');
    expect(index.namespaceExists('ns')).toBe(false);
  });

  it('tracks active pods by namespace and IP, bumping only that pod key', () => {
    const { index } = newIndex({ requiredKinds: ['pod'] });
    const pod = (name: string, podIP: string, active = true): ClusterObject => ({ kind: 'pod', obj: { namespace: 'ns', name, podIP, active } });
    index.upsert(pod('a', '10.2.0.1'));
    index.upsert(pod('b', '10.2.0.1')); // hostNetwork-style shared address
    const shared = index.generation('pod:ns/10.2.0.1');
    expect(index.hasPod('ns', '10.2.0.1')).toBe(true);
    index.remove('pod', 'ns', 'a');
    expect(index.generation('pod:ns/10.2.0.1')).toBe(shared);
    index.upsert(pod('b', '10.2.0.1', false)); // finished pods do not count
    expect(index.hasPod('ns', '10.2.0.1')).toBe(false);
    expect(index.generation('pod:ns/10.2.0.1')).toBe(0);
    expect(index.counts().pods).toBe(1);
  });

  it('logs and drops a malformed object instead of throwing at the source', () => {
    const errors: unknown[] = [];
    const logger = { error: (...args: unknown[]) => errors.push(args) } as unknown as NonNullable<ConstructorParameters<typeof ZoneIndex>[0]['logger']>;
    const { index } = newIndex({ logger });
    const broken = { kind: 'service', obj: { namespace: 'ns', name: 'x', kind: 'ClusterIP' } } as unknown as ClusterObject;
    expect(() => index.upsert(broken)).not.toThrow();
    expect(errors).toHaveLength(1);
  });
});
