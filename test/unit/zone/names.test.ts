// Address text forms, reverse names, CIDR → reverse zones, and endpoint labels.
import { describe, expect, it } from 'vitest';
import { dashedIP, endpointLabel } from '../../../src/zone/endpoint-label.js';
import { canonicalIP, formatIPv6, parseIPv6 } from '../../../src/cluster/ip.js';
import { addressFromReverse, reverseName, reverseZonesFromCIDR } from '../../../src/zone/reverse.js';
import { loadCaseFile } from '../resolve/helpers/coredns-cases.js';

describe('canonical IP text', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0000:0001:0:0:0:1', '2001:db8:0:1::1'],
    ['fd00:0:0:1:0:0:0:0', 'fd00:0:0:1::'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['::ffff:1.2.3.4', '::ffff:102:304'],
    ['1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
  ])('%s → %s', (input, expected) => {
    expect(canonicalIP(input)).toBe(expected);
  });

  it.each(['10.0.0', '10.0.0.256', '010.0.0.1', '1:::2', '1::2::3', '12345::', 'fd00:1', 'None', '', 'a.b.c.d'])(
    'rejects %s', (input) => {
      expect(canonicalIP(input)).toBeNull();
    });

  it('round-trips eight groups through RFC 5952 text', () => {
    const groups = [0x2001, 0xdb8, 0x3333, 0x4444, 0x5555, 0x6666, 0, 0];
    expect(formatIPv6(groups)).toBe('2001:db8:3333:4444:5555:6666::');
    expect(parseIPv6(formatIPv6(groups))).toEqual(groups);
  });
});

describe('reverse names', () => {
  it('builds the in-addr.arpa name of an IPv4 address', () => {
    expect(reverseName('10.0.0.100')).toBe('100.0.0.10.in-addr.arpa');
  });

  it('builds the 32-nibble ip6.arpa name of an IPv6 address', () => {
    expect(reverseName('1234:abcd::1')).toBe(
      '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.4.3.2.1.ip6.arpa');
  });

  it.each(['10.0.0.100', '1234:abcd::1', 'fd00:77:30::2:9ba6', '::', '255.255.255.255'])(
    'reads back the address of its own reverse name: %s', (ip) => {
      expect(addressFromReverse((reverseName(ip) ?? '').split('.'))).toBe(ip);
    });

  it.each([
    '10.in-addr.arpa', '0.0.10.in-addr.arpa', '1.100.0.0.10.in-addr.arpa', '256.0.0.10.in-addr.arpa',
    '01.0.0.10.in-addr.arpa', 'x.0.0.10.in-addr.arpa', '1.0.ip6.arpa', '10.0.0.1.cluster.local',
    'g.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.4.3.2.1.ip6.arpa',
  ])('treats %s as no address (partial or malformed)', (name) => {
    expect(addressFromReverse(name.split('.'))).toBeNull();
  });
});

describe('CIDR → reverse zones', () => {
  it('gives one zone on an octet boundary', () => {
    expect(reverseZonesFromCIDR('10.96.0.0/24')).toEqual(['0.96.10.in-addr.arpa']);
    expect(reverseZonesFromCIDR('10.0.0.0/8')).toEqual(['10.in-addr.arpa']);
    expect(reverseZonesFromCIDR('0.0.0.0/0')).toEqual(['in-addr.arpa']);
  });

  it('splits a prefix off the octet boundary into one zone per value of the next octet', () => {
    const zones = reverseZonesFromCIDR('10.96.0.0/12');
    expect(zones).toHaveLength(16);
    expect(zones?.[0]).toBe('96.10.in-addr.arpa');
    expect(zones?.[15]).toBe('111.10.in-addr.arpa');
  });

  it('masks host bits before splitting', () => {
    expect(reverseZonesFromCIDR('192.168.1.77/23')).toEqual(['0.168.192.in-addr.arpa', '1.168.192.in-addr.arpa']);
  });

  it('uses nibble boundaries for IPv6', () => {
    expect(reverseZonesFromCIDR('fd00::/108')).toEqual([
      `${'0.'.repeat(23)}0.0.d.f.ip6.arpa`,
    ]);
    // fc00::/7 covers the first nibble f and second nibbles c and d.
    expect(reverseZonesFromCIDR('fc00::/7')).toEqual(['c.f.ip6.arpa', 'd.f.ip6.arpa']);
  });

  it.each(['10.0.0.0', '10.0.0.0/33', '10.0.0/8', 'fd00::/129', 'x/8', '10.0.0.0/-1'])('rejects %s', (cidr) => {
    expect(reverseZonesFromCIDR(cidr)).toBeNull();
  });
});

describe('endpoint labels', () => {
  const file = loadCaseFile();

  it.each(file.endpoint_hostname_cases.cases.map((c) => [c.expected, c] as const))('CoreDNS case → %s', (_expected, c) => {
    expect(endpointLabel(c.ip, c.hostname ?? undefined, c.targetRefPodName ?? undefined, c.endpoint_pod_names)).toBe(c.expected);
  });

  it('appends 0 when the dashed IPv6 form ends in a hyphen', () => {
    expect(dashedIP('2001:db8:3333:4444:5555:6666::')).toBe('2001-db8-3333-4444-5555-6666--0');
    expect(dashedIP('5678:abcd::1')).toBe('5678-abcd--1');
  });

  it('falls back to the dashed IP for a pod name that does not fit in a label', () => {
    expect(endpointLabel('10.1.2.3', undefined, 'p'.repeat(64), true)).toBe('10-1-2-3');
    expect(endpointLabel('10.1.2.3', undefined, 'p'.repeat(63), true)).toBe('p'.repeat(63));
  });

  it('lower-cases hostnames so matching is case-insensitive', () => {
    expect(endpointLabel('10.1.2.3', 'Web-0', undefined, false)).toBe('web-0');
  });
});
