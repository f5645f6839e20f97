// The flags of the records this issue added: --transfer-to (zone transfer ACL) and --zonal.
import { describe, expect, it } from 'vitest';
import { configParser } from '../../helpers/config.js';

const context = { embeddedManifests: '/opt/svcdns/examples', version: '0.0.0', cwd: '/' };
const { config, error } = configParser(context);

describe('--transfer-to', () => {
  it('is off by default: nobody may transfer', () => {
    expect(config([]).transferTo).toEqual([]);
  });

  it('takes CIDRs and bare addresses, repeated or comma-separated, from the flag or SVCDNS_TRANSFER_TO', () => {
    expect(config(['--transfer-to', '10.0.0.0/8,FD00::/8', '--transfer-to', '192.0.2.7']).transferTo)
      .toEqual(['10.0.0.0/8', 'fd00::/8', '192.0.2.7/32']);
    expect(config([], { SVCDNS_TRANSFER_TO: '::1, 127.0.0.1/32' }).transferTo).toEqual(['::1/128', '127.0.0.1/32']);
  });

  it('rejects what is not an address range, naming the flag', () => {
    expect(error(['--transfer-to', '10.0.0.0/33'])).toMatch(/^--transfer-to: "10.0.0.0\/33" is not an address or a CIDR/);
    expect(error(['--transfer-to', 'example.com'])).toMatch(/^--transfer-to: /);
  });
});

describe('--zonal', () => {
  it('is off by default and a switch', () => {
    expect(config([]).zonal).toBe(false);
    expect(config(['--zonal']).zonal).toBe(true);
    expect(config([], { SVCDNS_ZONAL: 'true' }).zonal).toBe(true);
  });
});
