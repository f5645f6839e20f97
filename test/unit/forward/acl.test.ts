// The recursion ACL: CIDR parsing and membership of client addresses as sockets report them.
import { describe, expect, it } from 'vitest';
import { AddressSet, DEFAULT_ALLOW_RECURSION, formatCidr, parseCidr } from '../../../src/resolve/forward/acl.js';

describe('parseCidr', () => {
  it('reads IPv4 and IPv6 CIDRs, canonicalising the address', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 4 });
    expect(parseCidr(' FD00:0:0::/8 ')).toEqual({ address: 'fd00::', prefix: 8, family: 6 });
    expect(parseCidr('0.0.0.0/0')).toEqual({ address: '0.0.0.0', prefix: 0, family: 4 });
  });

  it('takes a bare address as a single host', () => {
    expect(parseCidr('192.0.2.7')).toEqual({ address: '192.0.2.7', prefix: 32, family: 4 });
    expect(parseCidr('2001:db8::1')).toEqual({ address: '2001:db8::1', prefix: 128, family: 6 });
  });

  it.each(['', 'cluster.local', '10.0.0.0/33', '::/129', '10.0.0.0/x', '10.0.0.0/8/8', '10.0.0/8', '10.0.0.0/-1'])(
    'rejects %j', (text) => expect(parseCidr(text)).toBeNull(),
  );

  it('formats back to address/prefix', () => {
    expect(formatCidr(parseCidr('fe80::/10')!)).toBe('fe80::/10');
  });
});

describe('AddressSet', () => {
  const defaults = AddressSet.parse(DEFAULT_ALLOW_RECURSION);

  it.each(['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '127.0.0.1', '::1', 'fd12:3456::1', 'fe80::1'])(
    'the default ranges hold the private and loopback address %s', (address) => expect(defaults.contains(address)).toBe(true),
  );

  it.each(['8.8.8.8', '172.32.0.1', '192.0.2.1', '2001:db8::1', '::'])(
    'the default ranges leave out the public address %s', (address) => expect(defaults.contains(address)).toBe(false),
  );

  it('matches an IPv4 client on a dual-stack socket (::ffff:a.b.c.d) against the IPv4 ranges', () => {
    expect(defaults.contains('::ffff:10.0.0.5')).toBe(true);
    expect(defaults.contains('::FFFF:8.8.8.8')).toBe(false);
  });

  it('ignores the zone of a link-local address', () => {
    expect(defaults.contains('fe80::1%eth0')).toBe(true);
  });

  it('contains nothing it cannot read', () => {
    expect(defaults.contains('')).toBe(false);
    expect(defaults.contains('not-an-address')).toBe(false);
  });

  it('a narrow set excludes loopback', () => {
    const only = AddressSet.parse(['10.200.0.0/16']);
    expect(only.contains('10.200.3.4')).toBe(true);
    expect(only.contains('127.0.0.1')).toBe(false);
  });

  it('gives the same verdicts when it has seen the addresses before, and after more clients than it remembers', () => {
    const only = AddressSet.parse(['10.200.0.0/16']);
    for (let round = 0; round < 2; round++) {
      expect(only.contains('10.200.3.4')).toBe(true);
      expect(only.contains('::ffff:10.200.3.4')).toBe(true);
      expect(only.contains('10.201.3.4')).toBe(false);
      expect(only.contains('not-an-address')).toBe(false);
    }
    // 5,000 distinct clients (a spoofed flood) are more than it keeps; the verdicts stay right.
    for (let i = 0; i < 5000; i++) expect(only.contains(`10.${200 + (i % 2)}.${i >> 8}.${i & 0xff}`)).toBe(i % 2 === 0);
    expect(only.contains('10.200.3.4')).toBe(true);
    expect(only.contains('10.201.3.4')).toBe(false);
  });

  it('parse names the first text that is not a CIDR', () => {
    expect(() => AddressSet.parse(['10.0.0.0/8', 'nope'])).toThrow('"nope" is not a CIDR');
  });
});
