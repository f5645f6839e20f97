// /debug/explain over a real zone index and resolver: which service and slices, which endpoints
// were answered and which were left out and why, and the resolver's own answer.
import { describe, expect, it } from 'vitest';
import { Exclusions } from '../../../src/admin/explain/exclusions.js';
import { explain, splitName, type ExplainDeps, type ExplainSettings } from '../../../src/admin/explain/explain.js';
import type { ClusterObject, SlimEndpoint } from '../../../src/cluster/types.js';
import { RRType } from '../../../src/resolve/message.js';
import { ClusterResolver } from '../../../src/resolve/resolver.js';
import { ZoneIndex } from '../../../src/zone/index.js';

const SETTINGS: ExplainSettings = {
  zones: ['cluster.local', 'in-addr.arpa'], namespaces: [], noEndpoints: false, pods: 'insecure', ignoreEmptyService: false, forwarding: true,
};

function service(name: string, kind: 'ClusterIP' | 'Headless', clusterIPs: string[] = []): ClusterObject {
  return { kind: 'service', obj: { namespace: 'shop', name, kind, clusterIPs, ports: [{ name: 'http', port: 80, protocol: 'TCP' }], hasSelector: true } };
}

function slice(name: string, serviceName: string, addressType: 'IPv4' | 'IPv6' | 'FQDN', endpoints: SlimEndpoint[]): ClusterObject {
  return {
    kind: 'endpointslice',
    obj: { namespace: 'shop', name, serviceName, addressType, ports: [{ name: 'http', port: 80, protocol: 'TCP' }], endpoints },
  };
}

function setUp(settings: Partial<ExplainSettings> = {}): { deps: ExplainDeps; exclusions: Exclusions } {
  const zone = new ZoneIndex({ endpointPodNames: false, requiredKinds: ['service', 'endpointslice'] });
  const exclusions = new Exclusions();
  const sink = exclusions.tap(zone);
  sink.replace('service', [service('db', 'Headless'), service('web', 'ClusterIP', ['10.96.0.5', 'fd00::5'])]);
  sink.replace('endpointslice', [
    slice('db-v4', 'db', 'IPv4', [
      { addresses: ['10.1.0.1'], ready: true, hostname: 'db-0' },
      { addresses: ['10.1.0.2'], ready: false, podName: 'db-1' },
    ]),
    slice('db-v6', 'db', 'IPv6', [{ addresses: ['fd00::1:1'], ready: true }]),
    slice('db-fqdn', 'db', 'FQDN', [{ addresses: ['db.example.com'], ready: true }]),
  ]);
  zone.markSynced('service');
  zone.markSynced('endpointslice');
  const all = { ...SETTINGS, ...settings };
  const resolver = new ClusterResolver(zone, {
    zones: [...all.zones], ttl: 5, pods: all.pods, namespaces: [...all.namespaces], ignoreEmptyService: all.ignoreEmptyService,
    noEndpoints: all.noEndpoints, fallthrough: null, nsAddresses: [],
  });
  return { deps: { zone, resolver: () => resolver, exclusions, settings: () => all }, exclusions };
}

const ask = (deps: ExplainDeps, name: string, type: number) => explain(deps, splitName(name)!, type);

describe('a headless service with a not-ready endpoint, an IPv6 endpoint and an FQDN slice', () => {
  it('A: answers the ready IPv4 endpoint, leaves out the IPv6 one (other family), the not-ready one and the FQDN slice', async () => {
    const { deps } = setUp();
    const e = await ask(deps, 'db.shop.svc.cluster.local', RRType.A);
    expect(e.zone).toBe('cluster.local.');
    expect(e.shape).toEqual({ kind: 'service', namespace: 'shop', service: 'db' });
    expect(e.namespace).toEqual({ name: 'shop', exists: true, allowed: true, exposed: true });
    expect(e.service).toMatchObject({ kind: 'Headless', hasSelector: true, ports: ['http/tcp/80'] });
    expect(e.slices?.map((s) => s.name)).toEqual(['db-v4', 'db-v6']);
    expect(e.endpoints?.source).toBe('endpoints');
    expect(e.endpoints?.answered).toEqual([{ address: '10.1.0.1', label: 'db-0', slice: 'db-v4' }]);
    expect(e.endpoints?.leftOut).toEqual(expect.arrayContaining([
      expect.objectContaining({ addresses: ['fd00::1:1'], reason: 'other address family', slice: 'db-v6' }),
      expect.objectContaining({ addresses: ['10.1.0.2'], reason: 'not ready', slice: 'db-v4', podName: 'db-1' }),
      expect.objectContaining({ addresses: ['db.example.com'], reason: 'FQDN slice', slice: 'db-fqdn' }),
    ]));
    expect(e.answer).toMatchObject({ rcode: 'NOERROR', authoritative: true, answer: ['db.shop.svc.cluster.local. 5 IN A 10.1.0.1'] });
  });

  it('AAAA: the IPv6 endpoint is answered and the IPv4 one is the other family', async () => {
    const { deps } = setUp();
    const e = await ask(deps, 'db.shop.svc.cluster.local.', RRType.AAAA);
    expect(e.endpoints?.answered).toEqual([{ address: 'fd00::1:1', label: 'fd00--1-1', slice: 'db-v6' }]);
    expect(e.endpoints?.leftOut).toEqual(expect.arrayContaining([expect.objectContaining({ addresses: ['10.1.0.1'], reason: 'other address family' })]));
    expect(e.answer?.answer).toEqual(['db.shop.svc.cluster.local. 5 IN AAAA fd00::1:1']);
  });

  it('an endpoint name answers only that endpoint; the others are named as other endpoints', async () => {
    const { deps } = setUp();
    const e = await ask(deps, 'db-0.db.shop.svc.cluster.local', RRType.A);
    expect(e.shape).toMatchObject({ kind: 'service', endpoint: 'db-0' });
    expect(e.endpoints?.answered).toEqual([{ address: '10.1.0.1', label: 'db-0', slice: 'db-v4' }]);
    expect(e.endpoints?.leftOut).toEqual(expect.arrayContaining([expect.objectContaining({ addresses: ['fd00::1:1'], reason: 'other endpoint name (fd00--1-1)' })]));
  });

  it('a namespace outside --namespaces leaves every endpoint out as filtered, and the answer is NXDOMAIN', async () => {
    const { deps } = setUp({ namespaces: ['other'] });
    const e = await ask(deps, 'db.shop.svc.cluster.local', RRType.A);
    expect(e.namespace).toMatchObject({ allowed: false, exposed: false });
    expect(e.endpoints?.answered).toEqual([]);
    expect(e.endpoints?.leftOut).toEqual(expect.arrayContaining([expect.objectContaining({ addresses: ['10.1.0.1'], reason: 'filtered namespace (not in --namespaces)' })]));
    expect(e.answer?.rcode).toBe('NXDOMAIN');
    expect(e.notes.join(' ')).toContain('not exposed');
  });
});

