// Answers for `<svc>.<ns>.svc`, `<ep>.<svc>.<ns>.svc` and `_<port>._<proto>.<svc>.<ns>.svc`
// (behaviour §3.4, §3.5): existence first, then the type.
import { isIPv6 } from '../cluster/ip.js';
import { serviceGenerationKey, type ServiceRecord, type ServiceView } from '../zone/index.js';
import type { NameQuery, ResolverEnv } from './env.js';
import { RRType, type ResourceRecord } from './message.js';
import type { ServiceName } from './name-grammar.js';
import { STATIC, nodata, nxdomain, recordsOrNodata, type Outcome } from './outcome.js';
import { addressRecord, cnameRecord } from './records.js';
import { collectItems, usesEndpoints } from './service-items.js';
import { srvOutcome } from './srv.js';

export function serviceOutcome(env: ResolverEnv, query: NameQuery, name: ServiceName): Outcome {
  if (!env.exposed(name.namespace)) return nxdomain(STATIC);
  const view = env.index.service(name.namespace, name.service);
  // Depending on the key of a service that does not exist yet lets its creation end a cached NXDOMAIN.
  const dependsOn = view?.dependencies ?? [serviceGenerationKey(name.namespace, name.service)];
  const service = view?.service;
  if (view === undefined || service === undefined) return nxdomain(dependsOn);
  if (service.kind === 'ExternalName') return externalNameOutcome(env, query, name, service, dependsOn);
  const ready = env.noEndpoints ? 0 : view.readyCount;
  if (env.ignoreEmptyService && service.kind === 'ClusterIP' && ready === 0) return nxdomain(dependsOn);

  switch (query.type) {
    case RRType.A:
    case RRType.AAAA: {
      const addresses = addressesFor(env, view, service, name, query.type === RRType.AAAA);
      if (addresses === null) return nxdomain(dependsOn);
      return recordsOrNodata(addressRecords(query.owner, env.ttl, addresses), dependsOn);
    }
    case RRType.SRV: {
      const items = collectItems(view, service, name, env.noEndpoints);
      if (items.length === 0) return nxdomain(dependsOn);
      return srvOutcome(query, env.ttl, view, items, dependsOn);
    }
    default:
      return exists(env, view, service, name) ? nodata(dependsOn) : nxdomain(dependsOn);
  }
}

/**
 * The distinct addresses of one family a name stands for, or null when the name does not exist.
 * Bare names use the view's precomputed lists; port names go through the item enumeration.
 */
function addressesFor(
  env: ResolverEnv,
  view: ServiceView,
  service: ServiceRecord,
  name: ServiceName,
  ipv6: boolean,
): readonly string[] | null {
  if (name.port !== undefined) {
    const items = collectItems(view, service, name, env.noEndpoints);
    if (items.length === 0) return null;
    const addresses: string[] = [];
    for (const item of items) {
      if (isIPv6(item.address) === ipv6 && !addresses.includes(item.address)) addresses.push(item.address);
    }
    return addresses;
  }
  if (name.endpoint !== undefined) {
    const all = env.noEndpoints ? undefined : view.addressesForLabel(name.endpoint);
    return all === undefined ? null : all.filter((a) => isIPv6(a) === ipv6);
  }
  if (service.kind === 'Headless') {
    if (env.noEndpoints || view.readyCount === 0) return null;
    return ipv6 ? view.endpointIPv6 : view.endpointIPv4;
  }
  return ipv6 ? service.ipv6 : service.ipv4;
}

function exists(env: ResolverEnv, view: ServiceView, service: ServiceRecord, name: ServiceName): boolean {
  if (name.port !== undefined) return collectItems(view, service, name, env.noEndpoints).length > 0;
  if (usesEndpoints(service, name)) {
    if (env.noEndpoints) return false;
    return name.endpoint === undefined ? view.readyCount > 0 : view.addressesForLabel(name.endpoint) !== undefined;
  }
  return true;
}

function addressRecords(owner: string, ttl: number, addresses: readonly string[]): ResourceRecord[] {
  const result: ResourceRecord[] = [];
  for (const address of addresses) result.push(addressRecord(owner, ttl, address));
  return result;
}

/**
 * ExternalName: the bare name alone exists (no endpoint or port names below it); an externalName
 * that is an IP address publishes nothing. A CNAME stands for every type at its name, so every
 * type but CNAME itself hands the CNAME to the chaser (CoreDNS chases only A/AAAA: quirks.ts).
 */
function externalNameOutcome(
  env: ResolverEnv,
  query: NameQuery,
  name: ServiceName,
  service: ServiceRecord,
  dependsOn: readonly string[],
): Outcome {
  const target = service.externalName;
  if (name.endpoint !== undefined || name.port !== undefined) return nxdomain(dependsOn);
  if (target === undefined || target === '' || service.externalNameIsIP) return nxdomain(dependsOn);
  if (query.type === RRType.CNAME) return recordsOrNodata([cnameRecord(query.owner, env.ttl, target)], dependsOn);
  return { kind: 'cname', target, dependsOn };
}
