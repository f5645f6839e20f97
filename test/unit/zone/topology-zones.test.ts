// Each ready address keeps its endpoint's topology zone (for `zonal` names), and a zone change alone
// is a change of the service; the full service list is there for zone transfers.
import { describe, expect, it } from 'vitest';
import type { ClusterObject, SlimEndpoint } from '../../../src/cluster/types.js';
import { toSliceRecord, zoneAt } from '../../../src/zone/records.js';
import { ZoneIndex } from '../../../src/zone/index.js';

function sliceObject(endpoints: SlimEndpoint[]): ClusterObject {
  return {
    kind: 'endpointslice',
    obj: { namespace: 'ns', name: 'web-1', serviceName: 'web', addressType: 'IPv4', ports: null, endpoints },
  };
}

describe('topology zones of endpoints', () => {
  it('are kept per address, lower-cased, null where an endpoint names none', () => {
    const record = toSliceRecord({
      namespace: 'ns', name: 'web-1', serviceName: 'web', addressType: 'IPv4', ports: null,
      endpoints: [
        { addresses: ['10.0.0.1', '10.0.0.2'], ready: true, zone: 'EU-West-1a' },
        { addresses: ['10.0.0.3'], ready: true },
        { addresses: ['10.0.0.4'], ready: false, zone: 'eu-west-1b' },
      ],
    }, false);
    expect(record.addresses).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    expect([0, 1, 2].map((i) => zoneAt(record, i))).toEqual(['eu-west-1a', 'eu-west-1a', null]);
  });

  it('cost nothing when no endpoint names a zone', () => {
    const record = toSliceRecord({ namespace: 'ns', name: 'x', serviceName: 'web', addressType: 'IPv4', ports: null, endpoints: [{ addresses: ['10.0.0.1'], ready: true }] }, false);
    expect(record.zones).toBeNull();
  });

  it('moving an endpoint to another zone changes the service', () => {
    const index = new ZoneIndex({ endpointPodNames: false, requiredKinds: ['endpointslice'] });
    index.upsert(sliceObject([{ addresses: ['10.0.0.1'], ready: true, zone: 'a' }]));
    const before = index.generation('svc:ns/web');
    index.upsert(sliceObject([{ addresses: ['10.0.0.1'], ready: true, zone: 'a' }]));
    expect(index.generation('svc:ns/web')).toBe(before);
    index.upsert(sliceObject([{ addresses: ['10.0.0.1'], ready: true, zone: 'b' }]));
    expect(index.generation('svc:ns/web')).toBeGreaterThan(before);
    const view = index.service('ns', 'web');
    expect(view !== undefined && zoneAt(view.slices[0]!, 0)).toBe('b');
  });
});

describe('the service list', () => {
  it('holds every service whose Service object is known, not slices alone', () => {
    const index = new ZoneIndex({ endpointPodNames: false, requiredKinds: ['service', 'endpointslice'] });
    index.upsert({ kind: 'service', obj: { namespace: 'ns', name: 'api', kind: 'ClusterIP', clusterIPs: ['10.96.0.1'], ports: [], hasSelector: true } });
    index.upsert(sliceObject([{ addresses: ['10.0.0.1'], ready: true }]));
    expect([...index.serviceViews()].map((v) => `${v.namespace}/${v.name}`)).toEqual(['ns/api']);
  });
});
