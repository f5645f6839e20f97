// The one interface both cluster sources (manifest files, Kubernetes informers) implement,
// and the sink they feed (the zone index).
import type { ClusterObject, ObjectKind } from './types.js';

export interface ClusterSink {
  /** An object was added or changed. Unchanged content must be a cheap no-op for the sink. */
  upsert(object: ClusterObject): void;
  /** An object is gone. */
  remove(kind: ObjectKind, namespace: string | undefined, name: string): void;
  /**
   * The complete current state of one kind (a list, or a relist after 410 Gone, or a re-read of the
   * manifests). Objects not in `objects` are removed; the sink applies the difference, not a rebuild.
   */
  replace(kind: ObjectKind, objects: readonly ClusterObject[]): void;
  /** The first complete list of `kind` has been delivered. */
  markSynced(kind: ObjectKind): void;
}

export interface SourceStatus {
  /** Which source: 'manifests' or 'kubernetes'. */
  readonly name: string;
  /** Every kind this source serves has had its first complete list. */
  readonly synced: boolean;
  /** Connected to its origin (the API server, or the manifest files readable). */
  readonly connected: boolean;
  /** Free-form detail for /ready and logs, e.g. the last error. */
  readonly detail?: string;
}

export interface ClusterSource {
  /** Starts feeding `sink`; resolves once the first attempt to list everything has finished (success or not). */
  start(sink: ClusterSink): Promise<void>;
  stop(): Promise<void>;
  status(): SourceStatus;
  /** The kinds this source will deliver (pods only when a mode needs them). */
  readonly kinds: readonly ObjectKind[];
}
