// The zones we answer for: longest-suffix matching of a query name, the primary zone, and the
// fallthrough set.
import { reverseKindOf } from '../zone/reverse.js';

export interface ZoneInfo {
  /** Lower case, no trailing dot. */
  readonly name: string;
  readonly labels: readonly string[];
  /** A reverse zone (in-addr.arpa or ip6.arpa tree). */
  readonly reverse: boolean;
}

/** Whether `lower` (a name's labels) ends with `suffix`. */
function endsWith(lower: readonly string[], suffix: readonly string[]): boolean {
  const offset = lower.length - suffix.length;
  if (offset < 0) return false;
  for (let i = suffix.length - 1; i >= 0; i--) if (lower[offset + i] !== suffix[i]) return false;
  return true;
}

export class ZoneTable {
  /** The first forward zone: the suffix of every PTR target. */
  readonly primary: ZoneInfo;
  readonly all: readonly ZoneInfo[];
  /** Longest first, so the first match is the longest match. */
  private readonly byLength: readonly ZoneInfo[];

  constructor(zones: readonly string[]) {
    this.all = zones.map((name) => ({ name, labels: name.split('.'), reverse: reverseKindOf(name) !== null }));
    const primary = this.all.find((z) => !z.reverse);
    if (primary === undefined) throw new Error('at least one forward zone is required (e.g. cluster.local)');
    this.primary = primary;
    this.byLength = [...this.all].sort((a, b) => b.labels.length - a.labels.length);
  }

  match(lower: readonly string[]): ZoneInfo | undefined {
    for (const zone of this.byLength) if (endsWith(lower, zone.labels)) return zone;
    return undefined;
  }
}

/** Names under any of a set of suffixes (fallthrough zones); `null` suffixes = nothing matches. */
export class SuffixSet {
  private readonly suffixes: readonly (readonly string[])[] | null;

  /** `null` → matches nothing; `[]` → matches everything (all of our zones). */
  constructor(names: readonly string[] | null) {
    this.suffixes = names === null
      ? null
      : names.map((n) => n.toLowerCase().replace(/\.$/, '')).map((n) => (n === '' ? [] : n.split('.')));
  }

  matches(lower: readonly string[]): boolean {
    if (this.suffixes === null) return false;
    if (this.suffixes.length === 0) return true;
    return this.suffixes.some((suffix) => endsWith(lower, suffix));
  }
}
