// The DNS message model shared by the resolver and the wire layer: questions in, answers out.
// No bytes here: the wire layer owns encoding.

export const RRType = {
  A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, HINFO: 13, MX: 15, TXT: 16, AAAA: 28, SRV: 33,
  OPT: 41, AXFR: 252, IXFR: 251, ANY: 255,
} as const;

export const RRClass = { IN: 1, CH: 3, NONE: 254, ANY: 255 } as const;

export const Rcode = {
  NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, BADVERS: 16,
} as const;

export const Opcode = { QUERY: 0 } as const;

export interface Question {
  /** Labels exactly as the client sent them (letter case kept), leftmost first, no root label. */
  readonly labels: readonly string[];
  /** Lower-cased labels, for matching. */
  readonly lower: readonly string[];
  readonly type: number;
  readonly class: number;
}

export type RData =
  | { readonly type: 1 | 28; readonly address: string } // A, AAAA
  | { readonly type: 2 | 5 | 12; readonly target: string } // NS, CNAME, PTR
  | { readonly type: 33; readonly priority: number; readonly weight: number; readonly port: number; readonly target: string }
  | { readonly type: 16; readonly strings: readonly string[] } // TXT
  | {
      readonly type: 6; readonly mname: string; readonly rname: string; readonly serial: number;
      readonly refresh: number; readonly retry: number; readonly expire: number; readonly minimum: number;
    }
  /** Anything else, already in wire form (from an upstream); names inside must not be compressed. */
  | { readonly type: number; readonly raw: Uint8Array };

export interface ResourceRecord {
  /**
   * Owner name, dotted, no trailing dot, in the exact letter case it must appear in:
   * the question's own name as asked, or lower-cased object names plus the zone as asked.
   * The encoder compresses against earlier names byte for byte, so case is never altered.
   */
  readonly name: string;
  readonly ttl: number;
  readonly class?: number;
  readonly data: RData;
}

export interface Answer {
  readonly rcode: number;
  /** AA: set on every authoritative answer. */
  readonly authoritative: boolean;
  readonly answer: readonly ResourceRecord[];
  readonly authority: readonly ResourceRecord[];
  readonly additional: readonly ResourceRecord[];
  /** The A/AAAA records of the answer section may be rotated per query (headless services). */
  readonly rotate?: boolean;
  /** TC to be set whatever the size (an upstream's truncated reply for a chased CNAME). */
  readonly truncated?: boolean;
  /**
   * What this answer was derived from, for caching: keys whose generation the zone index bumps when
   * they change (see ZoneIndex.generation). `null` means the answer may not be cached at all.
   */
  readonly dependsOn: readonly string[] | null;
}

/** Who asked: used for transfer ACLs, recursion ACLs, metrics. */
export interface Client {
  readonly address: string;
  readonly port: number;
  readonly transport: 'udp' | 'tcp';
}
