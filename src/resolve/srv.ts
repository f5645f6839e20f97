// SRV answers (behaviour §3.5): priority 0; weight floor(100/N) (at least 1) over the N items
// before de-duplication; one SRV per distinct (target, port); Additional one A/AAAA per distinct
// (target, address). Targets are lower-case object names plus the zone as asked.
import type { ServiceView } from '../zone/index.js';
import type { NameQuery } from './env.js';
import type { ResourceRecord } from './message.js';
import { nodata, records, type NodataOutcome, type RecordsOutcome } from './outcome.js';
import { addressRecord, srvRecord } from './records.js';
import type { ServiceItem } from './service-items.js';

export function srvOutcome(
  query: NameQuery,
  ttl: number,
  view: ServiceView,
  items: readonly ServiceItem[],
  dependsOn: readonly string[],
): RecordsOutcome | NodataOutcome {
  const weight = Math.max(1, Math.floor(100 / items.length));
  const serviceTarget = `${view.name}.${view.namespace}.svc.${query.zoneAsAsked}`;
  const answer: ResourceRecord[] = [];
  const additional: ResourceRecord[] = [];
  const seenSrv = new Set<string>();
  const seenAddress = new Set<string>();
  for (const item of items) {
    if (item.port < 0) continue;
    const target = item.label === null ? serviceTarget : `${item.label}.${serviceTarget}`;
    const srvKey = `${target} ${item.port}`;
    if (!seenSrv.has(srvKey)) {
      seenSrv.add(srvKey);
      answer.push(srvRecord(query.owner, ttl, weight, item.port, target));
    }
    const addressKey = `${target} ${item.address}`;
    if (!seenAddress.has(addressKey)) {
      seenAddress.add(addressKey);
      additional.push(addressRecord(target, ttl, item.address));
    }
  }
  if (answer.length === 0) return nodata(dependsOn);
  return records(answer, dependsOn, { additional });
}
