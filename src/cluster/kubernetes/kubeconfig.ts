// Where the API server is and how to authenticate: a kubeconfig (with an optional context) or the
// pod's service account. Every way this can be wrong is found here, before anything is served, and
// reported as one line a user can act on; client-node would otherwise fail each request in a loop.
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

/** The source as configured: kubeconfig null means the in-cluster service account. */
export interface KubeTarget {
  /** One path, or several joined by the platform's path delimiter (as in KUBECONFIG). */
  readonly kubeconfig: string | null;
  readonly context: string | null;
}

export type LoadedKubeConfig =
  | { readonly ok: true; readonly kc: KubeConfig; readonly server: string; readonly context: string }
  | { readonly ok: false; readonly error: string };

/** Where the service-account files of a pod live. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

function message(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]!.trim();
}

function fromFiles(paths: readonly string[]): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(paths[0]!);
  for (const path of paths.slice(1)) {
    const next = new KubeConfig();
    next.loadFromFile(path);
    // As kubectl: the first file that sets current-context wins.
    kc.mergeConfig(next, kc.getCurrentContext() !== '');
  }
  return kc;
}

function loadFiles(text: string, context: string | null): LoadedKubeConfig {
  const paths = text.split(delimiter).filter((p) => p !== '');
  const present = paths.filter((p) => existsSync(p));
  if (present.length === 0) return { ok: false, error: `kubeconfig ${paths.join(delimiter) || '(empty)'}: no such file` };
  let kc: KubeConfig;
  try {
    kc = fromFiles(present);
  } catch (err) {
    return { ok: false, error: `kubeconfig ${present.join(delimiter)}: cannot be read: ${message(err)}` };
  }
  const where = `kubeconfig ${present.join(delimiter)}`;
  const names = kc.getContexts().map((c) => c.name);
  if (context !== null) {
    if (!names.includes(context)) return { ok: false, error: `--context: ${where} has no context "${context}" (it has: ${names.join(', ') || 'none'})` };
    kc.setCurrentContext(context);
  } else if (kc.getCurrentContext() === '' || kc.getContextObject(kc.getCurrentContext()) === null) {
    return { ok: false, error: `${where} sets no usable current-context; choose one with --context (it has: ${names.join(', ') || 'none'})` };
  }
  return checkCluster(kc, where);
}

function checkCluster(kc: KubeConfig, where: string): LoadedKubeConfig {
  const current = kc.getCurrentContext();
  const cluster = kc.getCurrentCluster();
  if (cluster === null) return { ok: false, error: `${where}: context "${current}" names a cluster the file does not define` };
  let url: URL;
  try {
    url = new URL(cluster.server);
  } catch {
    return { ok: false, error: `${where}: cluster "${cluster.name}" has no valid server URL ("${cluster.server}")` };
  }
  if (url.protocol === 'http:' && !cluster.skipTLSVerify) {
    return { ok: false, error: `${where}: cluster "${cluster.name}" uses plain http (${cluster.server}), which the Kubernetes client accepts only with insecure-skip-tls-verify: true` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, error: `${where}: cluster "${cluster.name}" server ${cluster.server} is neither http nor https` };
  }
  return { ok: true, kc, server: cluster.server, context: current };
}

function loadInCluster(env: Readonly<Record<string, string | undefined>>, pathPrefix: string): LoadedKubeConfig {
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'];
  const where = 'in-cluster config (KUBERNETES_SERVICE_HOST is set)';
  if (!host || !port) return { ok: false, error: `${where}: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set` };
  const token = `${pathPrefix}${SERVICE_ACCOUNT_DIR}/token`;
  try {
    accessSync(token, constants.R_OK);
  } catch (err) {
    return { ok: false, error: `${where}: cannot read the service-account token ${token} (${message(err)}); outside a pod use --kubeconfig or --manifests` };
  }
  const kc = new KubeConfig();
  try {
    // Reads KUBERNETES_SERVICE_HOST/PORT from process.env, which is what `env` is outside tests.
    kc.loadFromCluster(pathPrefix);
  } catch (err) {
    return { ok: false, error: `${where}: ${message(err)}` };
  }
  return checkCluster(kc, where);
}

export interface LoadOptions {
  /** Prefix of the service-account directory (tests put the files elsewhere). Default ''. */
  readonly serviceAccountPrefix?: string;
}

/** Loads and checks the client configuration; the error is one line naming what to fix. */
export function loadKubeConfig(
  target: KubeTarget,
  env: Readonly<Record<string, string | undefined>>,
  options: LoadOptions = {},
): LoadedKubeConfig {
  if (target.kubeconfig !== null) return loadFiles(target.kubeconfig, target.context);
  return loadInCluster(env, options.serviceAccountPrefix ?? '');
}
