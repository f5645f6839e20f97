// Runs the test suite's fake Kubernetes API server (test/fake-apiserver) in its own process for
// bench:sync, controlled over Node IPC: its CPU stays off the svcdns core and out of the benchmark's
// own event loop, and it can still be restarted (forcing a relist), which its CLI cannot do.
//
//   node --import ./test/fake-apiserver/register-ts.ts bench/sync/apiserver-host.ts OBJECTS.json KUBECONFIG
// (started by bench/sync.ts with an IPC channel; not meant to be run by hand)
import { readFileSync } from 'node:fs';
import { FakeApiServer } from '../../test/fake-apiserver/index.js';
import type { KubeObject, ResourceRef, Verb } from '../../test/fake-apiserver/index.js';
import type { HostMessage, HostRequest } from './protocol.ts';

function send(message: HostMessage): void {
  process.send?.(message);
}

async function handle(server: FakeApiServer, req: HostRequest): Promise<string | number> {
  if (req.op === 'apply') return server.apply(req.object as unknown as KubeObject).metadata.resourceVersion;
  if (req.op === 'restart') {
    await server.restart();
    return server.resourceVersion;
  }
  return server.requestCount(req.resource as ResourceRef, req.verb as Verb | '*');
}

async function main(): Promise<void> {
  const [objectsPath, kubeconfigPath] = process.argv.slice(2);
  if (!objectsPath || !kubeconfigPath || !process.send) {
    console.error('usage: (from bench/sync.ts, with an IPC channel) apiserver-host.ts OBJECTS.json KUBECONFIG');
    process.exit(2);
  }
  const objects = JSON.parse(readFileSync(objectsPath, 'utf8')) as KubeObject[];
  const server = await FakeApiServer.start({ objects, historyLimit: 100_000 });
  process.on('message', (raw) => {
    const req = raw as HostRequest;
    handle(server, req).then(
      (value) => send({ op: 'done', id: req.id, ok: true, value }),
      (err: unknown) => send({ op: 'done', id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
    );
  });
  process.on('disconnect', () => void server.close().finally(() => process.exit(0)));
  process.on('SIGTERM', () => void server.close().finally(() => process.exit(0)));
  send({ op: 'ready', url: server.url, kubeconfig: server.kubeconfig(kubeconfigPath), resourceVersion: server.resourceVersion, objects: objects.length });
}

main().catch((err: unknown) => {
  send({ op: 'fatal', error: err instanceof Error ? err.stack ?? err.message : String(err) });
  process.exit(1);
});
