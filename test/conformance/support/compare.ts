// Expectations from CoreDNS plugin/kubernetes tests, Apache-2.0, via shared/reference/conformance:
// a decoded reply checked against one case the way CoreDNS's tests check it — rcode, each section
// as a multiset of the same length, only the fields the Go test compared (owner names
// case-sensitive, SOA by owner, TTL and mname), and a CNAME before the records of its target.
import { isIP } from 'node:net';
import type { Packet } from 'dns2';
import { Rcode, RRType } from '../../../src/resolve/message.js';
import { canonicalIP } from '../../../src/cluster/ip.js';
import type { Case, ExpectedRecord } from '../../unit/resolve/helpers/coredns-cases.js';

export type Checked = ExpectedRecord & { readonly checked_upstream?: readonly string[] };

type Decoded = Packet['answers'][number];

const TYPE_NUMBERS: Readonly<Record<string, number>> = RRType;
const TYPE_NAMES = new Map(Object.entries(RRType).map(([name, value]) => [value as number, name]));
const RCODE_NAMES = new Map(Object.entries(Rcode).map(([name, value]) => [value as number, name]));

const stripDot = (name: string): string => name.replace(/\.$/, '');

function address(text: unknown): string {
  const s = String(text);
  return isIP(s) ? (canonicalIP(s) ?? s) : s;
}

/** The value of one checked field, as text, from the JSON's form of a record. */
export function expectedField(r: Checked, field: string): string {
  const d = r.rdata;
  switch (field) {
    case 'name': return stripDot(r.name);
    case 'type': return r.type;
    case 'ttl': return String(r.ttl);
    case 'address': return address(d.address);
    case 'target': case 'ptr': case 'ns': case 'mname': case 'rname':
      return stripDot(String(d[field]));
    case 'txt': return (d.txt as string[]).join(' ');
    default: return String(d[field]);
  }
}

/** The same field from a dns2-decoded record. */
export function actualField(rr: Decoded, field: string): string {
  const value = (key: string): unknown => (rr as unknown as Record<string, unknown>)[key];
  switch (field) {
    case 'name': return rr.name;
    case 'type': return TYPE_NAMES.get(rr.type) ?? String(rr.type);
    case 'ttl': return String(rr.ttl);
    case 'address': return address(value('address'));
    case 'target': return String(rr.type === RRType.CNAME ? value('domain') : value('target'));
    case 'ptr': return String(value('domain'));
    case 'ns': return String(value('ns'));
    case 'mname': return String(value('primary'));
    case 'rname': return String(value('admin'));
    case 'expire': return String(value('expiration'));
    case 'txt': return ([] as string[]).concat(value('data') as string[]).join(' ');
    default: return String(value(field));
  }
}

/** Fields compared for a record: those the Go test compared, else (upstream stubs) every one we know. */
export function fieldsOf(r: Checked): readonly string[] {
  if (r.checked_upstream !== undefined) return r.checked_upstream;
  const ttl = r.ttl === '*' ? [] : ['ttl'];
  return ['name', 'type', ...ttl, ...Object.keys(r.rdata).filter((k) => k !== 'serial')];
}

function text(fields: readonly string[], read: (field: string) => string): string {
  return fields.map((f) => `${f}=${read(f)}`).join(' ');
}

/**
 * Multiset comparison: every expected record must be matched by a distinct actual record on its
 * checked fields, and the counts must be equal.
 */
function sectionProblems(label: string, expected: readonly Checked[], actual: readonly Decoded[]): string[] {
  const left = [...actual];
  const missing: string[] = [];
  for (const want of expected) {
    const fields = fieldsOf(want);
    const wanted = text(fields, (f) => expectedField(want, f));
    const at = left.findIndex((rr) => text(fields, (f) => actualField(rr, f)) === wanted);
    if (at === -1) missing.push(wanted);
    else left.splice(at, 1);
  }
  const problems: string[] = [];
  if (expected.length !== actual.length) problems.push(`${label}: expected ${expected.length} records, got ${actual.length}`);
  if (missing.length > 0) {
    const got = actual.map((rr) => text(['name', 'type', 'ttl'], (f) => actualField(rr, f)) + ` ${JSON.stringify(rr)}`);
    problems.push(`${label}: missing ${JSON.stringify(missing)}; got ${JSON.stringify(got)}`);
  }
  return problems;
}

/** Records of a section without the OPT pseudo-record. */
export function withoutOpt(records: readonly Decoded[]): Decoded[] {
  return records.filter((r) => r.type !== RRType.OPT);
}

/** Every difference between the case's expectation and the reply (empty: the case passes). */
export function caseProblems(c: Case, packet: Packet): string[] {
  const problems: string[] = [];
  const rcode = RCODE_NAMES.get(packet.header.rcode) ?? String(packet.header.rcode);
  if (rcode !== c.rcode) problems.push(`rcode: expected ${c.rcode}, got ${rcode}`);
  problems.push(...sectionProblems('answer', c.answer as Checked[], packet.answers));
  problems.push(...sectionProblems('authority', c.ns as Checked[], packet.authorities));
  problems.push(...sectionProblems('additional', c.extra as Checked[], withoutOpt(packet.additionals)));
  if (c.truncated !== undefined && c.truncated !== (packet.header.tc === 1)) {
    problems.push(`TC: expected ${c.truncated ? 1 : 0}, got ${packet.header.tc}`);
  }
  packet.answers.forEach((rr, i) => {
    if (rr.type !== RRType.CNAME) return;
    const target = actualField(rr, 'target').toLowerCase();
    if (packet.answers.slice(0, i).some((other) => other.name.toLowerCase() === target)) {
      problems.push(`the CNAME to ${target} comes after its target`);
    }
  });
  return problems;
}

export function typeNumber(name: string): number {
  const type = TYPE_NUMBERS[name];
  if (type === undefined) throw new Error(`unknown type ${name}`);
  return type;
}
