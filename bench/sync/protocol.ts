// Messages between bench/sync.ts and the API server host process it forks (apiserver-host.ts).
import type { KubeObject } from '../lib/model.ts';

export type HostRequest =
  /** Create or replace an object (as `kubectl apply` of the whole object); answers with its resourceVersion. */
  | { readonly op: 'apply'; readonly id: number; readonly object: KubeObject }
  /** An API server restart: connections dropped, every old resourceVersion expired (watches get 410 → relist). */
  | { readonly op: 'restart'; readonly id: number }
  /** How many requests of this resource and verb the server has seen. */
  | { readonly op: 'count'; readonly id: number; readonly resource: string; readonly verb: string };

export type HostMessage =
  | { readonly op: 'ready'; readonly url: string; readonly kubeconfig: string; readonly resourceVersion: string; readonly objects: number }
  | { readonly op: 'done'; readonly id: number; readonly ok: true; readonly value: string | number }
  | { readonly op: 'done'; readonly id: number; readonly ok: false; readonly error: string }
  | { readonly op: 'fatal'; readonly error: string };

export function isHostMessage(value: unknown): value is HostMessage {
  return typeof value === 'object' && value !== null && typeof (value as { op?: unknown }).op === 'string';
}
