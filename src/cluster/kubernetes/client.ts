// The two requests the source makes, over client-node's machinery: list pages through the generated
// API clients (query building, authentication, its HTTP stack) and watches through its `Watch`.
//
// Lists come back as raw JSON, not as the client's typed models: the models turn timestamps into
// Date objects and drop fields they do not know, while watch events are raw JSON, so converting the
// two would need two shapes. A response processor that only parses the body keeps one shape (the
// API's own), and skips building a model object per item of a 500-item page.
import {
  ApiException, CoreV1Api, DiscoveryV1Api, ServerConfiguration, Watch, createConfiguration,
  type KubeConfig, type Middleware, type RequestContext, type ResponseContext,
} from '@kubernetes/client-node';

export type ResourceName = 'services' | 'endpointslices' | 'namespaces' | 'pods';

export interface ListPageRequest {
  readonly limit: number;
  readonly continueToken?: string;
  readonly labelSelector?: string;
}

export interface RawListPage {
  readonly items: readonly unknown[];
  readonly resourceVersion: string;
  /** null on the last page. */
  readonly continueToken: string | null;
}

/** `type` and `object` of one watch line; `object` is raw JSON. */
export type WatchEventHandler = (type: string, object: unknown) => void;

export interface WatchQuery {
  readonly resourceVersion: string;
  readonly labelSelector?: string;
  readonly timeoutSeconds: number;
}

export interface KubeClient {
  /** The API server URL, for logs. */
  readonly server: string;
  listPage(resource: ResourceName, request: ListPageRequest): Promise<RawListPage>;
  /**
   * Opens a watch (bookmarks requested). `onDone` is called exactly once, with null on a clean end.
   * Resolves with the controller once the response headers arrived or the attempt failed.
   */
  watch(resource: ResourceName, query: WatchQuery, onEvent: WatchEventHandler, onDone: (err: unknown) => void): Promise<AbortController>;
}

export interface KubeClientOptions {
  /** A watch with no bytes at all (not even a bookmark) for this long is aborted (reported as a TimeoutError). */
  readonly silenceTimeoutMs: number;
  /** Longest one list page may take, body included. */
  readonly listTimeoutMs: number;
  /** Aborts every request in flight when the source stops. */
  readonly signal: AbortSignal;
  readonly userAgent: string;
}

const WATCH_PATHS: Readonly<Record<ResourceName, string>> = {
  services: '/api/v1/services',
  endpointslices: '/apis/discovery.k8s.io/v1/endpointslices',
  namespaces: '/api/v1/namespaces',
  pods: '/api/v1/pods',
};

/**
 * The body as text, decoded chunk by chunk. `text()` would first copy the whole body into one buffer
 * (a page of EndpointSlices is megabytes): glibc then raises its mmap threshold and keeps such freed
 * blocks in its heap, which showed as tens of MB of RSS that never came back after a sync.
 */
async function bodyText(response: ResponseContext): Promise<string> {
  const stream: unknown = response.body.stream();
  if (!(stream instanceof ReadableStream)) return response.body.text();
  const decoder = new TextDecoder();
  const parts: string[] = [];
  for await (const chunk of stream as ReadableStream<Uint8Array>) parts.push(decoder.decode(chunk, { stream: true }));
  parts.push(decoder.decode());
  return parts.join('');
}

/** Parses a successful body as plain JSON; any other status becomes the client's ApiException. */
async function rawBody(response: ResponseContext): Promise<{ data: unknown }> {
  const text = await bodyText(response);
  if (response.httpStatusCode >= 200 && response.httpStatusCode <= 299) return { data: JSON.parse(text) as unknown };
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // keep the text
  }
  throw new ApiException(response.httpStatusCode, `HTTP ${response.httpStatusCode}`, body, response.headers);
}

