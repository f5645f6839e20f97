// Names no cluster object can ever hold, answered from their shape alone: the zone they end in, how
// many labels stand left of it and the one next to it (invalidByShape in resolve/name-grammar.ts).
// The search-path expansions that ndots:5 makes of every name a pod looks up
// (`<svc>.<ns>.svc.<zone>.<ns>.svc.<zone>`, `<svc>.<ns>.svc.<zone>.<zone>`, ...) are such names.
//
// Why: they are most of a cluster's queries (kubernetes/perf-tests' DNS query file is ~56% NXDOMAIN),
// and every pod, name and search domain makes a distinct question. Cached one by one they crowded
// the answer cache (the benchmark's 1,000 services make 18,000 of them), and each reply waited for
// its own slot to come in from memory. All of them get the same answer, the zone's NXDOMAIN and
// SOA, so one template per zone makes every reply: the query's question, then the template with its
// name pointers moved to where the zone starts in that question. The template is what the resolver
// and encoder produce for one such name, rebuilt whenever anything in the zone changes, so these
// replies are byte for byte the ones the resolver's path would give.
import { Buffer } from 'node:buffer';
import { invalidByShape, type TreeLabel } from '../resolve/name-grammar.js';
import { RRClass, RRType, type Answer, type Client, type Generations, type NameShapes, type Resolver } from '../resolve/message.js';
import type { AnswerEncoder } from './encode.js';
import { lowerAsciiByte, wireLabels, WireZones } from './names.js';
import type { QueryHead } from './query.js';
import { writeHeader, writeOpt, OPT_SIZE, type ReplyScratch } from './response.js';

const HEADER = 12;
/** QTYPE and QCLASS after the name; the name's root byte before them. */
const TYPE_AND_CLASS = 4;
const POINTER = 0xc0;

/** Where a template's name pointer points: into the question's zone, or into the template itself. */
interface TemplatePointer {
  /** Offset of the pointer within the template. */
  readonly at: number;
  readonly intoZone: boolean;
  /** Offset of the target from the zone's first byte (intoZone) or from the template's first. */
  readonly offset: number;
}

interface Template {
  /** Generations.version it was built at. */
  readonly version: number;
  /** null: this zone's invalid names take the resolver's path (its answer did not fit a template). */
  readonly records: Uint8Array | null;
  readonly pointers: readonly TemplatePointer[];
  readonly rcode: number;
  readonly authoritative: boolean;
  readonly authorityCount: number;
  /**
   * The labels the template's names spell out before the zone, lower case (`ns`, `dns`,
   * `hostmaster`). A question ending in one of them could be where the encoder points those names
   * instead, so such a question takes the resolver's path.
   */
  readonly spelled: readonly Uint8Array[];
  /** Per label length (0 to 63): 1 when a spelled label has it, so most questions skip the compare. */
  readonly spelledLengths: Uint8Array;
  readonly questionTag: number;
}

/** Who the template's question is asked for: the resolver's answer to an invalid name ignores it. */
const TEMPLATE_CLIENT: Client = { address: '127.0.0.1', port: 0, transport: 'udp' };
/** The template's question: a label no grammar shape starts with, then the zone. */
const TEMPLATE_LABEL = 'invalid';

export interface ImpossibleNamesOptions {
  resolver: Resolver;
  generations: Generations;
  encoder: AnswerEncoder;
  /** The observer's question tag for a question, kept with each zone's template. */
  questionTag(query: Buffer, questionEnd: number): number;
}

export class ImpossibleNames {
  private readonly resolver: Resolver;
  private readonly generations: Generations;
  private readonly encoder: AnswerEncoder;
  private readonly tagOf: (query: Buffer, questionEnd: number) => number;
  /** The resolver's NameShapes as last read (null: none, no shape answers); a reload replaces it. */
  private shapes: NameShapes | null = null;
  /**
   * Generations.version when the resolver's NameShapes was last read: replacing the resolver moves
   * the version, so a query reads the resolver only after a change.
   */
  private checkedVersion = Number.NaN;
  /** Each zone's labels, in NameShapes.zones order (the templates' order too). */
  private zoneLabels: (readonly string[])[] = [];
  /** The zones, each with its index into zoneLabels and templates (-1: reverse, never answered). */
  private zones = new WireZones([]);
  private zonal = false;
  private templates: (Template | undefined)[] = [];
  private replyRcode = 0;
  private replyTag = 0;
  private outside = false;

  constructor(options: ImpossibleNamesOptions) {
    this.resolver = options.resolver;
    this.generations = options.generations;
    this.encoder = options.encoder;
    this.tagOf = options.questionTag;
  }

  /** The rcode of the reply reply() last returned. */
  get lastRcode(): number {
    return this.replyRcode;
  }

  /** The question tag of the reply reply() last returned. */
  get lastTag(): number {
    return this.replyTag;
  }

