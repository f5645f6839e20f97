// Records in the presentation format dig prints (`name. ttl IN TYPE data`), for /debug/explain.
import type { Answer, ResourceRecord } from '../../resolve/message.js';
import { rcodeName, typeName } from '../metrics/labels.js';

function fqdn(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}

function quoted(text: string): string {
  return `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

function rdataText(rr: ResourceRecord): string {
  const d = rr.data;
  if ('address' in d) return d.address;
  if ('target' in d && 'priority' in d) return `${d.priority} ${d.weight} ${d.port} ${fqdn(d.target)}`;
  if ('target' in d) return fqdn(d.target);
  if ('strings' in d) return d.strings.map(quoted).join(' ');
  if ('mname' in d) return `${fqdn(d.mname)} ${fqdn(d.rname)} ${d.serial} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}`;
  // RFC 3597 generic form for data kept in wire format.
  return `\\# ${d.raw.length} ${Buffer.from(d.raw).toString('hex')}`;
}

export function recordText(rr: ResourceRecord): string {
  const klass = rr.class === undefined || rr.class === 1 ? 'IN' : `CLASS${rr.class}`;
  return `${fqdn(rr.name)} ${rr.ttl} ${klass} ${typeName(rr.data.type)} ${rdataText(rr)}`;
}

export interface PresentedAnswer {
  readonly rcode: string;
  readonly authoritative: boolean;
  readonly answer: readonly string[];
  readonly authority: readonly string[];
  readonly additional: readonly string[];
  /** Address records are rotated from query to query (headless services). */
  readonly rotated: boolean;
  readonly truncated: boolean;
  /** Whether the dispatcher may cache this answer. */
  readonly cacheable: boolean;
}

export function presentAnswer(answer: Answer): PresentedAnswer {
  return {
    rcode: rcodeName(answer.rcode),
    authoritative: answer.authoritative,
    answer: answer.answer.map(recordText),
    authority: answer.authority.map(recordText),
    additional: answer.additional.map(recordText),
    rotated: answer.rotate === true,
    truncated: answer.truncated === true,
    cacheable: answer.dependsOn !== null,
  };
}
