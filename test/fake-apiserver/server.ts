// FakeApiServer: a Kubernetes API server for tests, speaking the real list/watch protocol over node:http,
// with handles to change the cluster and to make the server misbehave the way real ones do.
import { FaultPlan, RequestLog, type RequestRecord, type SlowOptions } from './faults.js';
import { handleRequest, sendStatus, type HandlerContext, type ServerBehaviour } from './handler.js';
import { writeKubeconfig, type KubeconfigOptions } from './kubeconfig.js';
import { Listener } from './listener.js';
import { resourceInfo, type ResourceInfo } from './resources.js';
import { ApiError, badRequest, status } from './status.js';
import { VersionedStore, type StoreOptions } from './store.js';
import type { KubeObject, ResourceName, ResourceRef, StoredObject, Verb } from './types.js';
import type { WatchStream } from './watch-stream.js';

export interface FakeApiServerOptions extends StoreOptions, Partial<ServerBehaviour> {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Initial state, loaded like `load()`. */
  objects?: Iterable<KubeObject>;
}

export interface RestartOptions {
  /** Replace the whole state with these objects, under new resourceVersions (all older ones expire). */
  objects?: Iterable<KubeObject>;
  /** Refuse connections for this long before serving again. Default 0. */
  downMs?: number;
  /** Without new objects, keep old resourceVersions watchable (by default they expire, as a new watch cache starts empty). */
  keepHistory?: boolean;
  /** How far resourceVersions jump when the state is replaced. Default 1000. */
  resourceVersionGap?: number;
}

export interface FailOptions {
  /** Only requests with this verb fail (default: any verb). */
  verb?: Verb;
  /** Retry-After (and details.retryAfterSeconds) for 429 and 503. Default 1. */
  retryAfterSeconds?: number;
}

export class FakeApiServer {
  private readonly listener: Listener;
  private readonly ctx: HandlerContext;

  private constructor(options: FakeApiServerOptions) {
    this.ctx = {
      store: new VersionedStore(options),
      faults: new FaultPlan(),
      log: new RequestLog(),
      watches: new Set<WatchStream>(),
      behaviour: {
        token: options.token,
        bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
        watchTimeoutSeconds: options.watchTimeoutSeconds,
        expiredWatch: options.expiredWatch ?? 'event',
        ignoreLimitAtZero: options.ignoreLimitAtZero ?? true,
      },
    };
    this.ctx.store.subscribe((event) => {
      for (const stream of this.ctx.watches) if (stream.resource === event.resource) stream.deliver(event);
    });
    this.listener = new Listener(options.host ?? '127.0.0.1', options.port ?? 0, (req, res) => {
      handleRequest(this.ctx, req, res).catch((err: unknown) => {
        sendStatus(res, status(500, `Internal error occurred: ${String(err)}`));
      });
    });
  }

  static async start(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
    const server = new FakeApiServer(options);
    if (options.objects !== undefined) server.load(options.objects);
    await server.listener.listen();
    return server;
  }

  /** `http://127.0.0.1:PORT`; the port stays the same across refuseConnections and restart. */
  get url(): string {
    return this.listener.url;
  }

  /** The cluster's current resourceVersion. */
  get resourceVersion(): string {
    return String(this.ctx.store.resourceVersion);
  }

  /** The oldest resourceVersion a watch may start from; older ones answer 410. */
  get oldestResourceVersion(): string {
    return String(this.ctx.store.oldestResourceVersion);
  }

  // ---- the cluster's state -------------------------------------------------------------------------------

  /** Creates the object (`kind` picks the resource); throws ApiError 409 AlreadyExists. */
  create(obj: KubeObject): StoredObject {
    return structuredClone(this.ctx.store.create(this.infoOfObject(obj), structuredClone(obj)));
  }

  /** Replaces the object; a set, stale `metadata.resourceVersion` throws ApiError 409 Conflict, a missing object 404. */
  update(obj: KubeObject): StoredObject {
    return structuredClone(this.ctx.store.update(this.infoOfObject(obj), structuredClone(obj)));
  }

  /** Creates or replaces, ignoring resourceVersion (like `kubectl apply` of a whole object). */
  apply(obj: KubeObject): StoredObject {
    return structuredClone(this.ctx.store.upsert(this.infoOfObject(obj), structuredClone(obj)));
  }

