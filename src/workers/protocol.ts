// The messages between the supervisor and its workers (--workers N), over the IPC channel of fork().
// Both sides check what they receive: a message that does not fit is ignored, never trusted.
import type { Reply } from '../admin/server.js';

/** The environment variable that makes a process a worker; its value is a JSON WorkerRole. */
export const WORKER_ENV = 'SVCDNS_WORKER';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** What the supervisor tells a worker at start: its number and the concrete addresses to share. */
export interface WorkerRole {
  readonly index: number;
  readonly listen: readonly ListenAddress[];
}

export type WorkerMessage =
  /** The worker's DNS sockets are bound (after its first sync): it is serving and ready. */
  | { readonly type: 'ready' }
  /** The answer to an admin request the supervisor forwarded. */
  | { readonly type: 'reply'; readonly id: number; readonly reply: Reply };

/** An admin request (/metrics, /debug/explain?...) the supervisor forwards to a worker. */
export interface SupervisorRequest {
  readonly type: 'request';
  readonly id: number;
  /** Path and query string, as the client sent them. */
  readonly url: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isListenAddress(value: unknown): value is ListenAddress {
  return isObject(value) && typeof value['host'] === 'string' && Number.isInteger(value['port']);
}

export function workerRoleFromEnv(env: NodeJS.ProcessEnv): WorkerRole | null {
  const text = env[WORKER_ENV];
  if (text === undefined || text === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(value) || !Number.isInteger(value['index']) || !Array.isArray(value['listen'])) return null;
  const listen: unknown[] = value['listen'];
  if (!listen.every(isListenAddress)) return null;
  return { index: value['index'] as number, listen };
}

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  if (!isObject(value)) return false;
  if (value['type'] === 'ready') return true;
  if (value['type'] !== 'reply' || !Number.isInteger(value['id']) || !isObject(value['reply'])) return false;
  const reply = value['reply'];
  return Number.isInteger(reply['status']) && typeof reply['contentType'] === 'string' && typeof reply['body'] === 'string';
}

export function isSupervisorRequest(value: unknown): value is SupervisorRequest {
  return isObject(value) && value['type'] === 'request' && Number.isInteger(value['id']) && typeof value['url'] === 'string';
}
