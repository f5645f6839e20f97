import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { ApiException, CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeApiServer } from '../../fake-apiserver/index.js';
import { kubeConfigFor, service } from './support.js';

const CLI = fileURLToPath(new URL('../../fake-apiserver/cli.ts', import.meta.url));
let dir: string;
const cleanups: Array<() => Promise<void> | void> = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fake-apiserver-'));
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function started(options: Parameters<typeof FakeApiServer.start>[0] = {}): Promise<FakeApiServer> {
  const server = await FakeApiServer.start(options);
  cleanups.push(() => server.close());
  return server;
}

describe('kubeconfig', () => {
  it('writes a file that KubeConfig.loadFromFile connects with, sending the token', async () => {
    const server = await started({ token: 'sekret' });
    server.create(service('demo', 'web'));
    const path = server.kubeconfig(join(dir, 'kubeconfig'));
    const kc = new KubeConfig();
    kc.loadFromFile(path);
    expect(kc.getCurrentCluster()).toMatchObject({ server: server.url, skipTLSVerify: true });
    const list = await kc.makeApiClient(CoreV1Api).listServiceForAllNamespaces();
    expect(list.items.map((s) => s.metadata?.name)).toEqual(['web']);
    expect(server.requests()[0]?.authorization).toBe('Bearer sekret');
  });

  it('answers 401 to a client without the server\'s token', async () => {
    const server = await started({ token: 'sekret' });
    let failure: unknown;
    try {
      await kubeConfigFor(server).makeApiClient(CoreV1Api).listServiceForAllNamespaces();
    } catch (err) {
      failure = err;
    }
    expect(failure).toBeInstanceOf(ApiException);
    expect((failure as ApiException<unknown>).code).toBe(401);
  });
});

describe('bulk load', () => {
  it('assigns consecutive resourceVersions, serves the result in pages and streams it to open watches', async () => {
    const server = await started();
    const watchEvents: string[] = [];
    const controller = await new Watch(kubeConfigFor(server))
      .watch('/api/v1/services', { resourceVersion: server.resourceVersion }, (type) => watchEvents.push(type), () => {});
    cleanups.push(() => controller.abort());
    await server.waitForWatchers('services', 1);
    const before = Number(server.resourceVersion);
    const count = server.load(Array.from({ length: 3000 }, (_, i) => service(`ns-${i % 7}`, `svc-${i}`)));
    expect(count).toBe(3000);
    expect(Number(server.resourceVersion)).toBe(before + 3000);
    const core = kubeConfigFor(server).makeApiClient(CoreV1Api);
    let total = 0;
    let token: string | undefined;
    do {
      const page = await core.listServiceForAllNamespaces({ limit: 1000, _continue: token });
      total += page.items.length;
      token = page.metadata?._continue;
    } while (token !== undefined);
    expect(total).toBe(3000);
    const deadline = Date.now() + 3000;
    while (watchEvents.length < 3000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(watchEvents.length).toBe(3000);
    expect(new Set(watchEvents)).toEqual(new Set(['ADDED']));
  });
});

describe('cli.ts', () => {
  function readFirstLine(child: ChildProcess, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the CLI printed nothing in time')), timeoutMs);
      const lines = createInterface(child.stdout as NodeJS.ReadableStream);
      lines.once('line', (line) => { clearTimeout(timer); resolve(line); });
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`the CLI exited with ${code}`)); });
    });
  }

  it('runs under node --experimental-strip-types, loads manifests and prints where it serves', async () => {
    const manifest = join(dir, 'cluster.yaml');
    writeFileSync(manifest, [
      'apiVersion: v1', 'kind: Namespace', 'metadata: {name: demo}', '---',
      'apiVersion: v1', 'kind: Service', 'metadata: {name: web, namespace: demo}', 'spec: {clusterIP: 10.0.0.10}', '---',
      'apiVersion: apps/v1', 'kind: Deployment', 'metadata: {name: ignored, namespace: demo}', '',
    ].join('\n'));
    const kubeconfig = join(dir, 'cli.kubeconfig');
    const child = spawn(process.execPath, ['--experimental-strip-types', '--no-warnings',
      CLI, '--kubeconfig', kubeconfig, '--manifests', manifest], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    cleanups.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    });
    const printed = JSON.parse(await readFirstLine(child, 10_000)) as { url: string; kubeconfig: string };
    expect(printed.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(printed.kubeconfig).toBe(kubeconfig);
    const kc = new KubeConfig();
    kc.loadFromFile(printed.kubeconfig);
    const list = await kc.makeApiClient(CoreV1Api).listServiceForAllNamespaces();
    expect(list.items.map((s) => `${s.metadata?.namespace}/${s.metadata?.name}`)).toEqual(['demo/web']);
    expect(stderr).toContain('Deployment/ignored');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
