// End-to-end set-up for the Kubernetes source: the fake API server in this process, svcdns (the built
// dist/main.js) connected to it through a generated kubeconfig, and bounded polling of dig answers.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { FakeApiServer, type FakeApiServerOptions, type KubeObject } from '../fake-apiserver/index.js';
import { addresses, dig, type DigResult } from '../helpers/dig.js';
import { startServer, type RunningServer, type StartOptions } from '../helpers/server.js';

export { addresses };

const servers: FakeApiServer[] = [];
afterAll(async () => {
  for (const s of servers.splice(0)) await s.close();
});

export interface Cluster {
  readonly api: FakeApiServer;
  readonly kubeconfig: string;
}

export async function startCluster(options: FakeApiServerOptions = {}): Promise<Cluster> {
  const api = await FakeApiServer.start(options);
  servers.push(api);
  const kubeconfig = api.kubeconfig(join(mkdtempSync(join(tmpdir(), 'svcdns-k8s-')), 'kubeconfig'));
  return { api, kubeconfig };
}

/** svcdns against the cluster; no forwarding, so only the cluster zone answers. */
export function startSvcdns(cluster: Cluster, args: string[] = [], options: StartOptions = {}): Promise<RunningServer> {
  return startServer(['--kubeconfig', cluster.kubeconfig, '--upstream', 'none', ...args], options);
}

export function ask(server: RunningServer, name: string, type = 'A'): Promise<DigResult> {
  return dig(name, type, { port: server.port, timeoutSeconds: 1 });
}

/** Asks again (every 50 ms, for at most `timeoutMs`) until `accept` holds; returns the accepted answer. */
export async function askUntil(server: RunningServer, name: string, type: string, accept: (r: DigResult) => boolean, timeoutMs = 5000): Promise<DigResult> {
  const end = Date.now() + timeoutMs;
  let last: DigResult | undefined;
  for (;;) {
    last = await ask(server, name, type);
    if (accept(last)) return last;
    if (Date.now() > end) {
      throw new Error(`${name} ${type}: no accepted answer within ${timeoutMs} ms; last: ${last.status} ${JSON.stringify(last.answer.map((a) => `${a.type} ${a.data}`))}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const sortedAddresses = (r: DigResult): string[] => addresses(r).sort();

export async function http(server: RunningServer, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${server.adminPort}${path}`, { signal: AbortSignal.timeout(3000) });
  return { status: res.status, body: await res.text() };
}

/** The value of the sample `series value` in the /metrics text (`series` as printed: name and labels), or undefined. */
export function metric(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

export function clusterIPService(ns: string, name: string, ip: string): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns },
    spec: { type: 'ClusterIP', clusterIP: ip, clusterIPs: [ip], selector: { app: name }, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  };
}

export function externalNameService(ns: string, name: string, target: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { type: 'ExternalName', externalName: target } };
}

export function headlessService(ns: string, name: string): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns },
    spec: { clusterIP: 'None', clusterIPs: ['None'], selector: { app: name }, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  };
}

export function namespaceObject(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

/** `count` ready pods' addresses 10.<net>.0.1…, as one EndpointSlice of `service`. */
export function podsSlice(ns: string, service: string, count: number, net = 1, name = `${service}-abcde`): KubeObject {
  const ips = Array.from({ length: count }, (_, i) => `10.${net}.${Math.floor(i / 250)}.${(i % 250) + 1}`);
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: {
      name, namespace: ns, labels: { 'kubernetes.io/service-name': service },
      annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': new Date().toISOString() },
    },
    addressType: 'IPv4',
    endpoints: ips.map((ip, i) => ({ addresses: [ip], conditions: { ready: true }, targetRef: { kind: 'Pod', name: `${service}-${i}` } })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

export const expectedIPs = (count: number, net = 1): string[] =>
  Array.from({ length: count }, (_, i) => `10.${net}.${Math.floor(i / 250)}.${(i % 250) + 1}`).sort();
