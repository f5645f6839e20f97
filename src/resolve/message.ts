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

/** The authoritative side: answers from the cluster zones. */
export interface Resolver {
  /**
   * The answer for `q`, or null when the name is not ours to answer (outside every zone, or an
   * NXDOMAIN in a --fallthrough zone): the wire layer then hands the raw query to the Forwarder.
   * Synchronous for everything answered from memory; a Promise only when an upstream is involved
   * (ExternalName chased outside the zone).
   */
  resolve(q: Question, client: Client): Answer | Promise<Answer> | null;
  /**
   * What tells the names that are invalid whatever their labels (name-grammar.ts, invalidByShape)
   * from the rest: all of them get the answer of any one of them. Null or absent when they do not
   * (a --fallthrough zone hands them on to the forwarder).
   */
  readonly nameShapes?: NameShapes | null;
}

/** The zones and options invalidByShape depends on. A new object whenever they change. */
export interface NameShapes {
  /**
   * Every zone, lower case without the trailing dot; `reverse` for in-addr.arpa and ip6.arpa ones.
   * The resolver answers null for every name outside all of them (the wire layer forwards those
   * without asking it).
   */
  readonly zones: readonly { readonly name: string; readonly reverse: boolean }[];
  /** The `zonal` option: topology-zone names may be long. */
  readonly zonal: boolean;
}

/** The forwarding side: relays a raw query upstream and returns the complete reply for the client. */
export interface Forwarder {
  /**
   * The reply (client's ID and question case restored), or null to send SERVFAIL: at once when it
   * needs no upstream (a fresh cached answer, a refusal), else a Promise of it. `query` is one the
   * wire layer has read as a well-formed query with one question; the forwarder reads what it needs
   * of it from the bytes (the dispatcher hands names outside every zone over without parsing them).
   */
  forward(query: Buffer, client: Client): Buffer | null | Promise<Buffer | null>;
}

/** Lookups of names outside the zone on behalf of the resolver (ExternalName targets). */
export interface UpstreamLookup {
  lookup(name: string, type: number): Promise<{ rcode: number; records: readonly ResourceRecord[]; truncated: boolean } | null>;
}

/**
 * Change tracking for caches of encoded answers. The zone index bumps the generation of a key
 * (e.g. a service or an IP) whenever what it stands for changes; a cached answer is still valid
 * while every key in its Answer.dependsOn has the generation it was built with and the epoch is
 * unchanged (the epoch moves on global changes: namespaces, sync state).
 */
export interface Generations {
  generation(key: string): number;
  readonly epoch: number;
  /**
   * Optional: a number that changes whenever any generation or the epoch changes. While it stays
   * the same, an answer found current once is still current, without looking at its keys again.
   */
  readonly version?: number;
}
