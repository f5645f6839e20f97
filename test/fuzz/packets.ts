// Hostile DNS packets from a seeded generator: random bytes, and valid queries broken in the ways
// parsers are known to fail (flipped bits, wrong counts, truncated names, compression-pointer loops
// and forward pointers, labels over 63 bytes, names over 255, OPT records repeated or malformed).
// The same seed gives the same packets, so a failure names the seed and index that reproduce it.

/** xorshift32: fast, seedable, good enough to spread bytes. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }

  /** Whole number in [0, n). */
  below(n: number): number {
    return this.next() % n;
  }

  chance(p: number): boolean {
    return this.next() / 0x1_0000_0000 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }

  bytes(length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) out[i] = this.next() & 0xff;
    return out;
  }
}

export const TYPE = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, AXFR: 252, ANY: 255 } as const;

export interface QueryParts {
  id?: number;
  flags?: number;
  name: string;
  type?: number;
  qclass?: number;
  /** Raw records after the question, counted in ARCOUNT (an OPT record is one of them). */
  additional?: Buffer[];
}

export function encodeName(name: string): Buffer {
  const parts: Buffer[] = [];
  for (const label of name.split('.').filter((l) => l.length > 0)) {
    const bytes = Buffer.from(label, 'latin1');
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

/** An OPT record: root owner, UDP size in CLASS, version and DO in TTL, then the options. */
export function opt(udpSize = 1232, options: Buffer = Buffer.alloc(0), version = 0, dnssecOk = false): Buffer {
  const head = Buffer.alloc(11);
  head.writeUInt16BE(TYPE.OPT, 1);
  head.writeUInt16BE(udpSize, 3);
  head[6] = version;
  head.writeUInt16BE(dnssecOk ? 0x8000 : 0, 7);
  head.writeUInt16BE(options.length, 9);
  return Buffer.concat([head, options]);
}

export function buildQuery(parts: QueryParts): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(parts.id ?? 0x4242, 0);
  header.writeUInt16BE(parts.flags ?? 0x0100, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(parts.additional?.length ?? 0, 10);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(parts.type ?? TYPE.A, 0);
  tail.writeUInt16BE(parts.qclass ?? 1, 2);
  return Buffer.concat([header, encodeName(parts.name), tail, ...(parts.additional ?? [])]);
}

/** Valid queries the mutations start from: every kind of name the server answers, and some it does not. */
export const SEED_QUERIES: readonly Buffer[] = [
  buildQuery({ name: 'web.default.svc.cluster.local' }),
  buildQuery({ name: 'Web.Default.SVC.cluster.local', type: TYPE.AAAA, additional: [opt(4096, Buffer.alloc(0), 0, true)] }),
  buildQuery({ name: 'big.default.svc.cluster.local', additional: [opt(1232)] }),
  buildQuery({ name: 'big.default.svc.cluster.local', type: TYPE.ANY }),
  buildQuery({ name: '_http._tcp.big.default.svc.cluster.local', type: TYPE.SRV, additional: [opt(512)] }),
  buildQuery({ name: 'alias.default.svc.cluster.local', type: TYPE.CNAME }),
  buildQuery({ name: '10.0.96.10.in-addr.arpa', type: TYPE.PTR }),
  buildQuery({ name: '10-1-0-1.default.pod.cluster.local' }),
  buildQuery({ name: 'cluster.local', type: TYPE.SOA, additional: [opt(1232, Buffer.from([0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]))] }),
  buildQuery({ name: 'nothing.default.svc.cluster.local', type: TYPE.TXT }),
  buildQuery({ name: 'www.example.com.default.svc.cluster.local' }),
  buildQuery({ name: 'example.com' }),
];

/** A name whose wire form is exactly `wireLength` bytes (labels of up to 63), at least 2. */
export function nameOfWireLength(wireLength: number, rng: Rng): Buffer {
  const parts: Buffer[] = [];
  let left = wireLength - 1;
  while (left > 0) {
    const label = Math.min(63, left - 1);
    if (label <= 0) break;
    parts.push(Buffer.from([label]), Buffer.alloc(label, 0x61 + rng.below(26)));
    left -= label + 1;
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

/** Header + the given question name bytes + type/class + optional tail. */
function withQuestionName(nameBytes: Buffer, rng: Rng, tail: Buffer = Buffer.alloc(0), arcount = 0): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(rng.below(0x10000), 0);
  header.writeUInt16BE(0x0100, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(arcount, 10);
  return Buffer.concat([header, nameBytes, Buffer.from([0, 1, 0, 1]), tail]);
}

/** A record whose owner is `owner` (raw bytes), with the given type and RDATA. */
function record(owner: Buffer, type: number, rdata: Buffer, rdLength = rdata.length): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(type, 0);
  fixed.writeUInt16BE(1, 2);
  fixed.writeUInt32BE(60, 4);
  fixed.writeUInt16BE(rdLength, 8);
  return Buffer.concat([owner, fixed, rdata]);
}

type Generator = (rng: Rng) => Buffer;

/** Structural attacks, each a known way to hang, crash or mislead a DNS parser. */
export const ATTACKS: Readonly<Record<string, Generator>> = {
  pointerToSelf: (rng) => withQuestionName(Buffer.from([0xc0, 0x0c]), rng),
  pointerLoopAfterLabel: (rng) => withQuestionName(Buffer.from([3, 0x61, 0x62, 0x63, 0xc0, 0x0c]), rng),
  pointerForward: (rng) => withQuestionName(Buffer.from([0xc0, 0x10 + rng.below(200)]), rng),
  pointerPastEnd: (rng) => withQuestionName(Buffer.from([0xff, 0xff]), rng),
  additionalOwnerLoop: () => {
    // The question is fine; the additional record's owner is a pointer to itself.
    const q = buildQuery({ name: 'web.default.svc.cluster.local' });
    const self = q.length;
    const owner = Buffer.from([0xc0 | (self >> 8), self & 0xff]);
    const out = Buffer.concat([q, record(owner, TYPE.A, Buffer.from([1, 2, 3, 4]))]);
    out.writeUInt16BE(1, 10);
    return out;
  },
  twoPointerCycle: (rng) => {
    const q = buildQuery({ name: 'web.default.svc.cluster.local' });
    const at = q.length;
    // Owner at `at` points to at+2, which points back to `at`.
    const owner = Buffer.from([0xc0 | (at >> 8), (at + 2) & 0xff, 0xc0 | (at >> 8), at & 0xff]);
    const out = Buffer.concat([q, owner, Buffer.from([0, 1, 0, 1, 0, 0, 0, 60, 0, 0])]);
    out.writeUInt16BE(1 + rng.below(3), 10);
    return out;
  },
  labelOver63: (rng) => {
    const length = 64 + rng.below(192);
    return withQuestionName(Buffer.concat([Buffer.from([length]), rng.bytes(length), Buffer.from([0])]), rng);
  },
  extendedLabelType: (rng) => withQuestionName(Buffer.from([0x40 | rng.below(0x40), 1, 2, 3, 0]), rng),
  nameOver255: (rng) => withQuestionName(nameOfWireLength(256 + rng.below(200), rng), rng),
  nameOf255: (rng) => withQuestionName(nameOfWireLength(255, rng), rng),
  truncatedName: (rng) => {
    const q = buildQuery({ name: 'web.default.svc.cluster.local' });
    return q.subarray(0, 13 + rng.below(q.length - 17));
  },
  nulAndDotInLabels: (rng) => withQuestionName(Buffer.from([3, 0x61, 0x2e, 0x62, 2, 0, 0xff, 7, ...Buffer.from('default'), 3, ...Buffer.from('svc'), 0]), rng),
  repeatedOpt: (rng) => buildQuery({ name: 'web.default.svc.cluster.local', additional: Array.from({ length: 2 + rng.below(3) }, () => opt(1232)) }),
  optBadOptionLength: () => {
    const options = Buffer.from([0, 10, 0, 40, 1, 2, 3, 4]); // says 40 bytes, has 4
    return buildQuery({ name: 'web.default.svc.cluster.local', additional: [opt(1232, options)] });
  },
  optRdLengthPastEnd: () => {
    const record = opt(1232);
    record.writeUInt16BE(500, 9);
    return buildQuery({ name: 'web.default.svc.cluster.local', additional: [record] });
  },
  optNotAtRoot: () => {
    const record = Buffer.concat([Buffer.from([3, 0x61, 0x62, 0x63]), opt(1232).subarray(1)]);
    return buildQuery({ name: 'web.default.svc.cluster.local', additional: [record] });
  },
  optInAnswerSection: () => {
    const q = buildQuery({ name: 'web.default.svc.cluster.local', additional: [opt(1232)] });
    q.writeUInt16BE(1, 6);
    q.writeUInt16BE(0, 10);
    return q;
  },
  optOddSizes: (rng) => buildQuery({
    name: 'big.default.svc.cluster.local',
    additional: [opt(rng.pick([0, 1, 511, 512, 513, 1232, 4096, 65535]), Buffer.alloc(0), rng.pick([0, 0, 1, 255]), rng.chance(0.5))],
  }),
  optHugeOptions: (rng) => buildQuery({
    name: 'web.default.svc.cluster.local',
    additional: [opt(4096, Buffer.concat([Buffer.from([0, 12, 0x05, 0x00]), rng.bytes(0x500)]))],
  }),
  countsTooLarge: (rng) => {
    const q = Buffer.from(rng.pick(SEED_QUERIES));
    q.writeUInt16BE(rng.pick([2, 3, 0xffff]), 4 + 2 * rng.below(4));
    return q;
  },
  noQuestion: (rng) => {
    const q = Buffer.from(rng.pick(SEED_QUERIES));
    q.writeUInt16BE(0, 4);
    return q;
  },
  oddHeader: (rng) => {
    const q = Buffer.from(rng.pick(SEED_QUERIES));
    // Opcodes other than QUERY, QR set (a response), Z/AD/CD bits, odd classes and types.
    q.writeUInt16BE(rng.below(0x10000), 2);
    // The seeds' names hold no zero byte, so the first one ends the question name.
    if (rng.chance(0.5)) q.writeUInt16BE(rng.pick([0, 2, 3, 254, 255, 0xffff]), q.indexOf(0, 12) + 3);
    return q;
  },
  oddTypes: (rng) => buildQuery({
    name: rng.pick(['web.default.svc.cluster.local', 'big.default.svc.cluster.local', 'cluster.local']),
    type: rng.pick([0, TYPE.ANY, TYPE.AXFR, 251, 250, 249, 65535, 64, 65, 99]),
    qclass: rng.pick([1, 1, 3, 254, 255]),
  }),
};

const ATTACK_NAMES = Object.keys(ATTACKS);

function randomBytes(rng: Rng): Buffer {
  const out = rng.bytes(rng.below(rng.chance(0.9) ? 80 : 600));
  // Most random headers are responses or multi-question; make half of them look like one query.
  if (out.length >= 12 && rng.chance(0.5)) {
    out[2] = out[2]! & 0x7f;
    out.writeUInt16BE(1, 4);
  }
  return out;
}

function mutate(input: Buffer, rng: Rng): Buffer {
  let out = Buffer.from(input);
  switch (rng.below(6)) {
    case 0: // flipped bits
      for (let i = 1 + rng.below(8); i > 0; i--) out[rng.below(out.length)]! ^= 1 << rng.below(8);
      break;
    case 1: // replaced bytes
      for (let i = 1 + rng.below(4); i > 0; i--) out[rng.below(out.length)] = rng.next() & 0xff;
      break;
    case 2: // truncated
      out = out.subarray(0, rng.below(out.length));
      break;
    case 3: // extended with junk
      out = Buffer.concat([out, rng.bytes(1 + rng.below(64))]);
      break;
    case 4: // wrong counts
      if (out.length >= 12) out.writeUInt16BE(rng.pick([0, 1, 2, 3, 255, 0xffff, rng.below(0x10000)]), 4 + 2 * rng.below(4));
      break;
    default: // a label length byte changed (a truncated or overrunning name)
      if (out.length > 13) out[12 + rng.below(Math.min(20, out.length - 12))] = rng.pick([0, 1, 63, 64, 0x80, 0xc0, 0xff]);
  }
  // Keep most of them queries so they reach the deeper code, not the response check.
  if (out.length >= 3 && rng.chance(0.8)) out[2] = out[2]! & 0x7f;
  return out;
}

export type PacketKind = 'random' | 'mutated' | 'attack';

/** The `index`-th packet of a stream: a third random, the rest mutated seeds and structural attacks. */
export function nextPacket(rng: Rng): { kind: PacketKind; packet: Buffer } {
  const roll = rng.below(100);
  if (roll < 35) return { kind: 'random', packet: randomBytes(rng) };
  if (roll < 75) {
    let packet = mutate(rng.pick(SEED_QUERIES), rng);
    if (rng.chance(0.3)) packet = mutate(packet, rng);
    return { kind: 'mutated', packet };
  }
  let packet = ATTACKS[rng.pick(ATTACK_NAMES)]!(rng);
  if (rng.chance(0.2)) packet = mutate(packet, rng);
  return { kind: 'attack', packet };
}
