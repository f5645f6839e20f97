// Zone arguments → zone names.
import { describe, expect, it } from 'vitest';
import { InvalidZoneError, zonesFromArgs } from '../../../src/resolve/options.js';

describe('zonesFromArgs', () => {
  it('lower-cases names, drops the trailing dot and duplicates, keeps the order', () => {
    expect(zonesFromArgs(['Cluster.Local.', 'in-addr.arpa', 'cluster.local', 'ip6.arpa.'])).toEqual(['cluster.local', 'in-addr.arpa', 'ip6.arpa']);
  });

  it('expands CIDRs into reverse zones on octet and nibble boundaries', () => {
    expect(zonesFromArgs(['cluster.local', '10.96.0.0/24', 'fd00::/8'])).toEqual(['cluster.local', '0.96.10.in-addr.arpa', 'd.f.ip6.arpa']);
    expect(zonesFromArgs(['10.96.0.0/12'])).toHaveLength(16);
  });

  it.each([['10.0.0.0/40'], ['.'], ['a..b'], [`${'x'.repeat(64)}.local`]])('rejects %s with a typed error', (arg) => {
    expect(() => zonesFromArgs([arg])).toThrow(InvalidZoneError);
  });
});