describe('other names', () => {
  it('a ClusterIP service answers its cluster IP of the asked family', async () => {
    const { deps } = setUp();
    const e = await ask(deps, 'web.shop.svc.cluster.local', RRType.A);
    expect(e.endpoints).toEqual({ source: 'cluster IP', answered: ['10.96.0.5'], leftOut: [{ addresses: ['fd00::5'], reason: 'other address family' }] });
    expect(e.answer?.answer).toEqual(['web.shop.svc.cluster.local. 5 IN A 10.96.0.5']);
  });

  it('SRV answers list the targets as dig prints them', async () => {
    const { deps } = setUp();
    const e = await ask(deps, '_http._tcp.web.shop.svc.cluster.local', RRType.SRV);
    expect(e.answer?.answer).toHaveLength(1);
    expect(e.answer?.answer[0]).toMatch(/^_http\._tcp\.web\.shop\.svc\.cluster\.local\. 5 IN SRV 0 \d+ 80 web\.shop\.svc\.cluster\.local\.$/);
  });

  it('a missing service says so, with the NXDOMAIN and its SOA', async () => {
    const { deps } = setUp();
    const e = await ask(deps, 'nope.shop.svc.cluster.local', RRType.A);
    expect(e.service).toBeNull();
    expect(e.notes).toContain('no service nope in namespace shop');
    expect(e.answer?.rcode).toBe('NXDOMAIN');
    expect(e.answer?.authority[0]).toMatch(/^cluster\.local\. 5 IN SOA ns\.dns\.cluster\.local\. /);
  });

  it('a name outside the zones goes to the forwarder (no authoritative answer)', async () => {
    const { deps } = setUp();
    const e = await ask(deps, 'example.com', RRType.A);
    expect(e.zone).toBeNull();
    expect(e.shape).toEqual({ kind: 'outside' });
    expect(e.answer).toBeNull();
    expect(e.notes[0]).toContain('forwarder');
  });

  it('a reverse name shows the address and the services that own it', async () => {
    const { deps } = setUp();
    const e = await ask(deps, '1.0.1.10.in-addr.arpa', RRType.PTR);
    expect(e.shape).toEqual({ kind: 'reverse', address: '10.1.0.1' });
    expect(e.owners).toEqual({ clusterIP: [], endpoint: ['db-0.db.shop'] });
    expect(e.answer?.answer).toEqual(['1.0.1.10.in-addr.arpa. 5 IN PTR db-0.db.shop.svc.cluster.local.']);
  });

  it('a pod name shows the address it stands for', async () => {
    const { deps } = setUp();
    const e = await ask(deps, '10-1-0-9.shop.pod.cluster.local', RRType.A);
    expect(e.pod).toEqual({ address: '10.1.0.9', mode: 'insecure' });
  });

  it('an invalid name is rejected by splitName', () => {
    expect(splitName('a..b')).toBeNull();
    expect(splitName(`${'x'.repeat(64)}.local`)).toBeNull();
    expect(splitName('.')).toEqual([]);
  });
});

describe('the exclusions tap', () => {
  it('forgets a slice when it is removed or becomes all ready', () => {
    const { exclusions } = setUp();
    const zone = new ZoneIndex({ endpointPodNames: false, requiredKinds: [] });
    const sink = exclusions.tap(zone);
    expect(exclusions.forService('shop', 'db')).toHaveLength(2);
    sink.upsert(slice('db-v4', 'db', 'IPv4', [{ addresses: ['10.1.0.2'], ready: true }]));
    expect(exclusions.forService('shop', 'db').map((e) => e.reason)).toEqual(['FQDN slice']);
    sink.remove('endpointslice', 'shop', 'db-fqdn');
    expect(exclusions.forService('shop', 'db')).toEqual([]);
  });
});
