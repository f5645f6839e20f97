// Shared test fixtures for the wire layer: hand-built queries, fake generations, stub resolvers,
// loggers that collect lines. Plain objects only; no zone, no resolver implementation.
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/logger.js';
import type { Answer, Generations, Question, ResourceRecord } from '../../src/resolve/message.js';
import { RRType } from '../../src/resolve/message.js';

export interface QuerySpec {
  id?: number;
  /** Labels exactly as they go on the wire. */
  labels: string[];
  type?: number;
  qclass?: number;
  /** Header flags word (default: RD only). */
  flags?: number;
  /** Overrides the QDCOUNT field. */
  qdcount?: number;
  edns?: { udpSize?: number; version?: number; dnssecOk?: boolean; options?: Buffer } | null;
  /** Raw records appended to the additional section before the OPT (counted in ARCOUNT). */
  additional?: Buffer[];
}

export function nameBytes(labels: string[]): Buffer {
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, 'latin1');
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

export function optRecord(edns: NonNullable<QuerySpec['edns']>): Buffer {
  const options = edns.options ?? Buffer.alloc(0);
  const opt = Buffer.alloc(11);
  opt.writeUInt16BE(41, 1);
  opt.writeUInt16BE(edns.udpSize ?? 1232, 3);
  opt[6] = edns.version ?? 0;
  opt.writeUInt16BE(edns.dnssecOk === true ? 0x8000 : 0, 7);
  opt.writeUInt16BE(options.length, 9);
  return Buffer.concat([opt, options]);
}

export function query(spec: QuerySpec): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(spec.id ?? 0x1234, 0);
  header.writeUInt16BE(spec.flags ?? 0x0100, 2);
  header.writeUInt16BE(spec.qdcount ?? 1, 4);
  const additional = [...(spec.additional ?? [])];
  if (spec.edns) additional.push(optRecord(spec.edns));
  header.writeUInt16BE(additional.length, 10);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(spec.type ?? RRType.A, 0);
  tail.writeUInt16BE(spec.qclass ?? 1, 2);
  return Buffer.concat([header, nameBytes(spec.labels), tail, ...additional]);
}

/** Dotted name to labels. */
export function labels(name: string): string[] {
  return name === '' ? [] : name.split('.');
}

export class FakeGenerations implements Generations {
  epoch = 1;
  private readonly values = new Map<string, number>();

  generation(key: string): number {
    return this.values.get(key) ?? 0;
  }

  bump(key: string): void {
    this.values.set(key, this.generation(key) + 1);
  }
}

/** Generations with a version that moves on every bump (the answer cache's shortcut), counting key reads. */
export class VersionedGenerations implements Generations {
  epoch = 1;
  version = 0;
  reads = 0;
  private readonly values = new Map<string, number>();

  generation(key: string): number {
    this.reads++;
    return this.values.get(key) ?? 0;
  }

  bump(key: string): void {
    this.values.set(key, (this.values.get(key) ?? 0) + 1);
    this.version++;
  }
}

export function aRecord(name: string, address: string, ttl = 5): ResourceRecord {
  return { name, ttl, data: { type: RRType.A, address } };
}

export function soaRecord(zone: string): ResourceRecord {
  return {
    name: zone,
    ttl: 5,
    data: {
      type: RRType.SOA, mname: `ns.dns.${zone}`, rname: `hostmaster.${zone}`, serial: 1700000000,
      refresh: 7200, retry: 1800, expire: 86400, minimum: 5,
    },
  };
}

export function answer(partial: Partial<Answer>): Answer {
  return { rcode: 0, authoritative: true, answer: [], authority: [], additional: [], dependsOn: [], ...partial };
}

/** `count` addresses 10.1.x.y, in order. */
export function addressList(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}`);
}

/**
 * A small cluster made of plain objects: a headless name with 100 addresses, one with 4, a service
 * with one address, and NXDOMAIN (with SOA) for anything else in the zone. Owners echo the question.
 */
export function stubCluster(zone = 'cluster.local'): (q: Question) => Answer | null {
  const big = addressList(100);
  const four = addressList(4);
  return (q) => {
    const lower = q.lower.join('.');
    const asked = q.labels.join('.');
    const zoneAsAsked = q.labels.slice(q.labels.length - zone.split('.').length).join('.');
    if (!lower.endsWith(zone)) return null;
    const addressesFor = (list: string[]): Answer => answer({
      answer: list.map((address) => aRecord(asked, address)),
      rotate: true,
      dependsOn: [lower],
    });
    if (lower === `big.default.svc.${zone}` && q.type === RRType.A) return addressesFor(big);
    if (lower === `four.default.svc.${zone}` && q.type === RRType.A) return addressesFor(four);
    if (lower === `web.default.svc.${zone}` && q.type === RRType.A) return answer({ answer: [aRecord(asked, '10.96.0.10')], dependsOn: [lower] });
    return answer({ rcode: 3, authority: [soaRecord(zoneAsAsked)], dependsOn: [zone] });
  };
}

export interface CollectedLogger {
  logger: Logger;
  lines: () => Record<string, unknown>[];
}

/** A real pino logger whose JSON lines are kept for assertions. */
export function collectingLogger(): CollectedLogger {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    logger: createLogger('warn', sink),
    lines: () => chunks.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** A seeded PRNG (mulberry32), so fuzz inputs are the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
