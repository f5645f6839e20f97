// Resolver configuration and the conversion of zone arguments (names and CIDRs) into zone names.
import { reverseZonesFromCIDR } from '../zone/reverse.js';
import type { UpstreamLookup } from './message.js';

export type PodMode = 'disabled' | 'insecure' | 'verified';

export interface ResolverOptions {
  /**
   * Authoritative zones, lower case, no trailing dot: forward zones and reverse zones such as
   * `in-addr.arpa` or `96.10.in-addr.arpa` (see zonesFromArgs). The first forward zone is the
   * primary zone, used in every PTR target.
   */
  readonly zones: readonly string[];
  /** TTL of every record (SOA: min(ttl, 300), SOA minimum: ttl). */
  readonly ttl: number;
  readonly pods: PodMode;
  /** Namespaces exposed; [] = all. */
  readonly namespaces: readonly string[];
  /** `ignore empty_service`: a ClusterIP service without ready endpoints is NXDOMAIN. */
  readonly ignoreEmptyService: boolean;
  /** No endpoint data: headless and endpoint names, and endpoint PTRs, are NXDOMAIN. */
  readonly noEndpoints: boolean;
  /**
   * NXDOMAIN in these zones goes to the forwarder instead: null = off, [] = every zone. Written as
   * zone arguments: names with or without the trailing dot, or CIDRs (their reverse zones).
   */
  readonly fallthrough: readonly string[] | null;
  /** Our own addresses: glue of the apex NS `ns.dns.<zone>` and its A/AAAA answers. */
  readonly nsAddresses: readonly string[];
  /** Lookups of ExternalName targets outside our zones; absent → the CNAME is answered alone. */
  readonly upstream?: UpstreamLookup;
  /** Topology-zone names `<zone>.(pin|prefer)._zone.<headless svc>.<ns>.svc.<zone>` (CoreDNS `zonal`). */
  readonly zonal?: boolean;
}

/** A zone argument that is neither a domain name nor a CIDR. */
export class InvalidZoneError extends Error {
  constructor(readonly argument: string, reason: string) {
    super(`invalid zone "${argument}": ${reason}`);
    this.name = 'InvalidZoneError';
  }
}

/**
 * Zone arguments as a user writes them (`cluster.local.`, `Cluster.Local`, `10.96.0.0/12`,
 * `fd00::/108`) → lower-case zone names without trailing dot, CIDRs expanded to the reverse zones
 * on octet/nibble boundaries, duplicates dropped, order kept. Throws InvalidZoneError.
 */
export function zonesFromArgs(args: readonly string[]): string[] {
  const zones: string[] = [];
  const add = (zone: string): void => {
    if (!zones.includes(zone)) zones.push(zone);
  };
  for (const raw of args) {
    const arg = raw.trim();
    if (arg.includes('/')) {
      const reverse = reverseZonesFromCIDR(arg);
      if (reverse === null) throw new InvalidZoneError(raw, 'not a valid CIDR');
      reverse.forEach(add);
      continue;
    }
    add(normalizeZoneName(arg));
  }
  return zones;
}

/** `Cluster.Local.` → `cluster.local`; throws InvalidZoneError for the root or a malformed name. */
export function normalizeZoneName(raw: string): string {
  const name = raw.trim().toLowerCase().replace(/\.$/, '');
  if (name === '') throw new InvalidZoneError(raw, 'the root zone cannot be served');
  for (const label of name.split('.')) {
    if (label === '') throw new InvalidZoneError(raw, 'empty label');
    if (label.length > 63) throw new InvalidZoneError(raw, 'label longer than 63 characters');
  }
  if (name.length > 253) throw new InvalidZoneError(raw, 'name longer than 253 characters');
  return name;
}
