// One watch request, from open to end, as a promise of how it ended. The caller decides what to do
// next (resume, relist, back off); this module only makes sure every way a watch can end is seen
// exactly once: a clean end, an in-stream ERROR, an HTTP error, a reset connection, silence, or the
// caller ending it (stop, relist wanted).
import { describeError, isSilenceTimeout, statusOf, type KubeClient, type ResourceName, type WatchQuery } from './client.js';

export type WatchEnd =
  /** The server ended the stream cleanly (its timeoutSeconds, or a proxy closing it). */
  | 'closed'
  /** No bytes at all, not even a bookmark, for the silence timeout: a half-dead connection. */
  | 'silent'
  /** 410 Gone (HTTP or an ERROR event): the resourceVersion is too old, a relist is needed. */
  | 'expired'
  /** Refused, reset, an error status or an ERROR event other than 410. */
  | 'error'
  /** Ended by the caller. */
  | 'stopped'
  | 'relist';

export interface WatchOutcome {
  readonly end: WatchEnd;
  readonly error?: string;
  /** The response headers (200) arrived: the API server was reached. */
  readonly established: boolean;
  /** Lines received other than an ERROR event (events and bookmarks). */
  readonly lines: number;
  readonly durationMs: number;
}

/** What the event handler says about one line; it must not throw (a throw is treated as 'error'). */
export type LineVerdict = { readonly end: null } | { readonly end: 'expired' | 'error' | 'relist'; readonly error?: string };

export interface WatchSession {
  readonly outcome: Promise<WatchOutcome>;
  /** Ends the watch now; the outcome resolves at once with `end`. */
  end(end: 'stopped' | 'relist'): void;
}

export function openWatch(
  client: KubeClient,
  resource: ResourceName,
  query: WatchQuery,
  onLine: (type: string, object: unknown) => LineVerdict,
  onEstablished: () => void,
  now: () => number = Date.now,
): WatchSession {
  const started = now();
  let settled = false;
  let doneCalled = false;
  let established = false;
  let lines = 0;
  let controller: AbortController | null = null;
  let verdict: { end: WatchEnd; error?: string } | null = null;
  const { promise, resolve } = Promise.withResolvers<WatchOutcome>();

  const finish = (end: WatchEnd, error?: string): void => {
    if (settled) return;
    settled = true;
    resolve({ end, ...(error !== undefined ? { error } : {}), established, lines, durationMs: now() - started });
  };
  const decide = (end: WatchEnd, error?: string): void => {
    verdict ??= error === undefined ? { end } : { end, error };
    controller?.abort();
    // The caller's own ends do not wait for the connection to wind down.
    if (end === 'stopped' || end === 'relist') finish(verdict.end, verdict.error);
  };

  const onEvent = (type: string, object: unknown): void => {
    if (settled || verdict !== null) return;
    let result: LineVerdict;
    try {
      result = onLine(type, object);
    } catch (err) {
      result = { end: 'relist', error: `event handler failed: ${describeError(err)}` };
    }
    if (type !== 'ERROR') lines++;
    if (result.end !== null) decide(result.end, result.error);
  };

  const onDone = (err: unknown): void => {
    doneCalled = true;
    if (verdict !== null) return finish(verdict.end, verdict.error);
    if (err === null || err === undefined) return finish('closed');
    if (isSilenceTimeout(err)) return finish('silent');
    if (statusOf(err) === 410) return finish('expired');
    finish('error', `watch ${resource}: ${describeError(err)}`);
  };

  client.watch(resource, query, onEvent, onDone).then(
    (c) => {
      controller = c;
      if (settled || verdict !== null) {
        c.abort();
        return;
      }
      if (!doneCalled) {
        established = true;
        onEstablished();
      }
    },
    (err: unknown) => onDone(err),
  );

  return { outcome: promise, end: (end) => decide(end) };
}
