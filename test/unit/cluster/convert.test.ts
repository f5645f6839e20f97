import { describe, expect, it } from 'vitest';
import {
  toSlimEndpointSlice, toSlimNamespace, toSlimPod, toSlimService, type Converted,
} from '../../../src/cluster/convert.js';

function ok<T>(result: Converted<T>): T {
  if (result.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result.value;
}

function errorOf<T>(result: Converted<T>): string {
  if (result.status !== 'error') throw new Error(`expected an error, got ${JSON.stringify(result)}`);
  return result.error;
}

const service = (spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: 'quote', namespace: 'kiada' }) =>
  ({ apiVersion: 'v1', kind: 'Service', metadata, spec });

const slice = (fields: Record<string, unknown>, labels: Record<string, string> = { 'kubernetes.io/service-name': 'quote' }) => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
  metadata: { name: 'quote-abc', namespace: 'kiada', labels }, addressType: 'IPv4', ...fields,
});

describe('toSlimService', () => {
  it('keeps a ClusterIP service with its cluster IPs, ports and selector', () => {
    expect(ok(toSlimService(service({
      clusterIP: '10.96.161.97', clusterIPs: ['10.96.161.97'], selector: { app: 'quote' },
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }],
    })))).toEqual({
      namespace: 'kiada', name: 'quote', kind: 'ClusterIP', clusterIPs: ['10.96.161.97'],
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }], hasSelector: true,
    });
  });

  it('is headless when clusterIPs[0] is None', () => {
    expect(ok(toSlimService(service({ clusterIPs: ['None'] }))).kind).toBe('Headless');
    expect(ok(toSlimService(service({ clusterIP: 'None' })))).toMatchObject({ kind: 'Headless', clusterIPs: [] });
  });

  it('treats NodePort and LoadBalancer services as ClusterIP services', () => {
    expect(ok(toSlimService(service({ type: 'NodePort', clusterIP: '10.0.0.2' }))).kind).toBe('ClusterIP');
    expect(ok(toSlimService(service({ type: 'LoadBalancer', clusterIP: '10.0.0.3' }))).kind).toBe('ClusterIP');
  });

  it('keeps an ExternalName target lower-cased without the trailing dot', () => {
    expect(ok(toSlimService(service({ type: 'ExternalName', externalName: 'DB.Example.COM.' })))).toMatchObject({
      kind: 'ExternalName', externalName: 'db.example.com', clusterIPs: [],
    });
  });

  it('canonicalises IPv6 cluster IPs (compressed, lower case) in a dual-stack service', () => {
    expect(ok(toSlimService(service({ clusterIPs: ['10.0.0.3', 'FD00:0:0:0::A'] }))).clusterIPs).toEqual(['10.0.0.3', 'fd00::a']);
  });

  it('defaults the port protocol to TCP, the port name to empty and the namespace to default', () => {
    expect(ok(toSlimService(service({ clusterIP: '10.0.0.1', ports: [{ port: 53, protocol: 'udp' }, { port: 80 }] }, { name: 'x' }))))
      .toMatchObject({ namespace: 'default', ports: [{ name: '', port: 53, protocol: 'UDP' }, { name: '', port: 80, protocol: 'TCP' }], hasSelector: false });
  });

  it('reports what is wrong instead of throwing', () => {
    expect(errorOf(toSlimService(service({ clusterIP: '10.0.0.300' })))).toBe('Service kiada/quote: spec.clusterIPs[0] "10.0.0.300" is not an IP address');
    expect(errorOf(toSlimService(service({ clusterIP: '10.0.0.1', ports: [{ port: 0 }] })))).toMatch(/spec.ports\[0\].port 0 is not a port number/);
    expect(errorOf(toSlimService(service({ type: 'Magic' })))).toMatch(/spec.type "Magic"/);
    expect(errorOf(toSlimService(service({ type: 'ExternalName' })))).toMatch(/spec.externalName is missing/);
    expect(errorOf(toSlimService({ kind: 'Service', spec: {} }))).toBe('Service: metadata.name is missing');
    expect(errorOf(toSlimService('text'))).toBe('Service is not an object');
    expect(errorOf(toSlimService(service({ ports: 'http' })))).toMatch(/spec.ports is not a list/);
  });
});

