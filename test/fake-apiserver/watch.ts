// Where a WATCH starts: replay from a resourceVersion, synthetic ADDED events for the current state, or an
// expired (410) answer when the resourceVersion is older than the retained history.
import { parseResourceVersion, type CollectionQuery } from './query.js';
import { badRequest, tooOldResourceVersion } from './status.js';
import type { VersionedStore } from './store.js';
import type { Status } from './types.js';
import type { WatchStream } from './watch-stream.js';

export type ExpiredWatchResponse = 'event' | 'http';

export type WatchPlan =
  | { kind: 'start'; replay: (stream: WatchStream) => void }
  | { kind: 'expired'; status: Status }
  | { kind: 'invalid'; status: Status };

/** Decides, synchronously with the store, what a new watch must receive before live events. */
export function planWatch(store: VersionedStore, query: CollectionQuery): WatchPlan {
  const { resourceVersion: rvParam, resourceVersionMatch: match, sendInitialEvents } = query;
  if (sendInitialEvents === true && (match !== 'NotOlderThan' || !query.allowWatchBookmarks)) {
    return { kind: 'invalid', status: badRequest(
      'sendInitialEvents requires resourceVersionMatch=NotOlderThan and allowWatchBookmarks=true') };
  }
  if (match !== undefined && match !== 'NotOlderThan') {
    return { kind: 'invalid', status: badRequest(`resourceVersionMatch: Unsupported value: "${match}" for watch`) };
  }
  const rv = rvParam === undefined ? 0 : parseResourceVersion(rvParam);
  if (rv === undefined) return { kind: 'invalid', status: badRequest(`Invalid value: "${rvParam}": resourceVersion must be an integer`) };
  const info = query.filter.info;

  // "Start at most recent": the current state as ADDED events, then changes. Also what sendInitialEvents asks.
  if (rv === 0 || sendInitialEvents === true) {
    const at = store.resourceVersion;
    const entries = store.entriesAt(info, at) ?? [];
    return {
      kind: 'start',
      replay: (stream) => {
        for (const [, obj] of entries) stream.added(obj);
        if (sendInitialEvents === true) stream.bookmark({ 'k8s.io/initial-events-end': 'true' });
      },
    };
  }
  const events = store.eventsAfter(info.resource, rv);
  if (events === undefined) return { kind: 'expired', status: tooOldResourceVersion(rv, store.oldestResourceVersion) };
  return { kind: 'start', replay: (stream) => { for (const event of events) stream.deliver(event); } };
}
