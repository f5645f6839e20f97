// Fixtures for the end-to-end forwarding tests: a small cluster in manifests (a service and
// ExternalNames pointing outside), the outside world dnsmasq serves, and process helpers.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningServer } from '../helpers/server.js';

/** dnsmasq's zone: names outside the cluster, an NXDOMAIN domain and a PTR for an address not ours. */
export const OUTSIDE = [
  '--host-record=www.outside.test,10.1.2.3',
  '--host-record=walk.outside.test,10.1.2.5',
  '--host-record=cached.outside.test,10.1.2.4',
  '--host-record=stale.outside.test,10.1.2.6',
  '--local=/nx.test/',
  '--ptr-record=9.9.9.10.in-addr.arpa,host.outside.test',
  '--local-ttl=60',
];

/** The kiada namespace: web (10.96.0.10) and ExternalNames to an outside name, an NXDOMAIN one, a truncated one. */
const MANIFESTS = `apiVersion: v1
kind: Service
metadata: { name: web, namespace: kiada }
spec: { clusterIP: 10.96.0.10, ports: [{ name: http, port: 80 }] }
---
apiVersion: v1
kind: Service
metadata: { name: ext, namespace: kiada }
spec: { type: ExternalName, externalName: www.outside.test }
---
apiVersion: v1
kind: Service
metadata: { name: ext-nx, namespace: kiada }
spec: { type: ExternalName, externalName: gone.nx.test }
---
apiVersion: v1
kind: Service
metadata: { name: ext-tc, namespace: kiada }
spec: { type: ExternalName, externalName: big.tc.test }
`;

/** Writes the manifests into a new temp dir; returns it and its removal. */
export function clusterManifests(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'svcdns-forward-e2e-'));
  writeFileSync(join(dir, 'kiada.yaml'), MANIFESTS);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The exit code once the server has exited by itself (bounded), or null if it is still running. */
export async function exitedWith(server: RunningServer, timeoutMs = 10_000): Promise<number | null> {
  const child = server.process;
  if (child.exitCode !== null) return child.exitCode;
  return new Promise((done) => {
    const timer = setTimeout(() => done(null), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      done(code);
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
