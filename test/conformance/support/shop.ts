// A small dual-stack cluster for the record suites: every kind of service and endpoint the rules talk
// about, in namespaces `shop` and `other`.
import { toYaml } from './manifests.js';
import { clusterIPService, externalService, headlessService, namespace, pod, slice } from './objects.js';

/** 64 characters: too long for a DNS label, so --endpoint-pod-names falls back to the dashed IP. */
export const LONG_POD_NAME = `web-${'x'.repeat(60)}`;

export const shopObjects = [
  namespace('shop'),
  namespace('other'),
  namespace('kube-system'),

  // ClusterIP with two named ports; its endpoints have a hostname, a pod name, and a long pod name.
  clusterIPService('shop', 'web', ['10.96.0.20', 'fd00:96::20'], [{ name: 'http', port: 80 }, { name: 'metrics', port: 9100 }]),
  slice('shop', 'web-abc', 'web', 'IPv4', [
    { addresses: ['10.244.0.10'], pod: 'web-0' },
    { addresses: ['10.244.0.11'], hostname: 'ep1', pod: 'web-1' },
    { addresses: ['10.244.0.12'], pod: LONG_POD_NAME },
  ], [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9100 }]),
  // Same cluster IP as web, listed after it: PTR names the first owner only.
  clusterIPService('shop', 'web-alias', ['10.96.0.20']),
  // One unnamed port: no `_port._proto` name, but the bare name's SRV lists it.
  clusterIPService('shop', 'single', ['10.96.0.21'], [{ port: 8080 }]),
  // ClusterIP without any ready endpoint.
  clusterIPService('shop', 'lonely', ['10.96.0.22']),
  slice('shop', 'lonely-1', 'lonely', 'IPv4', [{ addresses: ['10.244.3.1'], ready: false }]),

  // Headless over an IPv4 slice, an IPv6 slice and an overlapping IPv4 slice (controller skew).
  headlessService('shop', 'db', [{ name: 'postgres', port: 5432 }]),
  slice('shop', 'db-v4', 'db', 'IPv4', [
    { addresses: ['10.244.1.1'], hostname: 'db-0' },
    { addresses: ['10.244.1.2'], hostname: 'db-1' },
    { addresses: ['10.244.1.3'] },
    { addresses: ['10.244.1.4'], ready: false },
  ], [{ name: 'postgres', port: 5432 }]),
  slice('shop', 'db-v6', 'db', 'IPv6', [
    { addresses: ['fd00::1'], hostname: 'db-0' },
    { addresses: ['fd00:0:0:1::'] },
  ], [{ name: 'postgres', port: 5432 }]),
  slice('shop', 'db-skew', 'db', 'IPv4', [{ addresses: ['10.244.1.1'], hostname: 'db-0' }], [{ name: 'postgres', port: 5432 }]),
  // A second service selecting db-0's address: its PTR names both.
  headlessService('shop', 'db-read', [{ name: 'postgres', port: 5432 }]),
  slice('shop', 'db-read-1', 'db-read', 'IPv4', [{ addresses: ['10.244.1.1'] }], [{ name: 'postgres', port: 5432 }]),
  // Headless whose only endpoint is not ready, and one whose slice has no ports.
  headlessService('shop', 'unready'),
  slice('shop', 'unready-1', 'unready', 'IPv4', [{ addresses: ['10.244.4.1'], ready: false }]),
  headlessService('shop', 'portless', []),
  slice('shop', 'portless-1', 'portless', 'IPv4', [{ addresses: ['10.244.4.2'] }], null),

  // ExternalNames: outside the zone, to a service, a chain, a loop, an IP address.
  externalService('shop', 'ext', 'api.example.test'),
  externalService('shop', 'alias', 'web.shop.svc.cluster.local'),
  externalService('shop', 'hop1', 'hop2.shop.svc.cluster.local.'),
  externalService('shop', 'hop2', 'alias.shop.svc.cluster.local'),
  externalService('shop', 'loop1', 'loop2.shop.svc.cluster.local'),
  externalService('shop', 'loop2', 'loop1.shop.svc.cluster.local'),
  externalService('shop', 'byip', '192.0.2.1'),

  clusterIPService('other', 'hidden', ['10.96.0.30']),
  slice('other', 'hidden-1', 'hidden', 'IPv4', [{ addresses: ['10.244.2.1'] }]),

  // The DNS service itself: NS at the apex names it when our own address is its endpoint.
  clusterIPService('kube-system', 'kube-dns', ['10.96.0.10'], [{ name: 'dns', port: 53, protocol: 'UDP' }]),
  slice('kube-system', 'kube-dns-1', 'kube-dns', 'IPv4', [{ addresses: ['10.244.5.5'] }], [{ name: 'dns', port: 53, protocol: 'UDP' }]),
  headlessService('kube-system', 'dns-peers', [{ name: 'dns', port: 53, protocol: 'UDP' }]),
  slice('kube-system', 'dns-peers-1', 'dns-peers', 'IPv4', [
    { addresses: ['10.244.5.6'], hostname: 'dns-a' },
    { addresses: ['10.244.5.7'], hostname: 'dns-b' },
  ], [{ name: 'dns', port: 53, protocol: 'UDP' }]),

  pod('shop', 'web-0', '10.244.0.10'),
  pod('shop', 'job-1', '10.244.0.99', 'Succeeded'),
];

export const shopYaml = toYaml(shopObjects);
