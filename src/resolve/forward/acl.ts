// Who may use svcdns as a recursive resolver (--allow-recursion): a set of CIDRs. Clients outside it
// still get every cluster answer, but never a forwarded one, so svcdns is never an open resolver.
import { BlockList, isIP } from 'node:net';
import { canonicalIP } from '../../cluster/ip.js';

/** The private ranges (RFC 1918, RFC 4193), link-local IPv6 and loopback: where pods and nodes live. */
export const DEFAULT_ALLOW_RECURSION: readonly string[] = Object.freeze([
  '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', '::1/128', 'fc00::/7', 'fe80::/10',
]);

export interface Cidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: 4 | 6;
}

/** `10.0.0.0/8`, `fd00::/8`, or a bare address (a /32 or /128); null when it is neither. */
export function parseCidr(text: string): Cidr | null {
  const [rawAddress = '', bits, ...rest] = text.trim().split('/');
  if (rest.length > 0) return null;
  const address = canonicalIP(rawAddress);
  const family = isIP(rawAddress);
  if (address === null || (family !== 4 && family !== 6)) return null;
  const max = family === 4 ? 32 : 128;
  if (bits === undefined) return { address, prefix: max, family };
  if (!/^\d{1,3}$/.test(bits)) return null;
  const prefix = Number(bits);
  return prefix <= max ? { address, prefix, family } : null;
}

export function formatCidr(cidr: Cidr): string {
  return `${cidr.address}/${cidr.prefix}`;
}

const MAPPED_V4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** A client address as the socket reports it, reduced to what the ranges are written in. */
function plainAddress(address: string): { text: string; type: 'ipv4' | 'ipv6' } | null {
  // A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d; link-local ones carry a %zone.
  const unscoped = address.split('%', 1)[0]!;
  const mapped = MAPPED_V4.exec(unscoped);
  const text = mapped?.[1] ?? unscoped;
  const family = isIP(text);
  if (family === 4) return { text, type: 'ipv4' };
  if (family === 6) return { text, type: 'ipv6' };
  return null;
}

/**
 * Client addresses whose verdict an AddressSet remembers. Pods are few and ask often: the check
 * (a regular expression, an address parse, the BlockList) was an eighth of a forwarded query's cost.
 * Past this many the memory starts over, so spoofed sources cannot grow it.
 */
const REMEMBERED_CLIENTS = 4096;

export class AddressSet {
  private readonly list = new BlockList();
  private readonly verdicts = new Map<string, boolean>();
  readonly cidrs: readonly Cidr[];

  constructor(cidrs: readonly Cidr[]) {
    this.cidrs = [...cidrs];
    for (const c of cidrs) this.list.addSubnet(c.address, c.prefix, c.family === 4 ? 'ipv4' : 'ipv6');
  }

  /** From CIDR texts; throws RangeError naming the first one that is not a CIDR. */
  static parse(texts: readonly string[]): AddressSet {
    return new AddressSet(texts.map((t) => {
      const cidr = parseCidr(t);
      if (cidr === null) throw new RangeError(`"${t}" is not a CIDR such as 10.0.0.0/8 or fd00::/8`);
      return cidr;
    }));
  }

  /** Whether `address` (as a socket reports it) lies in one of the ranges; false for anything unreadable. */
  contains(address: string): boolean {
    const known = this.verdicts.get(address);
    if (known !== undefined) return known;
    const plain = plainAddress(address);
    const verdict = plain !== null && this.list.check(plain.text, plain.type);
    if (this.verdicts.size >= REMEMBERED_CLIENTS) this.verdicts.clear();
    this.verdicts.set(address, verdict);
    return verdict;
  }
}
