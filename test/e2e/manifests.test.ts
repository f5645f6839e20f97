// The server over manifests generated into a temp directory: dual stack, readiness, a 100-pod
// headless service against the UDP size limit, reloads on change and bad manifests.
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addresses, dig, type DigResult } from '../helpers/dig.js';
import { startServer, type RunningServer } from '../helpers/server.js';

const dir = mkdtempSync(join(tmpdir(), 'svcdns-e2e-'));
let server: RunningServer;
const ask = (name: string, type = 'A', options: string[] = []): Promise<DigResult> => dig(name, type, { port: server.port, options });

function service(name: string, spec: string): string {
  return `apiVersion: v1\nkind: Service\nmetadata: { name: ${name}, namespace: gen }\nspec: ${spec}\n`;
}

function slice(service: string, endpoints: { ip: string; ready?: boolean }[], suffix = 'a'): string {
  const items = endpoints.map((e) => `  - addresses: [${e.ip}]${e.ready === undefined ? '' : `\n    conditions: { ready: ${e.ready} }`}`);
  return `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: ${service}-${suffix}, namespace: gen, labels: { kubernetes.io/service-name: ${service} } }
addressType: IPv4
ports: [{ name: http, port: 80, protocol: TCP }]
endpoints:
${items.length ? items.join('\n') : '  []'}
`;
}

const HUNDRED = Array.from({ length: 100 }, (_, i) => `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}`);

/** Polls `check` (bounded) until it holds. */
async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  writeFileSync(join(dir, 'services.yaml'), [
    service('stays', '{ clusterIP: 10.0.0.10 }'),
    service('dual', '{ clusterIPs: [10.0.0.3, "FD00::3"], ipFamilies: [IPv4, IPv6] }'),
    service('nobody-ready', '{ clusterIP: None }'),
    service('no-slices', '{ clusterIP: None }'),
    service('partly-ready', '{ clusterIP: None }'),
    service('big', '{ clusterIP: None }'),
    service('merged', '{ clusterIP: None }'),
  ].join('---\n'));
  writeFileSync(join(dir, 'slices.yaml'), [
    slice('nobody-ready', [{ ip: '10.2.0.1', ready: false }, { ip: '10.2.0.2', ready: false }]),
    slice('partly-ready', [{ ip: '10.3.0.1', ready: true }, { ip: '10.3.0.2', ready: false }, { ip: '10.3.0.3' }]),
    slice('big', HUNDRED.map((ip) => ({ ip }))),
    // Two slices of one service overlapping in 10.4.0.2, as during controller skew.
    slice('merged', [{ ip: '10.4.0.1' }, { ip: '10.4.0.2' }], 'a'),
    slice('merged', [{ ip: '10.4.0.2' }, { ip: '10.4.0.3', ready: true }], 'b'),
  ].join('---\n'));
  server = await startServer(['--manifests', dir, '--upstream', 'none']);
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('address families', () => {
  it('a dual-stack service answers A with its IPv4 and AAAA with its IPv6 cluster IP', async () => {
    expect(addresses(await ask('dual.gen.svc.cluster.local', 'A'))).toEqual(['10.0.0.3']);
    expect(addresses(await ask('dual.gen.svc.cluster.local', 'AAAA'))).toEqual(['fd00::3']);
  });
});

describe('readiness of endpoints', () => {
  it('a headless service with no ready endpoint is NXDOMAIN', async () => {
    const r = await ask('nobody-ready.gen.svc.cluster.local');
    expect(r.status).toBe('NXDOMAIN');
    expect(r.authority.map((a) => a.type)).toEqual(['SOA']);
    expect((await ask('no-slices.gen.svc.cluster.local')).status).toBe('NXDOMAIN');
  });

  it('all slices of a service are merged, one record per distinct address', async () => {
    expect(addresses(await ask('merged.gen.svc.cluster.local')).sort()).toEqual(['10.4.0.1', '10.4.0.2', '10.4.0.3']);
  });

  it('only endpoints whose ready condition is true or absent are answered', async () => {
    expect(addresses(await ask('partly-ready.gen.svc.cluster.local')).sort()).toEqual(['10.3.0.1', '10.3.0.3']);
  });
});

