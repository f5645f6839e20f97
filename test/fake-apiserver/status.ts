// `Status` bodies as the real API server writes them, and the typed error the handles throw.
import type { Status } from './types.js';

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export function status(code: number, message: string, reason?: string, details?: Status['details']): Status {
  // Field order as the real server writes it: details before code.
  return {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message,
    reason: reason ?? REASONS[code] ?? 'Unknown', ...(details === undefined ? {} : { details }), code,
  };
}

export const pathNotFound = (): Status => status(404, 'the server could not find the requested resource', 'NotFound', {});

export const objectNotFound = (resource: string, group: string, name: string): Status =>
  status(404, `${qualified(resource, group)} "${name}" not found`, 'NotFound', detailsOf(resource, group, name));

export const alreadyExists = (resource: string, group: string, name: string): Status =>
  status(409, `${qualified(resource, group)} "${name}" already exists`, 'AlreadyExists', detailsOf(resource, group, name));

export const conflict = (resource: string, group: string, name: string): Status =>
  status(409, `Operation cannot be fulfilled on ${qualified(resource, group)} "${name}": the object has been modified; ` +
    'please apply your changes to the latest version and try again', 'Conflict', detailsOf(resource, group, name));

/** What a watch from a compacted resourceVersion gets (as an ERROR event, or as the HTTP answer). */
export const tooOldResourceVersion = (requested: number, oldest: number): Status =>
  status(410, `too old resource version: ${requested} (${oldest})`, 'Expired');

export const expiredContinue = (): Status =>
  status(410, 'The provided continue parameter is too old to display a consistent list result. You can start a new ' +
    'list without the continue parameter, or use the continue token in this response to retrieve the remainder of the ' +
    'results. Continuing with the provided token results in an inconsistent list - objects that were created, ' +
    'modified, or deleted between the time the first chunk was returned and now may show up in the list.', 'Expired');

export const tooLargeResourceVersion = (requested: number, current: number): Status =>
  status(504, `Too large resource version: ${requested}, current: ${current}`, 'Timeout', { retryAfterSeconds: 1 });

export const badRequest = (message: string): Status => status(400, message, 'BadRequest');

export const unauthorized = (): Status => status(401, 'Unauthorized', 'Unauthorized');

/** An injected failure, worded like the server's own errors for that code. */
export function injectedFailure(code: number, retryAfterSeconds: number): Status {
  if (code === 429) {
    return status(429, 'Too many requests, please try again later.', 'TooManyRequests', { retryAfterSeconds });
  }
  if (code === 500) return status(500, 'Internal error occurred: injected failure', 'InternalError');
  if (code === 503) return status(503, 'the server is currently unable to handle the request', 'ServiceUnavailable');
  if (code === 410) return status(410, 'the resource version is too old (injected)', 'Expired');
  return status(code, `injected failure ${code}`);
}

function qualified(resource: string, group: string): string {
  return group === '' ? resource : `${resource}.${group}`;
}

function detailsOf(resource: string, group: string, name: string): Status['details'] {
  return group === '' ? { name, kind: resource } : { name, group, kind: resource };
}

/** Thrown by the server's handles (create on an existing name, update of a missing object, …). */
export class ApiError extends Error {
  readonly status: Status;
  constructor(body: Status) {
    super(body.message);
    this.name = 'ApiError';
    this.status = body;
  }
  get code(): number {
    return this.status.code;
  }
}
