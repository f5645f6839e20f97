// The worker's side of --workers: instead of an admin server of its own, it answers the admin
// requests the supervisor forwards over IPC, tells the supervisor when it is serving, and shuts down
// when the supervisor goes away (the IPC channel closes, even when the supervisor was killed).
import type { IncomingMessage } from 'node:http';
import type { Readiness, Reply, RouteHandler } from '../admin/server.js';
import type { Logger } from '../logger.js';
import { isSupervisorRequest, type WorkerMessage } from './protocol.js';

export interface SupervisorLinkOptions {
  readonly routes: Readonly<Record<string, RouteHandler>>;
  readonly isReady: () => Readiness;
  /** Called once when the supervisor is gone: the worker must stop. */
  readonly onSupervisorGone: () => void;
  readonly logger: Logger;
}

export interface SupervisorLink {
  /** The DNS sockets are bound and the first sync is done. */
  ready(): void;
}

function send(message: WorkerMessage): void {
  // A worker whose supervisor is gone is shutting down anyway: nothing to report to.
  if (process.connected) process.send?.(message);
}

async function answer(options: SupervisorLinkOptions, url: string): Promise<Reply> {
  const path = new URL(url, 'http://admin').pathname;
  if (path === '/ready') {
    const { ready, detail } = options.isReady();
    return ready
      ? { status: 200, contentType: 'text/plain; charset=utf-8', body: 'OK' }
      : { status: 503, contentType: 'application/json', body: `${JSON.stringify({ ready: false, ...detail })}\n` };
  }
  const route = Object.hasOwn(options.routes, path) ? options.routes[path] : undefined;
  if (route === undefined) return { status: 404, contentType: 'text/plain; charset=utf-8', body: 'not found' };
  // The admin routes read only the URL of the request.
  return route({ url, method: 'GET' } as IncomingMessage);
}

export function linkToSupervisor(options: SupervisorLinkOptions): SupervisorLink {
  const log = options.logger;
  process.on('message', (message: unknown) => {
    if (!isSupervisorRequest(message)) return;
    answer(options, message.url).then(
      (reply) => send({ type: 'reply', id: message.id, reply }),
      (err: unknown) => {
        log.error({ err, url: message.url }, 'admin request from the supervisor failed');
        send({ type: 'reply', id: message.id, reply: { status: 500, contentType: 'text/plain; charset=utf-8', body: 'internal error' } });
      },
    );
  });
  process.once('disconnect', () => {
    log.warn('supervisor gone: shutting down');
    options.onSupervisorGone();
  });
  return { ready: () => send({ type: 'ready' }) };
}
