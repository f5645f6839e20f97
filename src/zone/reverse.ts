// Reverse-tree names: in-addr.arpa (one label per octet) and ip6.arpa (one label per nibble),
// in both directions, plus the reverse zones that cover a CIDR.
import { formatIPv6, hexDigit, parseDecimalOctet, parseIPv4, parseIPv6 } from '../cluster/ip.js';

export const IPV4_REVERSE_SUFFIX = 'in-addr.arpa';
export const IPV6_REVERSE_SUFFIX = 'ip6.arpa';

export type ReverseKind = 'ipv4' | 'ipv6';

/** Which reverse tree a (lower-case, dotless-ended) name belongs to, or null for a forward name. */
export function reverseKindOf(name: string): ReverseKind | null {
  if (name === IPV4_REVERSE_SUFFIX || name.endsWith(`.${IPV4_REVERSE_SUFFIX}`)) return 'ipv4';
  if (name === IPV6_REVERSE_SUFFIX || name.endsWith(`.${IPV6_REVERSE_SUFFIX}`)) return 'ipv6';
  return null;
}

/** The PTR owner name of an address (`1.0.0.10.in-addr.arpa`, 32-nibble `ip6.arpa`), or null. */
export function reverseName(ip: string): string | null {
  if (ip.includes(':')) {
    const groups = parseIPv6(ip);
    if (groups === null) return null;
    const nibbles: string[] = [];
    for (let i = 7; i >= 0; i--) {
      const group = groups[i] ?? 0;
      for (let shift = 0; shift < 16; shift += 4) nibbles.push(((group >> shift) & 0xf).toString(16));
    }
    return `${nibbles.join('.')}.${IPV6_REVERSE_SUFFIX}`;
  }
  const octets = parseIPv4(ip);
  if (octets === null) return null;
  return `${octets.reverse().join('.')}.${IPV4_REVERSE_SUFFIX}`;
}

/**
 * The canonical address a complete reverse name stands for, from its lower-case labels (including
 * the `in-addr`/`arpa` or `ip6`/`arpa` labels), or null for a partial or malformed name.
 */
export function addressFromReverse(labels: readonly string[]): string | null {
  const n = labels.length;
  if (n < 2 || labels[n - 1] !== 'arpa') return null;
  const tree = labels[n - 2];
  if (tree === 'in-addr') {
    if (n !== 6) return null;
    const octets: number[] = [];
    for (let i = 3; i >= 0; i--) {
      const octet = parseDecimalOctet(labels[i] ?? '');
      if (octet === null) return null;
      octets.push(octet);
    }
    return octets.join('.');
  }
  if (tree === 'ip6') {
    if (n !== 34) return null;
    const groups: number[] = [];
    let group = 0;
    for (let i = 31; i >= 0; i--) {
      const label = labels[i] ?? '';
      const nibble = label.length === 1 ? hexDigit(label.charCodeAt(0)) : -1;
      if (nibble < 0) return null;
      group = (group << 4) | nibble;
      if (i % 4 === 0) {
        groups.push(group);
        group = 0;
      }
    }
    return formatIPv6(groups);
  }
  return null;
}

/**
 * The reverse zones that exactly cover a CIDR: one zone when the prefix falls on an octet (IPv4) or
 * nibble (IPv6) boundary, otherwise one zone per value of the next, partly covered octet or nibble
 * (10.96.0.0/12 gives 96.10.in-addr.arpa … 111.10.in-addr.arpa). Null when `cidr` is malformed.
 */
export function reverseZonesFromCIDR(cidr: string): string[] | null {
  const slash = cidr.indexOf('/');
  if (slash === -1) return null;
  const address = cidr.slice(0, slash);
  const prefixText = cidr.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  if (address.includes(':')) {
    const groups = parseIPv6(address);
    if (groups === null || prefix > 128) return null;
    const nibbles: number[] = [];
    for (const group of groups) nibbles.push((group >> 12) & 0xf, (group >> 8) & 0xf, (group >> 4) & 0xf, group & 0xf);
    return zonesForUnits(nibbles, 4, prefix, (value) => value.toString(16), IPV6_REVERSE_SUFFIX);
  }
  const octets = parseIPv4(address);
  if (octets === null || prefix > 32) return null;
  return zonesForUnits(octets, 8, prefix, String, IPV4_REVERSE_SUFFIX);
}

/** Shared arithmetic for octets (8 bits per label) and nibbles (4 bits per label). */
function zonesForUnits(
  units: readonly number[],
  bitsPerUnit: number,
  prefix: number,
  format: (value: number) => string,
  suffix: string,
): string[] {
  const whole = Math.floor(prefix / bitsPerUnit);
  const spareBits = prefix - whole * bitsPerUnit;
  const fixed = units.slice(0, whole).map(format).reverse();
  const base = fixed.length === 0 ? suffix : `${fixed.join('.')}.${suffix}`;
  if (spareBits === 0) return [base];
  const hostBits = bitsPerUnit - spareBits;
  const first = ((units[whole] ?? 0) >> hostBits) << hostBits;
  const zones: string[] = [];
  for (let value = first; value < first + (1 << hostBits); value++) zones.push(`${format(value)}.${base}`);
  return zones;
}
