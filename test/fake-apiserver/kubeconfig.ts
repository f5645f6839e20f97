// A kubeconfig file pointing at the fake server, as `kubectl` and @kubernetes/client-node read it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'yaml';

export interface KubeconfigOptions {
  /** Bearer token of the user. Default: the server's token, else 'svcdns-fake-token'. */
  token?: string;
  /** Name used for the cluster, user and context. Default 'fake'. */
  name?: string;
  /** Default namespace of the context. */
  namespace?: string;
}

export function writeKubeconfig(path: string, server: string, options: KubeconfigOptions): string {
  const name = options.name ?? 'fake';
  const context: Record<string, string> = { cluster: name, user: name };
  if (options.namespace !== undefined) context.namespace = options.namespace;
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    // Plain http is only accepted by client-node 2.x with insecure-skip-tls-verify set on the cluster.
    clusters: [{ name, cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name, user: { token: options.token ?? 'svcdns-fake-token' } }],
    contexts: [{ name, context }],
    'current-context': name,
    preferences: {},
  };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, stringify(config), { mode: 0o600 });
  return path;
}
