// Query parameters of list and watch requests, validated as the API server does (bad ones → 400).
import { fieldsMatch, labelsMatch, parseFieldSelector, parseLabelSelector, unsupportedField,
  type FieldRequirement, type LabelRequirement } from './selectors.js';
import type { ResourceInfo } from './resources.js';
import type { StoredObject } from './types.js';

export interface ObjectFilter {
  info: ResourceInfo;
  /** Set for namespaced paths (`/api/v1/namespaces/{ns}/services`). */
  namespace: string | undefined;
  labels: LabelRequirement[];
  fields: FieldRequirement[];
}

export interface CollectionQuery {
  filter: ObjectFilter;
  watch: boolean;
  resourceVersion: string | undefined;
  resourceVersionMatch: string | undefined;
  limit: number | undefined;
  continueToken: string | undefined;
  allowWatchBookmarks: boolean;
  timeoutSeconds: number | undefined;
  sendInitialEvents: boolean | undefined;
}

export type QueryResult = { ok: true; query: CollectionQuery } | { ok: false; message: string };

// Go's strconv.ParseBool, which the server's query decoding uses.
function parseBool(value: string | null): boolean | undefined | 'invalid' {
  if (value === null) return undefined;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False', ''].includes(value)) return false;
  return 'invalid';
}

function parseInteger(value: string | null): number | undefined | 'invalid' {
  if (value === null || value === '') return undefined;
  return /^-?\d+$/.test(value) ? Number(value) : 'invalid';
}

export function parseCollectionQuery(params: URLSearchParams, info: ResourceInfo, namespace: string | undefined): QueryResult {
  const labels = parseLabelSelector(params.get('labelSelector') ?? '');
  if (!labels.ok) return { ok: false, message: labels.error };
  const fields = parseFieldSelector(params.get('fieldSelector') ?? '');
  if (!fields.ok) return { ok: false, message: fields.error };
  const unsupported = unsupportedField(fields.value, info.fields);
  if (unsupported !== undefined) return { ok: false, message: `field label not supported: ${unsupported}` };
  const watch = parseBool(params.get('watch'));
  const bookmarks = parseBool(params.get('allowWatchBookmarks'));
  const initial = parseBool(params.get('sendInitialEvents'));
  const limit = parseInteger(params.get('limit'));
  const timeout = parseInteger(params.get('timeoutSeconds'));
  for (const [name, value] of [['watch', watch], ['allowWatchBookmarks', bookmarks], ['sendInitialEvents', initial],
    ['limit', limit], ['timeoutSeconds', timeout]] as const) {
    if (value === 'invalid') return { ok: false, message: `invalid value for query parameter ${name}: ${params.get(name) ?? ''}` };
  }
  return {
    ok: true,
    query: {
      filter: { info, namespace, labels: labels.value, fields: fields.value },
      watch: watch === true,
      resourceVersion: nonEmpty(params.get('resourceVersion')),
      resourceVersionMatch: nonEmpty(params.get('resourceVersionMatch')),
      limit: typeof limit === 'number' && limit > 0 ? limit : undefined,
      continueToken: nonEmpty(params.get('continue')),
      allowWatchBookmarks: bookmarks === true,
      timeoutSeconds: typeof timeout === 'number' && timeout > 0 ? timeout : undefined,
      sendInitialEvents: initial === 'invalid' ? undefined : initial,
    },
  };
}

const nonEmpty = (value: string | null): string | undefined => (value === null || value === '' ? undefined : value);

/** Parses a resourceVersion parameter: a non-negative integer, as etcd revisions are. */
export function parseResourceVersion(value: string): number | undefined {
  return /^\d+$/.test(value) ? Number(value) : undefined;
}

export function objectMatches(filter: ObjectFilter, obj: StoredObject): boolean {
  if (filter.namespace !== undefined && obj.metadata.namespace !== filter.namespace) return false;
  if (!labelsMatch(filter.labels, obj.metadata.labels)) return false;
  const read = filter.info.fields;
  return fieldsMatch(filter.fields, (field) => read[field]?.(obj) ?? '');
}

export const hasSelectors = (filter: ObjectFilter): boolean => filter.labels.length > 0 || filter.fields.length > 0;