const RAW_LISTS = {
  listServiceForAllNamespacesWithHttpInfo: rawBody,
  listNamespaceWithHttpInfo: rawBody,
  listPodForAllNamespacesWithHttpInfo: rawBody,
  listEndpointSliceForAllNamespacesWithHttpInfo: rawBody,
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toPage(body: unknown): RawListPage {
  if (!isRecord(body) || !Array.isArray(body['items'])) throw new Error('list response has no items');
  const meta = isRecord(body['metadata']) ? body['metadata'] : {};
  const resourceVersion = typeof meta['resourceVersion'] === 'string' ? meta['resourceVersion'] : '';
  if (resourceVersion === '') throw new Error('list response has no metadata.resourceVersion');
  const token = typeof meta['continue'] === 'string' && meta['continue'] !== '' ? meta['continue'] : null;
  return { items: body['items'] as unknown[], resourceVersion, continueToken: token };
}

export function createKubeClient(kc: KubeConfig, server: string, options: KubeClientOptions): KubeClient {
  const perRequest: Middleware = {
    pre: (ctx: RequestContext) => {
      ctx.setHeaderParam('User-Agent', options.userAgent);
      ctx.setSignal(AbortSignal.any([AbortSignal.timeout(options.listTimeoutMs), options.signal]));
      return Promise.resolve(ctx);
    },
    post: (rsp: ResponseContext) => Promise.resolve(rsp),
  };
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(server, {}),
    authMethods: { default: kc },
    promiseMiddleware: [perRequest],
  });
  // The processors' types are not exported; ours implements only the four list calls used here.
  const core = new CoreV1Api(configuration, undefined, RAW_LISTS as unknown as ConstructorParameters<typeof CoreV1Api>[2]);
  const discovery = new DiscoveryV1Api(configuration, undefined, RAW_LISTS as unknown as ConstructorParameters<typeof DiscoveryV1Api>[2]);

  const watcher = new Watch(kc);
  // A private field in the typings, documented by the library as the watch's inactivity timeout: it is
  // reset by every chunk of the body, so it fires only when not even a bookmark arrived in time.
  (watcher as unknown as { requestTimeoutMs: number }).requestTimeoutMs = options.silenceTimeoutMs;

  const list = async (resource: ResourceName, request: ListPageRequest): Promise<unknown> => {
    const params = {
      limit: request.limit,
      ...(request.continueToken !== undefined ? { _continue: request.continueToken } : {}),
      ...(request.labelSelector ? { labelSelector: request.labelSelector } : {}),
    };
    switch (resource) {
      case 'services':
        return core.listServiceForAllNamespaces(params);
      case 'namespaces':
        return core.listNamespace(params);
      case 'pods':
        return core.listPodForAllNamespaces(params);
      case 'endpointslices':
        return discovery.listEndpointSliceForAllNamespaces(params);
    }
  };

  return {
    server,
    listPage: async (resource, request) => toPage(await list(resource, request)),
    watch: (resource, query, onEvent, onDone) => watcher.watch(
      WATCH_PATHS[resource],
      {
        allowWatchBookmarks: true,
        resourceVersion: query.resourceVersion,
        timeoutSeconds: query.timeoutSeconds,
        ...(query.labelSelector ? { labelSelector: query.labelSelector } : {}),
      },
      (type: string, object: unknown) => onEvent(type, object),
      onDone,
    ),
  };
}

/** HTTP status of a failed list or watch, when it got that far. */
export function statusOf(err: unknown): number | undefined {
  if (err instanceof ApiException) return err.code;
  if (isRecord(err) && typeof err['statusCode'] === 'number') return err['statusCode'];
  return undefined;
}

/** The Retry-After of a 429 or 503 (API Priority and Fairness asks clients to wait), in ms; 0 without one. */
export function retryAfterMs(err: unknown): number {
  if (!(err instanceof ApiException) || (err.code !== 429 && err.code !== 503)) return 0;
  const headers = err.headers as Record<string, string | undefined> | undefined;
  const seconds = Number(headers?.['retry-after']);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
}

/** One line on what went wrong with a request: status and message, or the network error code. */
export function describeError(err: unknown): string {
  if (err instanceof ApiException) {
    const body: unknown = err.body;
    const detail = isRecord(body) && typeof body['message'] === 'string' ? `: ${body['message']}` : '';
    return `HTTP ${err.code}${detail}`;
  }
  if (err instanceof Error) {
    const cause: unknown = err.cause;
    const code = isRecord(cause) && typeof cause['code'] === 'string' ? cause['code'] : undefined;
    const status = statusOf(err);
    if (status !== undefined) return `HTTP ${status}: ${err.message}`;
    if (code !== undefined) return `${code} (${err.message})`;
    return err.name === 'Error' ? err.message : `${err.name}: ${err.message}`;
  }
  return String(err);
}

/** The watch was aborted by the client's inactivity timer (no bytes for silenceTimeoutMs). */
export function isSilenceTimeout(err: unknown): boolean {
  return isRecord(err) && err['name'] === 'TimeoutError';
}
