// What a lookup found, before it becomes an Answer: records, NODATA, NXDOMAIN, or (internally) a
// CNAME still to be chased. The resolver adds the SOA, fallthrough and the not-synced rule.
import type { ResourceRecord } from './message.js';

/** Dependencies of answers that never change with cluster state (or only with the epoch). */
export const STATIC: readonly string[] = Object.freeze([]);

const NO_RECORDS: readonly ResourceRecord[] = Object.freeze([]);

export interface RecordsOutcome {
  readonly kind: 'records';
  readonly answer: readonly ResourceRecord[];
  readonly additional: readonly ResourceRecord[];
  readonly dependsOn: readonly string[] | null;
  readonly rotate: boolean;
  readonly truncated: boolean;
}

export interface NodataOutcome {
  readonly kind: 'nodata';
  readonly dependsOn: readonly string[] | null;
}

export interface NxdomainOutcome {
  readonly kind: 'nxdomain';
  readonly dependsOn: readonly string[] | null;
}

/** An ExternalName asked for any type but CNAME: the CNAME to `target` must be chased. */
export interface CnameOutcome {
  readonly kind: 'cname';
  readonly target: string;
  readonly dependsOn: readonly string[];
}

export type Outcome = RecordsOutcome | NodataOutcome | NxdomainOutcome | CnameOutcome;
/** What a chased CNAME ends in: never NXDOMAIN, since the ExternalName itself exists. */
export type ChaseOutcome = RecordsOutcome | NodataOutcome;

export function records(
  answer: readonly ResourceRecord[],
  dependsOn: readonly string[] | null,
  extra: { additional?: readonly ResourceRecord[]; truncated?: boolean } = {},
): RecordsOutcome {
  return {
    kind: 'records',
    answer,
    additional: extra.additional ?? NO_RECORDS,
    dependsOn,
    rotate: countAddresses(answer) > 1,
    truncated: extra.truncated ?? false,
  };
}

export function nodata(dependsOn: readonly string[] | null): NodataOutcome {
  return { kind: 'nodata', dependsOn };
}

export function nxdomain(dependsOn: readonly string[] | null): NxdomainOutcome {
  return { kind: 'nxdomain', dependsOn };
}

/** Records or NODATA from a list of answer records. */
export function recordsOrNodata(answer: readonly ResourceRecord[], dependsOn: readonly string[] | null): RecordsOutcome | NodataOutcome {
  return answer.length === 0 ? nodata(dependsOn) : records(answer, dependsOn);
}

function countAddresses(answer: readonly ResourceRecord[]): number {
  let count = 0;
  for (const rr of answer) if (rr.data.type === 1 || rr.data.type === 28) count++;
  return count;
}
