// Generation keys: the names under which the zone index records that an answer's inputs changed.
// A cached answer lists the keys it was derived from (Answer.dependsOn); see Generations.

/** Everything answered from one Service (its records, endpoint names, SRV) and its slices. */
export function serviceGenerationKey(namespace: string, name: string): string {
  return `svc:${namespace}/${name}`;
}

export const IP_KEY_PREFIX = 'ip:';
export const POD_KEY_PREFIX = 'pod:';

/** The PTR answer of one address: the services owning it as cluster IP or endpoint. */
export function ipGenerationKey(canonicalAddress: string): string {
  return `${IP_KEY_PREFIX}${canonicalAddress}`;
}

/** A verified pod record: whether an active pod in `namespace` has this address. */
export function podGenerationKey(namespace: string, canonicalAddress: string): string {
  return `${POD_KEY_PREFIX}${namespace}/${canonicalAddress}`;
}

/** The SOA serial (only the apex SOA answer depends on it; negative answers may carry a stale one). */
export const SOA_GENERATION_KEY = 'soa';
