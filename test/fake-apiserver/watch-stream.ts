// One open WATCH: newline-delimited JSON events over a chunked 200 response, with the real server's
// selector semantics (an object that stops matching is sent as DELETED), bookmarks and timeout.
import type { ServerResponse } from 'node:http';
import { withResourceVersion } from './normalize.js';
import { objectMatches, type ObjectFilter } from './query.js';
import { apiVersionOf } from './resources.js';
import type { ResourceName, Status, StoreEvent, StoredObject } from './types.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchStreamOptions {
  bookmarks: boolean;
  bookmarkIntervalMs: number;
  /** Clean end of the stream after this long (the request's timeoutSeconds or the server's own limit). */
  timeoutMs: number | undefined;
  currentResourceVersion: () => number;
}

type State = 'pending' | 'open' | 'stalled' | 'closed';

export class WatchStream {
  readonly resource: ResourceName;
  private state: State = 'pending';
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly res: ServerResponse;
  private readonly filter: ObjectFilter;
  private readonly options: WatchStreamOptions;
  private readonly closeListeners: Array<() => void> = [];

  constructor(res: ServerResponse, filter: ObjectFilter, options: WatchStreamOptions) {
    this.res = res;
    this.filter = filter;
    this.options = options;
    this.resource = filter.info.resource;
    res.on('close', () => this.finish());
  }

  /** Open streams receive events; pending and stalled ones (and closed ones) do not. */
  get isOpen(): boolean {
    return this.state === 'open';
  }

  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  /** Sends the 200 headers and starts the bookmark and timeout clocks. */
  open(): void {
    if (this.state !== 'pending') return;
    this.state = 'open';
    this.res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    this.res.flushHeaders();
    if (this.options.bookmarks && this.options.bookmarkIntervalMs > 0) {
      this.timers.push(setInterval(() => this.bookmark(), this.options.bookmarkIntervalMs));
    }
    if (this.options.timeoutMs !== undefined) {
      this.timers.push(setTimeout(() => {
        // The real server sends a last bookmark just before a timed-out watch ends, so the client resumes there.
        if (this.options.bookmarks) this.bookmark();
        this.end();
      }, this.options.timeoutMs));
    }
  }

  /** Delivers a store event, converted for this watcher's selectors as the watch cache does. */
  deliver(event: StoreEvent): void {
    if (this.state !== 'open') return;
    const nowMatches = event.type !== 'DELETED' && objectMatches(this.filter, event.object);
    const wasMatching = event.prev !== undefined && objectMatches(this.filter, event.prev);
    if (nowMatches && !wasMatching) this.write('ADDED', event.object);
    else if (nowMatches) this.write('MODIFIED', event.object);
    else if (wasMatching && event.prev !== undefined) this.write('DELETED', withResourceVersion(event.prev, event.rv));
  }

  /** A synthetic ADDED for an object that already exists (a watch without resourceVersion starts this way). */
  added(obj: StoredObject): void {
    if (this.state === 'open' && objectMatches(this.filter, obj)) this.write('ADDED', obj);
  }

  bookmark(annotations?: Record<string, string>): void {
    if (this.state !== 'open') return;
    const info = this.filter.info;
    const metadata: Record<string, unknown> = {
      resourceVersion: String(this.options.currentResourceVersion()), creationTimestamp: null,
    };
    if (annotations !== undefined) metadata.annotations = annotations;
    this.write('BOOKMARK', { kind: info.kind, apiVersion: apiVersionOf(info), metadata });
  }

  /** An ERROR event (e.g. 410 Expired) followed by the end of the stream, as the real server does. */
  fail(status: Status): void {
    this.write('ERROR', status);
    this.end();
  }

  /** Clean end: the final chunk is sent and the connection stays usable. */
  end(): void {
    if (this.state === 'closed') return;
    if (this.state === 'pending' || (this.state === 'stalled' && !this.res.headersSent)) {
      // Nothing was ever sent: a clean end is an empty 200.
      this.state = 'open';
      this.res.writeHead(200, { 'Content-Type': 'application/json' });
    }
    this.res.end();
    this.finish();
  }

  /** The connection dies mid-stream (an API server restart, a load balancer reset). */
  reset(): void {
    this.res.socket?.destroy();
    this.res.destroy();
    this.finish();
  }

  /** Keep the connection but send nothing more, ever: a half-dead TCP connection. */
  stall(): void {
    if (this.state === 'open' || this.state === 'pending') this.state = 'stalled';
    this.clearTimers();
  }

  /** Half of an event line, then a clean end: the client sees a line that is not JSON. */
  truncate(): void {
    if (this.state !== 'open') {
      this.reset();
      return;
    }
    const info = this.filter.info;
    const line = JSON.stringify({ type: 'BOOKMARK', object: {
      kind: info.kind, apiVersion: apiVersionOf(info),
      metadata: { resourceVersion: String(this.options.currentResourceVersion()) } } });
    this.res.write(line.slice(0, Math.floor(line.length / 2)));
    this.res.end();
    this.finish();
  }

  private write(type: WatchEventType, object: unknown): void {
    if (this.state !== 'open') return;
    this.res.write(`${JSON.stringify({ type, object })}\n`);
  }

  private finish(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.clearTimers();
    for (const listener of this.closeListeners.splice(0)) listener();
  }

  private clearTimers(): void {
    for (const timer of this.timers.splice(0)) clearTimeout(timer);
  }
}