  /**
   * Whether the name reply() last looked at lies outside every zone: the resolver would answer it
   * null (NameShapes.zones). False also when reply() did not get as far as matching it to a zone.
   */
  get lastOutsideZones(): boolean {
    return this.outside;
  }

  /**
   * The reply to `query` (scanned into `head`) when its name is invalid whatever its labels, within
   * `sizeLimit` bytes; null for every other query, which then takes the cache's and resolver's path.
   */
  reply(query: Buffer, head: QueryHead, sizeLimit: number, udpSize: number, scratch: ReplyScratch | undefined): Buffer | null {
    this.outside = false;
    const version = this.generations.version;
    // Without a version there is no telling when the SOA changes: every query takes the long path.
    if (version === undefined) return null;
    if (version !== this.checkedVersion) this.refresh(version);
    if (this.shapes === null) return null;
    const questionEnd = head.questionEnd;
    const qtype = (query[questionEnd - 4]! << 8) | query[questionEnd - 3]!;
    // Transfers are refused, not denied.
    if (qtype === RRType.AXFR || qtype === RRType.IXFR) return null;
    const slot = this.zones.longestMatch(query, head.labelStarts, head.labelCount, questionEnd - TYPE_AND_CLASS - 1);
    if (slot < 0) {
      this.outside = true;
      return null;
    }
    const index = this.zones.indexAt(slot);
    const rest = head.labelCount - this.zones.labelCountAt(slot);
    if (index < 0 || rest === 0) return null;
    const treeAt = head.labelStarts[rest - 1]!;
    if (!invalidByShape(rest, treeLabel(query, treeAt), this.zonal)) return null;
    const template = this.templateFor(index, version);
    if (template.records === null) return null;
    if (template.spelledLengths[query[treeAt]!] === 1 && spellsOut(template, query, treeAt)) return null;

    const records = template.records;
    const optSize = head.edns !== null ? OPT_SIZE : 0;
    const length = questionEnd + records.length + optSize;
    if (length > sizeLimit) return null;
    const reply = scratch !== undefined ? scratch.take(length) : Buffer.allocUnsafe(length);
    // set() is one memmove where a loop took a step per byte (~110 ns for a search-path name and
    // its SOA). The query's header and OPT record land too, and are written over below.
    if (query.length <= length) reply.set(query, 0);
    else for (let i = HEADER; i < questionEnd; i++) reply[i] = query[i]!;
    reply.set(records, questionEnd);
    writeHeader(reply, head, template.rcode, template.authoritative, false, 1, 0, template.authorityCount, 0);
    const zoneStart = head.labelStarts[rest]!;
    const pointers = template.pointers;
    for (let p = 0; p < pointers.length; p++) {
      const pointer = pointers[p]!;
      const target = (pointer.intoZone ? zoneStart : questionEnd) + pointer.offset;
      reply[questionEnd + pointer.at] = POINTER | (target >>> 8);
      reply[questionEnd + pointer.at + 1] = target & 0xff;
    }
    if (optSize > 0) writeOpt(reply, questionEnd + records.length, head, template.rcode, udpSize);
    this.replyRcode = template.rcode;
    this.replyTag = template.questionTag;
    return reply;
  }

  /** Reads the resolver's NameShapes (something changed: perhaps the resolver itself). */
  private refresh(version: number): void {
    this.checkedVersion = version;
    const shapes = this.resolver.nameShapes ?? null;
    if (shapes === this.shapes) return;
    this.shapes = shapes;
    if (shapes !== null) this.adopt(shapes);
  }

  private adopt(shapes: NameShapes): void {
    this.zonal = shapes.zonal;
    this.zoneLabels = shapes.zones.map((zone) => (zone.name === '' ? [] : zone.name.split('.')));
    this.zones = new WireZones(this.zoneLabels.map((labels, index) => ({ labels, index: shapes.zones[index]!.reverse ? -1 : index })));
    this.templates = [];
  }

  /** The zone's current template, built (or rebuilt after a change) through the resolver. */
  private templateFor(index: number, version: number): Template {
    const held = this.templates[index];
    if (held !== undefined && held.version === version) return held;
    const built = this.build(this.zoneLabels[index]!, version);
    this.templates[index] = built;
    return built;
  }

