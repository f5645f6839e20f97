// IP address text: one canonical form per address, so the same address from two objects is the same
// map key (IPv4 dotted quad, IPv6 compressed and lower case per RFC 5952, as Kubernetes prints them),
// and the parsers the reverse zones, pod names and rate-limit prefixes are built from.

/** The four octets of a dotted-decimal IPv4 address, or null when `text` is not one. */
export function parseIPv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const octets: number[] = [];
  for (const part of parts) {
    const octet = parseDecimalOctet(part);
    if (octet === null) return null;
    octets.push(octet);
  }
  return octets;
}

/** 0-255 written without sign, spaces or leading zeros, else null. */
export function parseDecimalOctet(text: string): number | null {
  if (text.length === 0 || text.length > 3) return null;
  if (text.length > 1 && text.charCodeAt(0) === 0x30) return null;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return null;
    value = value * 10 + digit;
  }
  return value <= 255 ? value : null;
}

/** The eight 16-bit groups of an IPv6 address (with `::` and an embedded IPv4 tail allowed), or null. */
export function parseIPv6(text: string): number[] | null {
  if (text.length < 2 || text.length > 45) return null;
  const doubleColon = text.indexOf('::');
  if (doubleColon !== -1 && text.indexOf('::', doubleColon + 1) !== -1) return null;
  const head = doubleColon === -1 ? text : text.slice(0, doubleColon);
  const tail = doubleColon === -1 ? '' : text.slice(doubleColon + 2);
  const headGroups = parseGroups(head, doubleColon === -1);
  const tailGroups = parseGroups(tail, true);
  if (headGroups === null || tailGroups === null) return null;
  const missing = 8 - headGroups.length - tailGroups.length;
  if (doubleColon === -1 ? missing !== 0 : missing < 1) return null;
  const groups = headGroups;
  for (let i = 0; i < missing && doubleColon !== -1; i++) groups.push(0);
  for (const group of tailGroups) groups.push(group);
  return groups;
}

/** Colon-separated hex groups; the last may be a dotted IPv4 address when `ipv4TailAllowed`. */
function parseGroups(text: string, ipv4TailAllowed: boolean): number[] | null {
  if (text === '') return [];
  const parts = text.split(':');
  const groups: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    if (i === parts.length - 1 && ipv4TailAllowed && part.includes('.')) {
      const octets = parseIPv4(part);
      if (octets === null) return null;
      groups.push(((octets[0] ?? 0) << 8) | (octets[1] ?? 0), ((octets[2] ?? 0) << 8) | (octets[3] ?? 0));
      continue;
    }
    if (part.length === 0 || part.length > 4) return null;
    const value = parseHex(part);
    if (value === null) return null;
    groups.push(value);
  }
  return groups;
}

function parseHex(text: string): number | null {
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = hexDigit(text.charCodeAt(i));
    if (digit < 0) return null;
    value = value * 16 + digit;
  }
  return value;
}

/** Value of one hex digit character code, -1 when it is not one. */
export function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10;
  if (code >= 0x41 && code <= 0x46) return code - 0x41 + 10;
  return -1;
}

/** RFC 5952 text of eight groups: the first longest run (two or more) of zero groups becomes `::`. */
export function formatIPv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; i++) {
    if (groups[i] !== 0) continue;
    let end = i;
    while (end < 8 && groups[end] === 0) end++;
    if (end - i > bestLength) {
      bestStart = i;
      bestLength = end - i;
    }
    i = end;
  }
  const hex = (from: number, to: number): string => {
    const parts: string[] = [];
    for (let i = from; i < to; i++) parts.push((groups[i] ?? 0).toString(16));
    return parts.join(':');
  };
  if (bestStart === -1) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

/** The canonical text of an IPv4 or IPv6 address, or null when `text` is neither. */
export function canonicalIP(text: string): string | null {
  if (text.includes(':')) {
    const groups = parseIPv6(text);
    if (groups === null) return null;
    const canonical = formatIPv6(groups);
    // Keep the caller's string when it is already canonical: the index then holds one copy.
    return canonical === text ? text : canonical;
  }
  // parseIPv4 accepts only canonical dotted decimal (no leading zeros), so the text is the form.
  return parseIPv4(text) === null ? null : text;
}

/** 4 or 6 for an address, 0 for anything else. */
export function ipFamily(text: string): 4 | 6 | 0 {
  return canonicalIP(text) === null ? 0 : text.includes(':') ? 6 : 4;
}

/** Family of an address already in canonical form (no validation: a colon means IPv6). */
export function isIPv6(canonical: string): boolean {
  return canonical.includes(':');
}
