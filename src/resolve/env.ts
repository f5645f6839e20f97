// Everything a lookup needs besides the question: the zone index and the normalised options.
import { canonicalIP, isIPv6 } from '../cluster/ip.js';
import type { ZoneIndex } from '../zone/index.js';
import type { ResourceRecord, UpstreamLookup } from './message.js';
import type { PodMode, ResolverOptions } from './options.js';
import { soaRecord } from './records.js';
import { ZoneTable, type ZoneInfo } from './zones.js';

/** One question as the lookups see it, inside the zone it matched. */
export interface NameQuery {
  readonly zone: ZoneInfo;
  /** The zone suffix in the letter case of the question (SOA owner, SRV targets). */
  readonly zoneAsAsked: string;
  /** Owner name of answer records: the question name exactly as asked. */
  readonly owner: string;
  /** Lower-case labels of the whole name. */
  readonly lower: readonly string[];
  /** How many labels stand left of the zone. */
  readonly rest: number;
  readonly type: number;
}

export class ResolverEnv {
  readonly zones: ZoneTable;
  readonly ttl: number;
  readonly pods: PodMode;
  readonly ignoreEmptyService: boolean;
  readonly noEndpoints: boolean;
  readonly upstream: UpstreamLookup | undefined;
  readonly zonal: boolean;
  /** Our own addresses (canonical), IPv4 first: how the apex NS finds the services that front us. */
  readonly ownAddresses: readonly string[];
  private readonly allowedNamespaces: ReadonlySet<string> | null;
  /** SOA of each configured zone asked in lower case, rebuilt when the serial moves. */
  private readonly soaCache = new Map<string, { serial: number; record: ResourceRecord }>();

  constructor(readonly index: ZoneIndex, options: ResolverOptions) {
    this.zones = new ZoneTable(options.zones.map((z) => z.toLowerCase().replace(/\.$/, '')));
    this.ttl = options.ttl;
    this.pods = options.pods;
    this.ignoreEmptyService = options.ignoreEmptyService;
    this.noEndpoints = options.noEndpoints;
    this.upstream = options.upstream;
    this.zonal = options.zonal ?? false;
    const own = [...new Set(options.nsAddresses.map(canonicalIP).filter((ip): ip is string => ip !== null))];
    this.ownAddresses = [...own.filter((ip) => !isIPv6(ip)), ...own.filter(isIPv6)];
    this.allowedNamespaces = options.namespaces.length === 0
      ? null
      : new Set(options.namespaces.map((n) => n.toLowerCase()));
  }

  /** Allowed by the `namespaces` option (existence not checked: PTRs only filter on this). */
  namespaceAllowed(namespace: string): boolean {
    return this.allowedNamespaces === null || this.allowedNamespaces.has(namespace);
  }

  /** Exposed = allowed by the option and known to exist. */
  exposed(namespace: string): boolean {
    return this.namespaceAllowed(namespace) && this.index.namespaceExists(namespace);
  }

  soa(zoneAsAsked: string): ResourceRecord {
    const serial = this.index.serial;
    const cached = this.soaCache.get(zoneAsAsked);
    if (cached !== undefined && cached.serial === serial) return cached.record;
    const record = soaRecord(zoneAsAsked, this.ttl, serial);
    // Only the lower-case spellings are kept: the cache must not grow with case variants.
    if (this.zones.all.some((z) => z.name === zoneAsAsked)) this.soaCache.set(zoneAsAsked, { serial, record });
    return record;
  }
}
