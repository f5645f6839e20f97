// Renders the cluster model as the API objects a real cluster holds: Namespaces, Services and
// EndpointSlices split at the controller's per-slice limit, with the labels, conditions, targetRefs
// and trigger-time annotation the EndpointSlice controller writes.
import type { Rng } from './prng.ts';
import type { ClusterModel, KubeObject, ModelEndpoint, ModelService } from './model.ts';

const MANAGED_BY = 'endpointslice-controller.k8s.io';
/** A fixed instant, so generated objects are byte-identical between runs. */
const EPOCH_MS = Date.UTC(2026, 0, 1);

function uid(rng: Rng): string {
  const hex = (n: number): string => Array.from({ length: n }, () => rng.int(16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
}

function sliceSuffix(rng: Rng): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return Array.from({ length: 5 }, () => alphabet[rng.int(alphabet.length)]).join('');
}

function namespaceObject(name: string, rng: Rng): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, uid: uid(rng), labels: { 'kubernetes.io/metadata.name': name } },
  };
}

function serviceObject(svc: ModelService, rng: Rng): KubeObject {
  const headless = svc.clusterIP === undefined;
  const ip = svc.clusterIP ?? 'None';
  const system = svc.name === 'kubernetes';
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: svc.name,
      namespace: svc.namespace,
      uid: uid(rng),
      labels: system ? { component: 'apiserver', provider: 'kubernetes' } : { app: svc.name },
    },
    spec: {
      type: 'ClusterIP',
      clusterIP: ip,
      clusterIPs: [ip],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      ...(system ? {} : { selector: { app: svc.name } }),
      ...(headless ? { publishNotReadyAddresses: false } : {}),
      ports: svc.ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol, targetPort: p.targetPort })),
    },
  };
}

function endpointObject(svc: ModelService, ep: ModelEndpoint, rng: Rng): Record<string, unknown> {
  return {
    addresses: [ep.ip],
    conditions: { ready: ep.ready, serving: ep.ready, terminating: false },
    ...(ep.hostname === undefined ? {} : { hostname: ep.hostname }),
    nodeName: ep.nodeName,
    ...(svc.name === 'kubernetes' ? {} : { targetRef: { kind: 'Pod', namespace: svc.namespace, name: ep.podName, uid: uid(rng) } }),
    zone: ep.zone,
  };
}

function sliceObjects(svc: ModelService, maxPerSlice: number, rng: Rng, sliceIndex: number): KubeObject[] {
  const slices: KubeObject[] = [];
  // A service with no endpoints still has one (empty) slice, as the controller writes.
  const chunks = Math.max(1, Math.ceil(svc.endpoints.length / maxPerSlice));
  for (let c = 0; c < chunks; c++) {
    const endpoints = svc.endpoints.slice(c * maxPerSlice, (c + 1) * maxPerSlice);
    const triggerTime = new Date(EPOCH_MS + (sliceIndex + c) * 1000).toISOString().replace('.000Z', 'Z');
    slices.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: svc.name === 'kubernetes' ? 'kubernetes' : `${svc.name}-${sliceSuffix(rng)}`,
        namespace: svc.namespace,
        uid: uid(rng),
        labels: {
          'kubernetes.io/service-name': svc.name,
          'endpointslice.kubernetes.io/managed-by': MANAGED_BY,
          ...(svc.name === 'kubernetes' ? {} : { app: svc.name }),
        },
        annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': triggerTime },
      },
      addressType: 'IPv4',
      ports: svc.ports.map((p) => ({ name: p.name, port: p.targetPort, protocol: p.protocol })),
      endpoints: endpoints.map((ep) => endpointObject(svc, ep, rng)),
    });
  }
  return slices;
}

export function renderObjects(model: ClusterModel, maxPerSlice: number, rng: Rng): KubeObject[] {
  const objects: KubeObject[] = model.namespaces.map((ns) => namespaceObject(ns, rng));
  for (const svc of model.services) objects.push(serviceObject(svc, rng));
  for (const svc of model.services) objects.push(...sliceObjects(svc, maxPerSlice, rng, objects.length));
  return objects;
}
