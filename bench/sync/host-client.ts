// Starts apiserver-host.ts pinned to the client core and turns its IPC messages into awaitable calls.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../lib/model.ts';
import type { ProcessGroup, Managed } from '../lib/procs.ts';
import { isHostMessage } from './protocol.ts';
import type { HostMessage, HostRequest } from './protocol.ts';

export interface ApiServerHost {
  readonly proc: Managed;
  readonly url: string;
  readonly kubeconfig: string;
  apply(object: KubeObject): Promise<string>;
  /** Drops every connection and expires old resourceVersions: a client's next watch gets 410 and must relist. */
  restart(): Promise<void>;
  requestCount(resource: string, verb: string): Promise<number>;
}

/** The files of test/fake-apiserver the host needs; missing ones mean the fake is not in this tree. */
export function fakeApiServerFiles(repoRoot: string): { register: string; index: string; missing: string[] } {
  const register = join(repoRoot, 'test', 'fake-apiserver', 'register-ts.ts');
  const index = join(repoRoot, 'test', 'fake-apiserver', 'index.ts');
  return { register, index, missing: [register, index].filter((f) => !existsSync(f)) };
}

const CALL_TIMEOUT_MS = 120_000;

export async function startApiServerHost(group: ProcessGroup, repoRoot: string, objectsPath: string, kubeconfigPath: string, cpu: string): Promise<ApiServerHost> {
  const files = fakeApiServerFiles(repoRoot);
  if (files.missing.length > 0) {
    throw new Error(`bench:sync needs the fake Kubernetes API server from issue 3, missing: ${files.missing.join(', ')}`);
  }
  const script = join(repoRoot, 'bench', 'sync', 'apiserver-host.ts');
  const proc = group.start('fake-apiserver', process.execPath, ['--import', files.register, script, objectsPath, kubeconfigPath], { cpu, ipc: true, cwd: repoRoot });
  const channel = proc.ipc;
  if (!channel) throw new Error('the fake API server host has no IPC channel');

  const pending = new Map<number, (msg: HostMessage) => void>();
  let ready: ((msg: HostMessage) => void) | null = null;
  channel.onMessage((raw) => {
    if (!isHostMessage(raw)) return;
    if (raw.op === 'done') {
      pending.get(raw.id)?.(raw);
      pending.delete(raw.id);
    } else {
      ready?.(raw);
    }
  });
  let readyTimer: NodeJS.Timeout | undefined;
  const first = await Promise.race([
    new Promise<HostMessage>((resolve) => (ready = resolve)),
    proc.exited.then((code): HostMessage => ({ op: 'fatal', error: `exited (${code}) before it was ready:\n${proc.tail()}` })),
    new Promise<HostMessage>((resolve) => {
      readyTimer = setTimeout(() => resolve({ op: 'fatal', error: `not ready after ${CALL_TIMEOUT_MS} ms:\n${proc.tail()}` }), CALL_TIMEOUT_MS);
    }),
  ]);
  clearTimeout(readyTimer);
  if (first.op !== 'ready') throw new Error(`fake API server: ${first.op === 'fatal' ? first.error : 'unexpected first message'}`);

  let nextId = 1;
  const call = (make: (id: number) => HostRequest): Promise<string | number> => {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`fake API server did not answer within ${CALL_TIMEOUT_MS} ms`));
      }, CALL_TIMEOUT_MS);
      pending.set(id, (msg) => {
        clearTimeout(timer);
        if (msg.op === 'done' && msg.ok) resolve(msg.value);
        else reject(new Error(`fake API server: ${msg.op === 'done' && !msg.ok ? msg.error : 'bad answer'}`));
      });
      channel.send(make(id));
    });
  };
  return {
    proc,
    url: first.url,
    kubeconfig: first.kubeconfig,
    apply: async (object) => String(await call((id) => ({ op: 'apply', id, object }))),
    restart: async () => void (await call((id) => ({ op: 'restart', id }))),
    requestCount: async (resource, verb) => Number(await call((id) => ({ op: 'count', id, resource, verb }))),
  };
}
