// The admin HTTP server: /health (liveness: the process answers, whatever the cluster source does)
// and /ready (after the first sync, and not while shutting down). Routes are a table so /metrics
// and others are one entry each.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.js';

export interface Readiness {
  readonly ready: boolean;
  /** Why (not) ready, sent as JSON with a 503. */
  readonly detail: Record<string, unknown>;
}

export interface AdminServerOptions {
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  readonly isReady: () => Readiness;
  /** Extra routes by path (e.g. /metrics), added to /health and /ready. */
  readonly routes?: Readonly<Record<string, RouteHandler>>;
}

export interface AdminServer {
  readonly address: { readonly host: string; readonly port: number };
  close(): Promise<void>;
}

export interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export type RouteHandler = (req: IncomingMessage) => Reply | Promise<Reply>;

const text = (status: number, body: string): Reply => ({ status, contentType: 'text/plain; charset=utf-8', body });
const json = (status: number, body: unknown): Reply => ({ status, contentType: 'application/json', body: `${JSON.stringify(body)}\n` });

function baseRoutes(isReady: () => Readiness): Record<string, RouteHandler> {
  return {
    '/health': () => text(200, 'OK'),
    '/ready': () => {
      const { ready, detail } = isReady();
      return ready ? text(200, 'OK') : json(503, { ready: false, ...detail });
    },
  };
}

async function handle(routes: Readonly<Record<string, RouteHandler>>, req: IncomingMessage, res: ServerResponse, log: Logger): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://admin').pathname;
  const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
  let reply: Reply;
  if (!route) reply = text(404, 'not found');
  else if (req.method !== 'GET' && req.method !== 'HEAD') reply = text(405, 'method not allowed');
  else {
    try {
      reply = await route(req);
    } catch (err) {
      log.error({ err, path }, 'admin route failed');
      reply = text(500, 'internal error');
    }
  }
  res.writeHead(reply.status, { 'content-type': reply.contentType, 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : reply.body);
}

export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const log = options.logger.child({ server: 'admin' });
  const routes = { ...baseRoutes(options.isReady), ...options.routes };
  const server = createServer((req, res) => void handle(routes, req, res, log));
  // Probes come every few seconds; idle keep-alive sockets must not hold shutdown up.
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error({ err }, 'admin server error'));
  const bound = server.address() as AddressInfo;

  return {
    address: { host: bound.address, port: bound.port },
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
