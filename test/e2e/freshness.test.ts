// An endpoint change is in the very next answer: the answer cache is keyed by generations, never by
// TTL, so a long --ttl does not keep a stale answer alive once the source has applied the change.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addresses, dig } from '../helpers/dig.js';
import { startServer, type RunningServer } from '../helpers/server.js';

const dir = mkdtempSync(join(tmpdir(), 'svcdns-fresh-'));
let server: RunningServer;
const HEADLESS = 'web.fresh.svc.cluster.local';
const CLUSTER_IP = 'api.fresh.svc.cluster.local';

const services = `apiVersion: v1
kind: Service
metadata: { name: web, namespace: fresh }
spec: { clusterIP: None }
---
apiVersion: v1
kind: Service
metadata: { name: api, namespace: fresh }
spec: { clusterIP: 10.96.7.7, ports: [{ name: http, port: 80 }] }
`;

function slice(ips: string[]): string {
  return `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: web-a, namespace: fresh, labels: { kubernetes.io/service-name: web } }
addressType: IPv4
endpoints:
${ips.map((ip) => `  - addresses: [${ip}]`).join('\n')}
`;
}

const loads = (): number => server.records().filter((r) => r.msg === 'manifests loaded').length;

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Rewrites the slice and waits until the source has applied it (its log line), not for DNS. */
async function applySlice(ips: string[]): Promise<void> {
  const before = loads();
  writeFileSync(join(dir, 'slices.yaml'), slice(ips));
  await until(() => loads() > before);
}

beforeAll(async () => {
  writeFileSync(join(dir, 'services.yaml'), services);
  writeFileSync(join(dir, 'slices.yaml'), slice(['10.9.0.1', '10.9.0.2']));
  server = await startServer(['--manifests', dir, '--ttl', '3600']);
});

afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('an endpoint change is in the next answer', () => {
  it('a new endpoint address replaces a cached answer at once, whatever the TTL', async () => {
    const ask = () => dig(HEADLESS, 'A', { port: server.port });
    // Asked twice: the second answer comes from the answer cache.
    expect(addresses(await ask()).sort()).toEqual(['10.9.0.1', '10.9.0.2']);
    const cached = await ask();
    expect(addresses(cached).sort()).toEqual(['10.9.0.1', '10.9.0.2']);
    expect(cached.answer[0]!.ttl).toBe(3600);

    await applySlice(['10.9.0.1', '10.9.0.3']);
    expect(addresses(await ask()).sort()).toEqual(['10.9.0.1', '10.9.0.3']);
  });

  it('a removed endpoint is gone from the next answer, and the last one leaves NXDOMAIN', async () => {
    const ask = () => dig(HEADLESS, 'A', { port: server.port });
    await ask();
    await applySlice(['10.9.0.3']);
    expect(addresses(await ask())).toEqual(['10.9.0.3']);
    await applySlice([]);
    expect((await ask()).status).toBe('NXDOMAIN');
  });

  it('an unrelated change leaves other cached answers current (they still answer)', async () => {
    const ask = () => dig(CLUSTER_IP, 'A', { port: server.port });
    expect(addresses(await ask())).toEqual(['10.96.7.7']);
    await applySlice(['10.9.0.4']);
    expect(addresses(await ask())).toEqual(['10.96.7.7']);
    expect(addresses(await dig(HEADLESS, 'A', { port: server.port }))).toEqual(['10.9.0.4']);
  });
});