describe('toSlimEndpointSlice', () => {
  const endpoint = { addresses: ['10.244.2.9'], conditions: { ready: true }, hostname: 'q0', nodeName: 'kind-worker2', zone: 'z1', targetRef: { kind: 'Pod', name: 'quote-canary' } };

  it('keeps the service name, address type, ports and endpoints', () => {
    expect(ok(toSlimEndpointSlice(slice({ ports: [{ name: 'http', port: 80, protocol: 'TCP' }], endpoints: [endpoint] })))).toEqual({
      namespace: 'kiada', name: 'quote-abc', serviceName: 'quote', addressType: 'IPv4',
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
      endpoints: [{ addresses: ['10.244.2.9'], ready: true, hostname: 'q0', podName: 'quote-canary', nodeName: 'kind-worker2', zone: 'z1' }],
    });
  });

  it('counts an endpoint without a ready condition as ready, and keeps ready false', () => {
    const result = ok(toSlimEndpointSlice(slice({ endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'], conditions: { ready: false } }, { addresses: ['10.0.0.3'], conditions: {} }] })));
    expect(result.endpoints.map((e) => e.ready)).toEqual([true, false, true]);
  });

  it('accepts endpoints: null as no endpoints', () => {
    expect(ok(toSlimEndpointSlice(slice({ endpoints: null }))).endpoints).toEqual([]);
  });

  it('keeps a portless slice as ports null, and an absent ports field too', () => {
    expect(ok(toSlimEndpointSlice(slice({ ports: null, endpoints: [endpoint] }))).ports).toBeNull();
    expect(ok(toSlimEndpointSlice(slice({ endpoints: [endpoint] }))).ports).toBeNull();
  });

  it('drops a port without a number (all ports) but keeps the others', () => {
    expect(ok(toSlimEndpointSlice(slice({ ports: [{ name: 'all' }, { name: 'dns', port: 53, protocol: 'UDP' }] }))).ports)
      .toEqual([{ name: 'dns', port: 53, protocol: 'UDP' }]);
  });

  it('skips a slice without the kubernetes.io/service-name label', () => {
    expect(toSlimEndpointSlice(slice({ endpoints: [endpoint] }, {}))).toMatchObject({ status: 'skip' });
  });

  it('canonicalises IPv6 endpoint addresses', () => {
    expect(ok(toSlimEndpointSlice(slice({ addressType: 'IPv6', endpoints: [{ addresses: ['5678:ABCD:0::1'] }] }))).endpoints[0]!.addresses)
      .toEqual(['5678:abcd::1']);
  });

  it('uses the pod name only when targetRef is a Pod', () => {
    const e = ok(toSlimEndpointSlice(slice({ endpoints: [{ addresses: ['10.0.0.1'], targetRef: { kind: 'Node', name: 'n1' } }] }))).endpoints[0]!;
    expect(e.podName).toBeUndefined();
  });

  it('parses the last-change trigger time annotation into milliseconds', () => {
    const raw = slice({ endpoints: [] });
    (raw.metadata as Record<string, unknown>)['annotations'] = { 'endpoints.kubernetes.io/last-change-trigger-time': '2024-05-01T10:00:00Z' };
    expect(ok(toSlimEndpointSlice(raw)).triggerTime).toBe(Date.UTC(2024, 4, 1, 10));
    (raw.metadata as Record<string, unknown>)['annotations'] = { 'endpoints.kubernetes.io/last-change-trigger-time': 'yesterday' };
    expect(ok(toSlimEndpointSlice(raw)).triggerTime).toBeUndefined();
  });

  it('reports addresses of the wrong family, bad address types and bad conditions', () => {
    expect(errorOf(toSlimEndpointSlice(slice({ endpoints: [{ addresses: ['fd00::1'] }] })))).toBe('EndpointSlice kiada/quote-abc: endpoints[0].addresses[0] "fd00::1" is not an IPv4 address');
    expect(errorOf(toSlimEndpointSlice(slice({ addressType: 'IPv5' })))).toMatch(/addressType "IPv5"/);
    expect(errorOf(toSlimEndpointSlice(slice({ endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: 'yes' } }] })))).toMatch(/conditions.ready is not true or false/);
  });
});

describe('toSlimNamespace and toSlimPod', () => {
  it('keeps a namespace name and labels', () => {
    expect(ok(toSlimNamespace({ kind: 'Namespace', metadata: { name: 'kiada', labels: { team: 'a' } } }))).toEqual({ name: 'kiada', labels: { team: 'a' } });
  });

  it('rejects a label value that is not a string', () => {
    expect(errorOf(toSlimNamespace({ metadata: { name: 'kiada', labels: { version: 2 } } }))).toMatch(/metadata.labels.version is not a string/);
  });

  it('keeps a pod IP (canonical) and whether the pod is active', () => {
    expect(ok(toSlimPod({ metadata: { name: 'p', namespace: 'ns' }, status: { podIP: 'FD00::0:7', phase: 'Running' } })))
      .toEqual({ namespace: 'ns', name: 'p', podIP: 'fd00::7', active: true });
    expect(ok(toSlimPod({ metadata: { name: 'p' }, status: { podIP: '10.0.0.7', phase: 'Succeeded' } })).active).toBe(false);
    expect(ok(toSlimPod({ metadata: { name: 'p' }, status: { podIP: '10.0.0.7', phase: 'Failed' } })).active).toBe(false);
  });

  it('skips a pod that has no IP yet', () => {
    expect(toSlimPod({ metadata: { name: 'p' }, status: { phase: 'Pending' } })).toMatchObject({ status: 'skip' });
  });
});