  /** Deletes at once; a Namespace takes its contents with it. Throws ApiError 404. */
  delete(ref: ResourceRef, namespace: string | undefined, name: string): StoredObject {
    return structuredClone(this.ctx.store.delete(this.info(ref), namespace, name));
  }

  get(ref: ResourceRef, namespace: string | undefined, name: string): StoredObject | undefined {
    const obj = this.ctx.store.get(this.info(ref), namespace, name);
    return obj === undefined ? undefined : structuredClone(obj);
  }

  list(ref: ResourceRef, namespace?: string): StoredObject[] {
    const info = this.info(ref);
    const entries = this.ctx.store.entriesAt(info, this.ctx.store.resourceVersion) ?? [];
    return entries.filter(([, o]) => namespace === undefined || o.metadata.namespace === namespace)
      .map(([, o]) => structuredClone(o));
  }

  /**
   * Bulk create-or-replace for large generated clusters: no deep copies (only top level and metadata are
   * copied, so do not mutate the objects' contents afterwards), Namespaces first. Open watches see the events.
   */
  load(objects: Iterable<KubeObject>): number {
    const prepared = this.prepare(objects);
    for (const { info, object } of prepared) this.ctx.store.upsert(info, object);
    return prepared.length;
  }

  // ---- protocol knobs --------------------------------------------------------------------------------------

  /** Changes protocol settings for requests from now on (bookmark interval, expired-watch answer, token…). */
  configure(settings: Partial<ServerBehaviour>): void {
    Object.assign(this.ctx.behaviour, settings);
  }

  /** Expires every resourceVersion older than the current one (continue tokens and watches from them → 410). */
  compact(): void {
    this.ctx.store.expireBefore(this.ctx.store.resourceVersion);
  }

  /** Expires every resourceVersion below `rv`. */
  expireBefore(rv: number | string): void {
    this.ctx.store.expireBefore(Number(rv));
  }

  // ---- faults ----------------------------------------------------------------------------------------------

  /** Ends open watch streams cleanly (the final chunk is sent). Returns how many. */
  closeWatches(ref?: ResourceRef): number {
    return this.eachWatch(ref, (w) => w.end());
  }

  /** Destroys open watch connections mid-stream, as an API server restart does. Returns how many. */
  resetWatches(ref?: ResourceRef): number {
    return this.eachWatch(ref, (w) => w.reset());
  }

  /** Sends half of a JSON line on each open watch, then ends it. Returns how many. */
  truncatedLine(ref?: ResourceRef): number {
    return this.eachWatch(ref, (w) => w.truncate());
  }

  /**
   * `true`: open watches go silent for good (a half-dead connection) and new watches hang without headers.
   * `false`: new watches are served again (streams already stalled stay silent). Returns streams stalled.
   */
  stallWatches(on = true): number {
    this.ctx.faults.stalled = on;
    return on ? this.eachWatch(undefined, (w) => w.stall()) : 0;
  }

  /** Answers the next `count` requests for the resource ('*' = any) with `code` and a Status body. */
  failNext(ref: ResourceRef | '*', code: number, count = 1, options: FailOptions = {}): void {
    this.ctx.faults.failNext({
      resource: ref === '*' ? '*' : this.info(ref).resource, verb: options.verb, status: code, remaining: count,
      retryAfterSeconds: options.retryAfterSeconds ?? 1,
    });
  }

  /** Delays responses (and the headers of watches) by `ms`; `slow(0)` turns it off. */
  slow(ms: number, options?: SlowOptions): void {
    this.ctx.faults.slow(ms, options);
  }

  /** Removes armed failures, slowness and the stall mode. */
  clearFaults(): void {
    this.ctx.faults.clear();
  }

  /**
   * An API server restart: every connection is dropped; the state is optionally replaced (pass the objects, or
   * options with `objects`: new resourceVersions, all old ones expired); by default old resourceVersions expire
   * even when the state is kept, as a restarted server's watch cache starts at the current one.
   */
  async restart(stateOrOptions: Iterable<KubeObject> | RestartOptions = {}): Promise<void> {
    const options: RestartOptions = Symbol.iterator in stateOrOptions
      ? { objects: stateOrOptions as Iterable<KubeObject> } : stateOrOptions as RestartOptions;
    const downMs = options.downMs ?? 0;
    if (downMs > 0) await this.listener.stop();
    this.dropConnections();
    if (options.objects !== undefined) {
      this.ctx.store.replaceAll(this.prepare(options.objects), options.resourceVersionGap ?? 1000);
    } else if (options.keepHistory !== true) {
      this.compact();
    }
    if (downMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await this.listener.listen();
    }
  }