describe('a headless service with 100 ready pods', () => {
  it('over UDP is truncated: whole records dropped, TC set', async () => {
    const r = await ask('big.gen.svc.cluster.local', 'A', ['+notcp', '+ignore']);
    expect(r.flags).toContain('tc');
    expect(r.answer.length).toBeGreaterThan(0);
    expect(r.answer.length).toBeLessThan(100);
    expect(r.size).toBeLessThanOrEqual(1232);
  });

  it('keeps to 512 bytes for a client without EDNS', async () => {
    const r = await ask('big.gen.svc.cluster.local', 'A', ['+notcp', '+ignore', '+noedns']);
    expect(r.flags).toContain('tc');
    expect(r.size).toBeLessThanOrEqual(512);
  });

  it("keeps to the client's EDNS size (+bufsize) when it is below ours", async () => {
    const r = await ask('big.gen.svc.cluster.local', 'A', ['+notcp', '+ignore', '+bufsize=700']);
    expect(r.flags).toContain('tc');
    expect(r.size).toBeLessThanOrEqual(700);
    expect(r.size).toBeGreaterThan(512);
  });

  it('rotates before truncating, so truncated answers carry different pods', async () => {
    const first = addresses(await ask('big.gen.svc.cluster.local', 'A', ['+notcp', '+ignore']));
    const second = addresses(await ask('big.gen.svc.cluster.local', 'A', ['+notcp', '+ignore']));
    expect(second).not.toEqual(first);
    expect(second.some((ip) => !first.includes(ip))).toBe(true);
  });

  it('plain dig retries over TCP and gets all 100', async () => {
    const r = await ask('big.gen.svc.cluster.local');
    expect(r.raw).toContain('Truncated, retrying in TCP mode');
    expect(new Set(addresses(r))).toEqual(new Set(HUNDRED));
    expect(r.flags).not.toContain('tc');
  });
});

describe('manifests re-read on change', () => {
  it('a service added to the directory appears, and NXDOMAIN once its file is deleted', async () => {
    const name = 'added.gen.svc.cluster.local';
    expect((await ask(name)).status).toBe('NXDOMAIN');
    writeFileSync(join(dir, 'added.yaml'), service('added', '{ clusterIP: 10.0.0.42 }'));
    await until(async () => addresses(await ask(name)).includes('10.0.0.42'));
    unlinkSync(join(dir, 'added.yaml'));
    await until(async () => (await ask(name)).status === 'NXDOMAIN');
  });

  it('a bad manifest is logged with file and document number, and the last good state keeps serving', async () => {
    writeFileSync(join(dir, 'zz-bad.yaml'), `${service('in-bad-file', '{ clusterIP: 10.0.0.77 }')}---\nkind: Service\nspec: [\n`);
    const logged = await server.waitForLog((l) => l.level === 'error' && String(l['error']).startsWith('zz-bad.yaml document 2'));
    expect(logged.msg).toContain('last good state');
    expect(addresses(await ask('stays.gen.svc.cluster.local'))).toEqual(['10.0.0.10']);
    // Nothing of the bad set is applied, not even its good first document.
    expect((await ask('in-bad-file.gen.svc.cluster.local')).status).toBe('NXDOMAIN');

    unlinkSync(join(dir, 'zz-bad.yaml'));
    writeFileSync(join(dir, 'fixed.yaml'), service('in-bad-file', '{ clusterIP: 10.0.0.77 }'));
    await until(async () => addresses(await ask('in-bad-file.gen.svc.cluster.local')).includes('10.0.0.77'));
  });
});