  private build(zoneLabels: readonly string[], version: number): Template {
    const labels = [TEMPLATE_LABEL, ...zoneLabels];
    const unusable: Template = {
      version, records: null, pointers: [], rcode: 0, authoritative: false, authorityCount: 0, spelled: [],
      spelledLengths: new Uint8Array(64), questionTag: 0,
    };
    const answer = this.resolver.resolve({ labels, lower: labels, type: RRType.A, class: RRClass.IN }, TEMPLATE_CLIENT);
    if (answer === null) return unusable;
    if (answer instanceof Promise) {
      // Not the answer of an invalid name; it still must not end as an unhandled rejection.
      answer.catch(() => undefined);
      return unusable;
    }
    if (!fitsTemplate(answer)) return unusable;
    const question = Buffer.concat([Buffer.alloc(HEADER), wireLabels(labels), Buffer.from([0, 0, RRType.A, 0, RRClass.IN])]);
    const questionEnd = question.length;
    const encoded = this.encoder.encode(answer, labels, questionEnd);
    const records = Buffer.from(encoded.records, 'latin1');
    const zoneStart = HEADER + 1 + TEMPLATE_LABEL.length;
    const found = findPointers(records, answer.authority.length, zoneStart, questionEnd - TYPE_AND_CLASS - 1, questionEnd);
    if (found === null) return unusable;
    return {
      version,
      records,
      pointers: found.pointers,
      rcode: answer.rcode,
      authoritative: answer.authoritative,
      authorityCount: answer.authority.length,
      spelled: found.spelled,
      spelledLengths: lengthsOf(found.spelled),
      questionTag: this.tagOf(question, questionEnd),
    };
  }
}

/** An answer of authority SOAs alone, which can be cached: all a template holds and rewrites. */
function fitsTemplate(answer: Answer): boolean {
  return answer.answer.length === 0 && answer.additional.length === 0 && answer.truncated !== true && answer.dependsOn !== null
    && answer.authority.length > 0 && answer.authority.every((record) => record.data.type === RRType.SOA);
}

/**
 * The name pointers in `records` (SOA records as the encoder wrote them after the template's
 * question, whose zone runs from `zoneStart` to `rootAt`), and the labels their names spell out;
 * null when a pointer points anywhere else or the records do not read as SOAs.
 */
function findPointers(
  records: Uint8Array, count: number, zoneStart: number, rootAt: number, base: number,
): { pointers: TemplatePointer[]; spelled: Uint8Array[] } | null {
  const pointers: TemplatePointer[] = [];
  const spelled: Uint8Array[] = [];
  let at = 0;
  // Walks one name; returns where it ends, or -1 when a pointer goes somewhere a reply cannot follow.
  const name = (from: number): number => {
    let p = from;
    while (p < records.length) {
      const length = records[p]!;
      if (length === 0) return p + 1;
      if (length >= POINTER) {
        if (p + 1 >= records.length) return -1;
        const target = ((length & 0x3f) << 8) | records[p + 1]!;
        if (target >= zoneStart && target < rootAt) pointers.push({ at: p, intoZone: true, offset: target - zoneStart });
        else if (target >= base && target < base + p) pointers.push({ at: p, intoZone: false, offset: target - base });
        else return -1;
        return p + 2;
      }
      if (length > 63 || p + 1 + length > records.length) return -1;
      spelled.push(Uint8Array.from(records.subarray(p, p + 1 + length), lowerAsciiByte));
      p += 1 + length;
    }
    return -1;
  };
  for (let record = 0; record < count; record++) {
    at = name(at);
    if (at < 0 || at + 10 > records.length || ((records[at]! << 8) | records[at + 1]!) !== RRType.SOA) return null;
    const rdataEnd = at + 10 + ((records[at + 8]! << 8) | records[at + 9]!);
    at = name(at + 10);
    if (at >= 0) at = name(at);
    // MNAME and RNAME, then serial, refresh, retry, expire and minimum.
    if (at < 0 || at + 20 !== rdataEnd) return null;
    at = rdataEnd;
  }
  return at === records.length ? { pointers, spelled } : null;
}

function lengthsOf(labels: readonly Uint8Array[]): Uint8Array {
  const lengths = new Uint8Array(64);
  for (const label of labels) lengths[label[0]!] = 1;
  return lengths;
}

/** Whether the label at `treeAt` is one the template's names spell out (ASCII case-insensitively). */
function spellsOut(template: Template, query: Buffer, treeAt: number): boolean {
  const spelled = template.spelled;
  for (let s = 0; s < spelled.length; s++) {
    const label = spelled[s]!;
    let i = 0;
    while (i < label.length && lowerAsciiByte(query[treeAt + i]!) === label[i]) i++;
    if (i === label.length) return true;
  }
  return false;
}

/** The grammar's view of the label at `at` (length byte first). */
function treeLabel(query: Buffer, at: number): TreeLabel {
  const length = query[at]!;
  if (length === 3) {
    const a = lowerAsciiByte(query[at + 1]!);
    const b = lowerAsciiByte(query[at + 2]!);
    const c = lowerAsciiByte(query[at + 3]!);
    if (a === 0x73 && b === 0x76 && c === 0x63) return 'svc';
    if (a === 0x70 && b === 0x6f && c === 0x64) return 'pod';
    if (a === 0x64 && b === 0x6e && c === 0x73) return 'dns';
    return 'other';
  }
  if (length === DNS_VERSION.length - 1) {
    for (let i = 1; i < DNS_VERSION.length; i++) if (lowerAsciiByte(query[at + i]!) !== DNS_VERSION[i]) return 'other';
    return 'dns-version';
  }
  return 'other';
}

const DNS_VERSION = wireLabels(['dns-version']);
