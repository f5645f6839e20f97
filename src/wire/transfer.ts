// Zone transfers over TCP (RFC 5936), only to clients inside the --transfer-to ranges. IXFR is
// answered with the full zone, which RFC 1995 §4 allows. A transfer the client may not have, or over
// UDP, is not handled here: it goes the normal way and the resolver answers REFUSED.
import { BlockList, isIP } from 'node:net';
import type { Answer, Client, Question, ResourceRecord } from '../resolve/message.js';
import { RRType } from '../resolve/message.js';
import { AnswerEncoder } from './encode.js';
import type { ParsedQuery } from './query.js';
import { buildAnswerReply } from './response.js';

/** The records of a full transfer of the zone `q` names (first and last the SOA), or null when not ours. */
export type TransferListing = (q: Question) => readonly ResourceRecord[] | null;

export interface Cidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** `10.0.0.0/8`, `fd00::/8`, or a bare address (one host); null when malformed. */
export function parseTransferCidr(text: string): Cidr | null {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const address = slash === -1 ? trimmed : trimmed.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return null;
  const max = version === 4 ? 32 : 128;
  const prefixText = slash === -1 ? String(max) : trimmed.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return null;
  return { address: address.toLowerCase(), prefix: Number(prefixText), family: version === 4 ? 'ipv4' : 'ipv6' };
}

export function formatCidr(cidr: Cidr): string {
  return `${cidr.address}/${cidr.prefix}`;
}

/** Most records in one message; fewer when their encoding would not fit 65535 bytes. */
const RECORDS_PER_MESSAGE = 256;
const TCP_MESSAGE_LIMIT = 65535;
/** Header (12) and our OPT record (11): what a message holds besides question and records. */
const MESSAGE_OVERHEAD = 23;

export class ZoneTransfer {
  private readonly allowed = new BlockList();
  private readonly encoder = new AnswerEncoder();

  /** `cidrs` as `parseTransferCidr` reads them; none allows nobody. */
  constructor(
    cidrs: readonly string[],
    private readonly listing: TransferListing,
    private readonly udpSize: number,
  ) {
    for (const text of cidrs) {
      const cidr = parseTransferCidr(text);
      if (cidr !== null) this.allowed.addSubnet(cidr.address, cidr.prefix, cidr.family);
    }
  }

  /** Whether `address` (IPv4-mapped IPv6 counts as IPv4) may transfer zones. */
  allows(address: string): boolean {
    const version = isIP(address);
    if (version === 0) return false;
    return this.allowed.check(address, version === 4 ? 'ipv4' : 'ipv6');
  }

  /**
   * The messages of the transfer `parsed` asks for, or null when it is not a transfer we stream
   * (not AXFR/IXFR, not over TCP, a client outside the ranges, not the apex of a zone of ours).
   */
  replies(query: Buffer, parsed: ParsedQuery, client: Client): Buffer[] | null {
    const q = parsed.question;
    if (parsed.status !== 'ok' || q === null || client.transport !== 'tcp') return null;
    if (q.type !== RRType.AXFR && q.type !== RRType.IXFR) return null;
    if (!this.allows(client.address)) return null;
    const records = this.listing(q);
    if (records === null) return null;
    return this.messages(query, parsed, records);
  }

  /** Every message carries the question (RFC 5936 §2.2 allows it) and, after an EDNS query, our OPT. */
  private messages(query: Buffer, parsed: ParsedQuery, records: readonly ResourceRecord[]): Buffer[] {
    const labels = parsed.question?.labels ?? null;
    const room = TCP_MESSAGE_LIMIT - MESSAGE_OVERHEAD - parsed.questionEnd;
    const out: Buffer[] = [];
    let at = 0;
    let count = RECORDS_PER_MESSAGE;
    while (at < records.length) {
      const chunk = records.slice(at, at + count);
      const encoded = this.encoder.encode(answerOf(chunk), labels, parsed.questionEnd);
      if (encoded.records.length > room && chunk.length > 1) {
        count = Math.max(1, Math.floor(chunk.length / 2));
        continue;
      }
      out.push(buildAnswerReply(query, parsed, encoded, 0, TCP_MESSAGE_LIMIT, this.udpSize));
      at += chunk.length;
      count = RECORDS_PER_MESSAGE;
    }
    return out;
  }
}

function answerOf(records: readonly ResourceRecord[]): Answer {
  return { rcode: 0, authoritative: true, answer: records, authority: [], additional: [], dependsOn: null };
}
