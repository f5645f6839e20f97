// REST paths of the served resources: collections (all namespaces, or one) and single objects.
import { resourceInfo, type ResourceInfo } from './resources.js';
import type { Verb } from './types.js';

export interface ResourceRoute {
  info: ResourceInfo;
  /** Namespace of a namespaced path; undefined for all-namespaces and cluster-scoped paths. */
  namespace: string | undefined;
  /** Set for a single object's path. */
  name: string | undefined;
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Maps `/api/v1/...` and `/apis/{group}/{version}/...` to a served resource; undefined means 404. */
export function parseResourcePath(pathname: string): ResourceRoute | undefined {
  const raw = pathname.split('/').filter((s) => s !== '');
  const segments = raw.map(decode);
  if (segments.some((s) => s === undefined)) return undefined;
  const parts = segments as string[];
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    [group, version, rest] = ['', parts[1] as string, parts.slice(2)];
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    [group, version, rest] = [parts[1] as string, parts[2] as string, parts.slice(3)];
  } else {
    return undefined;
  }
  const route = routeWithin(rest);
  if (route === undefined || route.info.group !== group || route.info.version !== version) return undefined;
  return route;
}

function routeWithin(rest: string[]): ResourceRoute | undefined {
  const [a, b, c, d] = rest;
  if (rest.length === 1 || rest.length === 2) {
    const info = lookup(a);
    if (info === undefined || (rest.length === 2 && info.namespaced)) return undefined;
    return { info, namespace: undefined, name: b };
  }
  if (a === 'namespaces' && (rest.length === 3 || rest.length === 4)) {
    const info = lookup(c);
    if (info === undefined || !info.namespaced || b === '') return undefined;
    return { info, namespace: b, name: d };
  }
  return undefined;
}

// Paths use the plural only; resourceInfo also accepts kinds, which a URL must not.
function lookup(plural: string | undefined): ResourceInfo | undefined {
  const info = plural === undefined ? undefined : resourceInfo(plural);
  return info?.resource === plural ? info : undefined;
}

/** The verb the API server's request-info resolver would name; undefined → 405. */
export function verbOf(method: string, route: ResourceRoute, watch: boolean): Verb | undefined {
  const collection = route.name === undefined;
  if (method === 'GET') return collection ? (watch ? 'watch' : 'list') : 'get';
  if (method === 'POST' && collection) return 'create';
  if (method === 'PUT' && !collection) return 'update';
  if (method === 'DELETE' && !collection) return 'delete';
  return undefined;
}
