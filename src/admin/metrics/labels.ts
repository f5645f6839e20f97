// Bounded label values, as CoreDNS spells them: a fixed list of query types (the rest is "other"),
// rcode mnemonics, the zone a name falls in. Each maps to a small index so the query path counts
// into arrays and the label strings only appear at scrape time.

/** CoreDNS's monitored query types (plugin/metrics/vars/monitor.go); any other type is "other". */
const MONITORED_TYPES: readonly (readonly [string, number])[] = [
  ['A', 1], ['AAAA', 28], ['MX', 15], ['SOA', 6], ['CNAME', 5], ['PTR', 12], ['TXT', 16], ['NS', 2],
  ['SRV', 33], ['DS', 43], ['DNSKEY', 48], ['RRSIG', 46], ['NSEC', 47], ['NSEC3', 50], ['HTTPS', 65],
  ['IXFR', 251], ['AXFR', 252], ['ANY', 255],
];

export const TYPE_LABELS: readonly string[] = [...MONITORED_TYPES.map(([name]) => name), 'other'];
const OTHER_TYPE = TYPE_LABELS.length - 1;

/** Every monitored type is below 256: one byte of lookup per type number. */
const TYPE_INDEX = (() => {
  const table = new Uint8Array(256).fill(OTHER_TYPE);
  MONITORED_TYPES.forEach(([, code], i) => (table[code] = i));
  return table;
})();

export function typeIndex(qtype: number): number {
  return qtype < 256 ? TYPE_INDEX[qtype]! : OTHER_TYPE;
}

const RCODE_NAMES: Readonly<Record<number, string>> = {
  0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED', 6: 'YXDOMAIN',
  7: 'YXRRSET', 8: 'NXRRSET', 9: 'NOTAUTH', 10: 'NOTZONE', 16: 'BADVERS', 17: 'BADKEY', 18: 'BADTIME',
  19: 'BADMODE', 20: 'BADNAME', 21: 'BADALG', 22: 'BADTRUNC', 23: 'BADCOOKIE',
};

/** Rcodes 0..23 by number (unnamed ones as their number, as CoreDNS does), then "other". */
export const RCODE_LABELS: readonly string[] = [...Array.from({ length: 24 }, (_, i) => RCODE_NAMES[i] ?? String(i)), 'other'];
const OTHER_RCODE = RCODE_LABELS.length - 1;

export function rcodeIndex(rcode: number): number {
  return rcode >= 0 && rcode < OTHER_RCODE ? rcode : OTHER_RCODE;
}

export function rcodeName(rcode: number): string {
  return RCODE_NAMES[rcode] ?? String(rcode);
}

/** CoreDNS's `family` label: "1" IPv4, "2" IPv6 (an IPv4-mapped IPv6 address counts as IPv4). */
export const FAMILY_LABELS: readonly string[] = ['1', '2'];

export function familyIndex(address: string): number {
  if (!address.includes(':')) return 0;
  return address.startsWith('::ffff:') && address.includes('.') ? 0 : 1;
}

export const PROTO_LABELS: readonly string[] = ['udp', 'tcp'];

/**
 * The zone label of a query: the longest configured zone the name ends in (with a trailing dot, as
 * CoreDNS writes zones), "." for every other name (forwarded or refused), "dropped" when the query
 * had no readable question.
 */
export class ZoneLabels {
  /** Configured zones, then ".", then "dropped". */
  readonly labels: readonly string[];
  readonly root: number;
  readonly dropped: number;
  private readonly suffixes: readonly { readonly labels: readonly string[]; readonly index: number }[];

  /** `zones`: lower case, without trailing dot (as the resolver holds them). */
  constructor(zones: readonly string[]) {
    const unique = [...new Set(zones.map((z) => z.toLowerCase().replace(/\.$/, '')).filter((z) => z !== ''))];
    this.labels = [...unique.map((z) => `${z}.`), '.', 'dropped'];
    this.root = unique.length;
    this.dropped = unique.length + 1;
    this.suffixes = unique
      .map((z, index) => ({ labels: z.split('.'), index }))
      .sort((a, b) => b.labels.length - a.labels.length);
  }

  /** Index of the zone `lower` (a name's lower-case labels) falls in. */
  match(lower: readonly string[]): number {
    for (const zone of this.suffixes) {
      const offset = lower.length - zone.labels.length;
      if (offset < 0) continue;
      let i = zone.labels.length - 1;
      while (i >= 0 && lower[offset + i] === zone.labels[i]) i--;
      if (i < 0) return zone.index;
    }
    return this.root;
  }
}

const TYPE_NAMES: ReadonlyMap<number, string> = new Map([...MONITORED_TYPES.map(([name, code]) => [code, name] as const), [13, 'HINFO'], [41, 'OPT']]);

/** A type's mnemonic, or TYPEnnn (RFC 3597) for the ones without. */
export function typeName(qtype: number): string {
  return TYPE_NAMES.get(qtype) ?? `TYPE${qtype}`;
}

/** A type from its mnemonic (any case), its number, or TYPEnnn; null when it is none of those. */
export function typeCode(text: string): number | null {
  const word = text.trim().toUpperCase();
  for (const [code, name] of TYPE_NAMES) if (name === word) return code;
  const numeric = /^(?:TYPE)?(\d{1,5})$/.exec(word);
  const code = numeric ? Number(numeric[1]) : NaN;
  return code >= 0 && code <= 65535 ? code : null;
}
