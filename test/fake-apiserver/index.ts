// The fake Kubernetes API server for tests and benchmarks. See README.md for the protocol it follows.
export { FakeApiServer, type FakeApiServerOptions, type FailOptions, type RestartOptions } from './server.js';
export type { ServerBehaviour } from './handler.js';
export type { RequestRecord, SlowOptions } from './faults.js';
export type { KubeconfigOptions } from './kubeconfig.js';
export { readManifests, type ManifestLoad, type ManifestResult } from './manifests.js';
export { ApiError } from './status.js';
export type { StoreOptions } from './store.js';
export type { ExpiredWatchResponse } from './watch.js';
export type {
  KindName, KubeObject, ObjectMeta, ResourceName, ResourceRef, Status, StoredObject, Verb,
} from './types.js';
