// Passes a source's events through to the real sink and notices when every kind has had its first
// complete list, so start-up can wait for the first sync without polling.
import type { ClusterSink } from './source.js';
import type { ObjectKind } from './types.js';

export interface SyncWatch {
  /** Give this to the source instead of the real sink. */
  readonly sink: ClusterSink;
  /** Resolves once markSynced has been seen for every kind. */
  readonly synced: Promise<void>;
}

export function watchSync(target: ClusterSink, kinds: readonly ObjectKind[]): SyncWatch {
  const waiting = new Set(kinds);
  const { promise, resolve } = Promise.withResolvers<void>();
  if (waiting.size === 0) resolve();
  const sink: ClusterSink = {
    upsert: (object) => target.upsert(object),
    remove: (kind, namespace, name) => target.remove(kind, namespace, name),
    replace: (kind, objects) => target.replace(kind, objects),
    markSynced: (kind) => {
      target.markSynced(kind);
      if (waiting.delete(kind) && waiting.size === 0) resolve();
    },
  };
  return { sink, synced: promise };
}