  /** `true`: stop listening and drop every connection (connects are refused); `false`: listen on the same port. */
  async refuseConnections(on: boolean): Promise<void> {
    if (on) {
      this.dropConnections();
      await this.listener.stop();
    } else {
      await this.listener.listen();
    }
  }

  // ---- observation -----------------------------------------------------------------------------------------

  /** Requests seen for a resource and verb ('*' or omitted = all). */
  requestCount(ref: ResourceRef | '*' = '*', verb: Verb | '*' = '*'): number {
    return this.ctx.log.count(ref === '*' ? '*' : this.info(ref).resource, verb);
  }

  /** The last 1000 requests, oldest first. */
  requests(): readonly RequestRecord[] {
    return this.ctx.log.entries();
  }

  resetCounters(): void {
    this.ctx.log.reset();
  }

  /** Watch streams currently open and delivering (stalled and not-yet-answered ones excluded). */
  watchCount(ref?: ResourceRef): number {
    const resource = ref === undefined ? undefined : this.info(ref).resource;
    return [...this.ctx.watches].filter((w) => w.isOpen && (resource === undefined || w.resource === resource)).length;
  }

  /** Resolves when requestCount(ref, verb) reaches `count`; rejects after `timeoutMs` (default 3000). */
  waitForRequests(ref: ResourceRef | '*', verb: Verb | '*', count: number, timeoutMs = 3000): Promise<void> {
    return this.ctx.log.waitUntil(() => this.requestCount(ref, verb) >= count, timeoutMs,
      `${count} ${verb} request(s) on ${ref}`);
  }

  /** Resolves when at least `count` watches of the resource are open; rejects after `timeoutMs` (default 3000). */
  waitForWatchers(ref: ResourceRef, count: number, timeoutMs = 3000): Promise<void> {
    return this.ctx.log.waitUntil(() => this.watchCount(ref) >= count, timeoutMs, `${count} open watch(es) on ${ref}`);
  }

  /** Writes a kubeconfig (http server, insecure-skip-tls-verify, a token user) and returns its path. */
  kubeconfig(path: string, options: KubeconfigOptions = {}): string {
    return writeKubeconfig(path, this.url, { token: this.ctx.behaviour.token ?? 'svcdns-fake-token', ...options });
  }

  async close(): Promise<void> {
    this.ctx.faults.clear();
    this.dropConnections();
    await this.listener.stop();
  }

  // ---- internals -------------------------------------------------------------------------------------------

  private info(ref: ResourceRef): ResourceInfo {
    const info = resourceInfo(ref);
    if (info === undefined) throw new ApiError(badRequest(`the fake API server does not serve "${ref}"`));
    return info;
  }

  private infoOfObject(obj: KubeObject): ResourceInfo {
    if (typeof obj.kind !== 'string') throw new ApiError(badRequest('object has no kind'));
    return this.info(obj.kind as ResourceRef);
  }

  private prepare(objects: Iterable<KubeObject>): Array<{ info: ResourceInfo; object: KubeObject }> {
    const prepared = [...objects].map((object) => ({ info: this.infoOfObject(object), object }));
    const rank = (info: ResourceInfo): number => (info.resource === 'namespaces' ? 0 : 1);
    return prepared.sort((a, b) => rank(a.info) - rank(b.info));
  }

  private eachWatch(ref: ResourceRef | undefined, act: (w: WatchStream) => void): number {
    const resource: ResourceName | undefined = ref === undefined ? undefined : this.info(ref).resource;
    const chosen = [...this.ctx.watches].filter((w) => resource === undefined || w.resource === resource);
    for (const stream of chosen) act(stream);
    return chosen.length;
  }

  private dropConnections(): void {
    for (const stream of [...this.ctx.watches]) stream.reset();
    this.listener.destroyConnections();
  }
}
