// One HTTP request: route, record, authenticate, apply injected faults, then serve list/watch/get/write.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listCollection } from './list.js';
import { parseCollectionQuery } from './query.js';
import { parseResourcePath, verbOf, type ResourceRoute } from './routes.js';
import { ApiError, badRequest, injectedFailure, objectNotFound, pathNotFound, status, unauthorized } from './status.js';
import { planWatch, type ExpiredWatchResponse } from './watch.js';
import { WatchStream } from './watch-stream.js';
import type { FaultPlan, RequestLog } from './faults.js';
import type { VersionedStore } from './store.js';
import type { KubeObject, Status, Verb } from './types.js';

/** Protocol settings that tests may change while the server runs (they apply to requests from then on). */
export interface ServerBehaviour {
  /** When set, requests must carry `Authorization: Bearer <token>`, else 401. */
  token: string | undefined;
  /** Period of BOOKMARK events on watches that allow them. */
  bookmarkIntervalMs: number;
  /** The server's own watch timeout when the request sets no timeoutSeconds; undefined = never. */
  watchTimeoutSeconds: number | undefined;
  /** Watch from a compacted resourceVersion: an in-stream ERROR event (real server) or an HTTP 410. */
  expiredWatch: ExpiredWatchResponse;
  /** Serve resourceVersion=0 lists whole, ignoring limit, as the real watch cache does. */
  ignoreLimitAtZero: boolean;
}

export interface HandlerContext {
  store: VersionedStore;
  faults: FaultPlan;
  log: RequestLog;
  watches: Set<WatchStream>;
  behaviour: ServerBehaviour;
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;

export async function handleRequest(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake');
  if (serveInfoPath(url.pathname, res)) return;
  const route = parseResourcePath(url.pathname);
  if (route === undefined) return sendStatus(res, pathNotFound());
  const watch = parseCollectionQuery(url.searchParams, route.info, route.namespace);
  const verb = verbOf(req.method ?? 'GET', route, watch.ok && watch.query.watch);
  if (verb === undefined) {
    return sendStatus(res, status(405, `the server does not allow this method on the requested resource`, 'MethodNotAllowed'));
  }
  ctx.log.record({
    verb, resource: route.info.resource, namespace: route.namespace, name: route.name,
    query: Object.fromEntries(url.searchParams), authorization: req.headers.authorization,
    userAgent: req.headers['user-agent'], at: Date.now(),
  });
  const token = ctx.behaviour.token;
  if (token !== undefined && req.headers.authorization !== `Bearer ${token}`) return sendStatus(res, unauthorized());
  const failure = ctx.faults.takeFailure(route.info.resource, verb);
  const delayMs = ctx.faults.delayFor(verb);
  if (delayMs > 0) {
    await sleep(delayMs);
    if (res.destroyed || res.writableEnded) return;
  }
  if (failure !== undefined) {
    const headers: Record<string, string> = failure.status === 429 || failure.status === 503
      ? { 'Retry-After': String(failure.retryAfterSeconds) } : {};
    return sendStatus(res, injectedFailure(failure.status, failure.retryAfterSeconds), headers);
  }
  try {
    if (verb === 'list' || verb === 'watch') {
      if (!watch.ok) return sendStatus(res, badRequest(watch.message));
      if (verb === 'list') {
        const result = listCollection(ctx.store, watch.query, { ignoreLimitAtZero: ctx.behaviour.ignoreLimitAtZero });
        return result.ok ? sendJson(res, 200, result.body) : sendStatus(res, result.status);
      }
      return startWatch(ctx, watch.query, res);
    }
    if (verb === 'get') return serveGet(ctx, route, res);
    const body = verb === 'delete' ? undefined : await readObject(req);
    return sendJson(res, verb === 'create' ? 201 : 200, write(ctx, verb, route, body));
  } catch (err) {
    if (err instanceof ApiError) return sendStatus(res, err.status);
    return sendStatus(res, status(500, `Internal error occurred: ${String(err)}`));
  }
}

function startWatch(ctx: HandlerContext, query: Parameters<typeof planWatch>[1], res: ServerResponse): void {
  const plan = planWatch(ctx.store, query);
  if (plan.kind === 'invalid') return sendStatus(res, plan.status);
  if (plan.kind === 'expired' && ctx.behaviour.expiredWatch === 'http') return sendStatus(res, plan.status);
  const timeoutSeconds = query.timeoutSeconds ?? ctx.behaviour.watchTimeoutSeconds;
  const stream = new WatchStream(res, query.filter, {
    bookmarks: query.allowWatchBookmarks,
    bookmarkIntervalMs: ctx.behaviour.bookmarkIntervalMs,
    timeoutMs: timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000,
    currentResourceVersion: () => ctx.store.resourceVersion,
  });
  ctx.watches.add(stream);
  stream.onClose(() => {
    ctx.watches.delete(stream);
    ctx.log.poke();
  });
  if (ctx.faults.stalled) {
    stream.stall();
    return;
  }
  stream.open();
  if (plan.kind === 'expired') stream.fail(plan.status);
  else plan.replay(stream);
  ctx.log.poke();
}

function serveGet(ctx: HandlerContext, route: ResourceRoute, res: ServerResponse): void {
  const name = route.name as string;
  const obj = ctx.store.get(route.info, route.namespace, name);
  if (obj === undefined) return sendStatus(res, objectNotFound(route.info.resource, route.info.group, name));
  sendJson(res, 200, obj);
}

function write(ctx: HandlerContext, verb: Verb, route: ResourceRoute, body: KubeObject | undefined): unknown {
  const { info, namespace, name } = route;
  if (verb === 'delete') return ctx.store.delete(info, namespace, name as string);
  if (body === undefined) throw new ApiError(badRequest('the request body must be a JSON object with metadata'));
  if (body.kind !== undefined && body.kind !== info.kind) {
    throw new ApiError(badRequest(`the kind "${body.kind}" does not match the resource ${info.resource}`));
  }
  const bodyNamespace = body.metadata.namespace;
  if (namespace !== undefined && bodyNamespace !== undefined && bodyNamespace !== namespace) {
    throw new ApiError(badRequest('the namespace of the provided object does not match the namespace sent on the request'));
  }
  const obj: KubeObject = { ...body, metadata: { ...body.metadata, namespace: namespace ?? bodyNamespace } };
  if (verb === 'create') return ctx.store.create(info, obj);
  if (body.metadata.name !== name) {
    throw new ApiError(badRequest('the name of the object does not match the name on the URL'));
  }
  return ctx.store.update(info, obj);
}

async function readObject(req: IncomingMessage): Promise<KubeObject | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (parsed === null || typeof parsed !== 'object') return undefined;
    const metadata = (parsed as { metadata?: unknown }).metadata;
    if (metadata === null || typeof metadata !== 'object') return undefined;
    return parsed as KubeObject;
  } catch {
    return undefined;
  }
}

function serveInfoPath(pathname: string, res: ServerResponse): boolean {
  if (pathname === '/healthz' || pathname === '/livez' || pathname === '/readyz') {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('ok');
    return true;
  }
  if (pathname === '/version') {
    sendJson(res, 200, { major: '1', minor: '33', gitVersion: 'v1.33.0-svcdns-fake', platform: 'linux/amd64' });
    return true;
  }
  return false;
}

export function sendJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendStatus(res: ServerResponse, body: Status, headers: Record<string, string> = {}): void {
  sendJson(res, body.code, body, headers);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
