// Bounded label values, as CoreDNS spells them: a fixed list of query types (the rest is "other"),
// rcode mnemonics, the zone a name falls in. Each maps to a small index so the query path counts
// into arrays and the label strings only appear at scrape time.
import { WireZones } from '../../wire/names.js';

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

/** A DNS name has at most 127 labels (255 wire bytes); one more slot keeps the bound obvious. */
const MAX_LABELS = 128;
const HEADER_SIZE = 12;
/** QTYPE and QCLASS follow the question name. */
const TYPE_AND_CLASS = 4;

/** A zone that a question name can equal or end in: every label 1..63 octets, one octet per character. */
function matchable(labels: readonly string[]): boolean {
  return labels.every((label) => label.length > 0 && label.length <= 63 && [...label].every((c) => c.charCodeAt(0) <= 0xff));
}

/**
 * The zone label of a query: the longest configured zone the name ends in (with a trailing dot, as
 * CoreDNS writes zones), "." for every other name (forwarded or refused), "dropped" when the query
 * had no readable question. Matching works on the question's wire bytes, because the dispatcher
 * has no parsed question for a cache hit and the observer must not allocate per query.
 */
export class ZoneLabels {
  /** Configured zones, then ".", then "dropped". */
  readonly labels: readonly string[];
  readonly root: number;
  readonly dropped: number;
  private readonly zones: WireZones;
  /** Offsets of the current name's length bytes; reused by every call. */
  private readonly labelStarts = new Int32Array(MAX_LABELS);

  /** `zones`: lower case, without trailing dot (as the resolver holds them). */
  constructor(zones: readonly string[]) {
    const unique = [...new Set(zones.map((z) => z.toLowerCase().replace(/\.$/, '')).filter((z) => z !== ''))];
    this.labels = [...unique.map((z) => `${z}.`), '.', 'dropped'];
    this.root = unique.length;
    this.dropped = unique.length + 1;
    this.zones = new WireZones(unique.map((z, index) => ({ labels: z.split('.'), index })).filter((zone) => matchable(zone.labels)));
  }

  /**
   * Index of the zone the question name in `query` falls in. The name starts at offset 12 and
   * ends 4 bytes before `questionEnd` (0: no readable question). Labels compare ASCII
   * case-insensitively (RFC 4343); a name that is not well-formed counts as no readable question.
   */
  matchWire(query: Uint8Array, questionEnd: number): number {
    if (questionEnd === 0) return this.dropped;
    const starts = this.labelStarts;
    const limit = Math.min(questionEnd - TYPE_AND_CLASS, query.length);
    let count = 0;
    let at = HEADER_SIZE;
    for (;;) {
      if (at >= limit) return this.dropped;
      const length = query[at]!;
      if (length === 0) break;
      if (length > 63 || count === MAX_LABELS) return this.dropped;
      starts[count++] = at;
      at += length + 1;
    }
    // `at` is the terminating zero.
    const slot = this.zones.longestMatch(query, starts, count, at);
    return slot < 0 ? this.root : this.zones.indexAt(slot);
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
