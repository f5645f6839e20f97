// Shared helpers for the fake API server's tests: a client config pointing at it, object builders, and
// bounded waiting.
import { KubeConfig } from '@kubernetes/client-node';
import type { FakeApiServer, KubeObject } from '../../fake-apiserver/index.js';

export function kubeConfigFor(server: FakeApiServer, token?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server: server.url, skipTLSVerify: true }],
    users: [token === undefined ? { name: 'fake' } : { name: 'fake', token }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
    currentContext: 'fake',
  });
  return kc;
}

export function namespace(name: string, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

export function service(ns: string, name: string, labels: Record<string, string> = {}, clusterIP = '10.96.0.10'): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns, labels },
    spec: { clusterIP, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  };
}

export function endpointSlice(ns: string, service: string, name: string, addresses: string[]): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints: addresses.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

export function pod(ns: string, name: string, phase: string, ip: string): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns },
    spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox' }] },
    status: { phase, podIP: ip },
  };
}

/** Polls `check` every 10 ms until it returns true; fails after `timeoutMs` (a few seconds at most). */
export async function eventually(check: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface RecordedEvent {
  type: string;
  name: string | undefined;
  resourceVersion: string | undefined;
  object: Record<string, unknown>;
}

export function recordEvent(type: string, object: unknown): RecordedEvent {
  const obj = (object ?? {}) as Record<string, unknown>;
  const meta = (obj.metadata ?? {}) as Record<string, unknown>;
  return {
    type,
    name: typeof meta.name === 'string' ? meta.name : undefined,
    resourceVersion: typeof meta.resourceVersion === 'string' ? meta.resourceVersion : undefined,
    object: obj,
  };
}
