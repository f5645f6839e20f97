// What main needs of the Kubernetes source, in one module that main imports only when the source is
// used (client-node costs ~0.5 s and ~80 MB of RSS to load; the manifests source does not pay it).
import type { Logger } from '../../logger.js';
import type { ObjectKind } from '../types.js';
import { createKubeClient } from './client.js';
import { heapCompactor } from '../../heap.js';
import { loadKubeConfig, type KubeTarget, type LoadOptions } from './kubeconfig.js';
import type { ReflectorOptions } from './reflector.js';
import { KubernetesSource } from './source.js';

export { KubernetesSource, type KubernetesSourceStats } from './source.js';
export { ProgrammingLatency, recordProgrammingLatency, serviceKindLabel, type ServiceKindLabel, type LatencyHistogram } from './programming-latency.js';
export { checkLabelSelector } from './label-selector.js';

export interface OpenKubernetesOptions {
  readonly target: KubeTarget;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly kinds: readonly ObjectKind[];
  readonly logger: Logger;
  readonly namespaces: readonly string[];
  readonly namespaceLabels: string | null;
  readonly labels: string | null;
  /** Sent as User-Agent with lists. */
  readonly userAgent: string;
  /** No bytes on a watch (not even a bookmark) for this long restarts it. Default 30 s, client-node's own. */
  readonly silenceTimeoutMs?: number;
  /** Longest one list page may take. Default 60 s. */
  readonly listTimeoutMs?: number;
  readonly reflector?: Partial<ReflectorOptions>;
  readonly load?: LoadOptions;
  /** Compact the heap after each complete list (default true; see heap.ts). */
  readonly compactAfterLists?: boolean;
}

export type OpenedKubernetesSource =
  | { readonly ok: true; readonly source: KubernetesSource }
  | { readonly ok: false; readonly error: string };

/** Loads the client configuration and builds the source; a configuration problem is one line. */
export function openKubernetesSource(options: OpenKubernetesOptions): OpenedKubernetesSource {
  const loaded = loadKubeConfig(options.target, options.env, options.load);
  if (!loaded.ok) return loaded;
  const requests = new AbortController();
  const client = createKubeClient(loaded.kc, loaded.server, {
    silenceTimeoutMs: options.silenceTimeoutMs ?? 30_000,
    listTimeoutMs: options.listTimeoutMs ?? 60_000,
    signal: requests.signal,
    userAgent: options.userAgent,
  });
  const source = new KubernetesSource({
    client, kinds: options.kinds, logger: options.logger, namespaces: options.namespaces,
    namespaceLabels: options.namespaceLabels, labels: options.labels,
    ...(options.reflector ? { reflector: options.reflector } : {}),
    onStopping: () => requests.abort(),
    compactHeap: options.compactAfterLists === false ? null : heapCompactor(),
  });
  return { ok: true, source };
}
