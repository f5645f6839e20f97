// LIST: a consistent snapshot at one resourceVersion, paged with `limit` and an opaque `continue` token that
// carries that resourceVersion (so later pages come from the same snapshot, as with etcd).
import { asListItem } from './normalize.js';
import { hasSelectors, objectMatches, parseResourceVersion, type CollectionQuery } from './query.js';
import { apiVersionOf } from './resources.js';
import { badRequest, expiredContinue, tooLargeResourceVersion, tooOldResourceVersion } from './status.js';
import type { Entry, VersionedStore } from './store.js';
import type { Status } from './types.js';

export interface ListBody {
  kind: string;
  apiVersion: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: unknown[];
}

export type ListResult = { ok: true; body: ListBody } | { ok: false; status: Status };

interface ContinueToken {
  rv: number;
  start: string;
}

// The real token is base64 of {"v":"meta.k8s.io/v1","rv":N,"start":"<key>\u0000"}; clients must treat it as opaque.
export function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: token.rv, start: token.start })).toString('base64url');
}

export function decodeContinue(raw: string): ContinueToken | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (parsed === null || typeof parsed !== 'object') return undefined;
    const { v, rv, start } = parsed as Record<string, unknown>;
    if (v !== 'meta.k8s.io/v1' || typeof rv !== 'number' || typeof start !== 'string') return undefined;
    return { rv, start };
  } catch {
    return undefined;
  }
}

interface ListOptions {
  /** The real watch cache serves resourceVersion=0 lists whole, ignoring limit. */
  ignoreLimitAtZero: boolean;
}

export function listCollection(store: VersionedStore, query: CollectionQuery, options: ListOptions): ListResult {
  const at = chooseSnapshot(store, query);
  if ('status' in at) return { ok: false, status: at.status };
  const info = query.filter.info;
  const entries = store.entriesAt(info, at.rv);
  if (entries === undefined) {
    const status = query.continueToken !== undefined ? expiredContinue() : tooOldResourceVersion(at.rv, store.oldestResourceVersion);
    return { ok: false, status };
  }
  const limit = options.ignoreLimitAtZero && query.resourceVersion === '0' ? undefined : query.limit;
  const ns = query.filter.namespace;
  const rangeStart = ns === undefined ? 0 : lowerBound(entries, `${ns}/`);
  // '0' is the character after '/', so this bounds every key of the namespace.
  const rangeEnd = ns === undefined ? entries.length : lowerBound(entries, `${ns}0`);
  let i = Math.max(rangeStart, at.start === undefined ? 0 : lowerBound(entries, at.start));
  const items: unknown[] = [];
  for (; i < rangeEnd && (limit === undefined || items.length < limit); i++) {
    const obj = (entries[i] as Entry)[1];
    if (objectMatches(query.filter, obj)) items.push(asListItem(obj));
  }
  const body: ListBody = {
    kind: info.listKind, apiVersion: apiVersionOf(info), metadata: { resourceVersion: String(at.rv) }, items,
  };
  if (i < rangeEnd) {
    const lastKey = (entries[i - 1] as Entry)[0];
    body.metadata.continue = encodeContinue({ rv: at.rv, start: `${lastKey}\u0000` });
    if (!hasSelectors(query.filter)) body.metadata.remainingItemCount = rangeEnd - i;
  }
  return { ok: true, body };
}

type Snapshot = { rv: number; start: string | undefined } | { status: Status };

function chooseSnapshot(store: VersionedStore, query: CollectionQuery): Snapshot {
  const { resourceVersion: rvParam, resourceVersionMatch: match, continueToken } = query;
  const current = store.resourceVersion;
  if (continueToken !== undefined) {
    if (rvParam !== undefined && rvParam !== '0') {
      return { status: badRequest('specifying resource version is not allowed when using continue') };
    }
    const token = decodeContinue(continueToken);
    if (token === undefined) return { status: badRequest('continue key is not valid: incorrect encoded start resourceVersion') };
    return { rv: token.rv, start: token.start };
  }
  if (match !== undefined && !['Exact', 'NotOlderThan'].includes(match)) {
    return { status: badRequest(`resourceVersionMatch: Unsupported value: "${match}"`) };
  }
  if (rvParam === undefined) {
    if (match !== undefined) return { status: badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided') };
    return { rv: current, start: undefined };
  }
  const rv = parseResourceVersion(rvParam);
  if (rv === undefined) return { status: badRequest(`Invalid value: "${rvParam}": resourceVersion must be an integer`) };
  if (rv === 0) {
    if (match === 'Exact') return { status: badRequest('resourceVersionMatch "exact" is forbidden for resourceVersion "0"') };
    return { rv: current, start: undefined };
  }
  if (rv > current) return { status: tooLargeResourceVersion(rv, current) };
  // Without a match, a non-zero resourceVersion with a limit keeps its legacy meaning: exactly that version.
  const exact = match === 'Exact' || (match === undefined && query.limit !== undefined);
  return { rv: exact ? rv : current, start: undefined };
}

function lowerBound(entries: readonly Entry[], key: string): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((entries[mid] as Entry)[0] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
