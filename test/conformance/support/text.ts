// Decoded records as one line of text each (`owner ttl TYPE data`), for readable set assertions.
import { isIP } from 'node:net';
import type { Packet } from 'dns2';
import { RRType } from '../../../src/resolve/message.js';
import { canonicalIP } from '../../../src/cluster/ip.js';
import { withoutOpt } from './compare.js';

type Decoded = Packet['answers'][number];

const TYPE_NAMES = new Map(Object.entries(RRType).map(([name, value]) => [value as number, name]));

export function rrText(rr: Decoded): string {
  const field = (key: string): unknown => (rr as unknown as Record<string, unknown>)[key];
  const head = `${rr.name} ${rr.ttl} ${TYPE_NAMES.get(rr.type) ?? String(rr.type)}`;
  switch (rr.type) {
    case RRType.A: case RRType.AAAA: {
      const address = String(field('address'));
      return `${head} ${isIP(address) ? (canonicalIP(address) ?? address) : address}`;
    }
    case RRType.CNAME: case RRType.PTR: return `${head} ${String(field('domain'))}`;
    case RRType.NS: return `${head} ${String(field('ns'))}`;
    case RRType.SRV: return `${head} ${String(field('priority'))} ${String(field('weight'))} ${String(field('port'))} ${String(field('target'))}`;
    case RRType.TXT: return `${head} ${([] as string[]).concat(field('data') as string[]).join(' ')}`;
    case RRType.SOA: return `${head} ${String(field('primary'))} ${String(field('admin'))}`;
    default: return `${head} ?`;
  }
}

/** The lines of a section, sorted (order is never part of what these tests pin down). */
export function lines(records: readonly Decoded[]): string[] {
  return withoutOpt(records).map(rrText).sort();
}

export const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;
