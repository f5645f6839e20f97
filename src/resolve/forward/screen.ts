// The check every message from an upstream passes where it is received, before anything caches or
// relays it: is it the reply to our query, and is it sound? Done once per reply, never on cache hits.
import { Buffer } from 'node:buffer';
import { walkMessage, type RecordSpan } from './walk.js';
import { HEADER_SIZE, isResponse, isTruncated, opcodeOf, readQuestion, sameQuestion, truncatedToQuestion, type WireQuestion } from './wire.js';

export type Screened =
  /** Not the reply to our query (another ID or question: late, spoofed or garbage); keep waiting. */
  | { readonly kind: 'stray' }
  /** Our reply, but not one to pass on: the exchange with that upstream failed. */
  | { readonly kind: 'malformed'; readonly problem: string }
  /** Our reply, sound, cut after its last record; `spans` are its records as walked. */
  | { readonly kind: 'reply'; readonly reply: Buffer; readonly question: WireQuestion; readonly spans: readonly RecordSpan[] };

/**
 * Our reply is the message with the ID we sent and the question we asked (any letter case). It must be
 * a response (QR) to the opcode we sent, with every name, pointer and record sound and the counts true
 * (see walk.ts); bytes after the last record are cut. A truncated reply that does not walk (some servers
 * cut at 512 bytes mid-record) keeps only its header and question: it still says "retry over TCP".
 */
export function screenReply(msg: Buffer, id: number, asked: WireQuestion): Screened {
  if (msg.length < HEADER_SIZE || msg.readUInt16BE(0) !== id) return { kind: 'stray' };
  const question = readQuestion(msg);
  if (question === null || !sameQuestion(question, asked)) return { kind: 'stray' };
  if (!isResponse(msg)) return { kind: 'malformed', problem: 'QR is not set: a query, not a response' };
  if (opcodeOf(question.flags) !== opcodeOf(asked.flags)) {
    return { kind: 'malformed', problem: `opcode ${opcodeOf(question.flags)} in reply to opcode ${opcodeOf(asked.flags)}` };
  }
  const walk = walkMessage(msg);
  if (walk.ok) {
    // A copy when cut, so the cache never holds on to the junk it was cut from.
    const reply = walk.end === msg.length ? msg : Buffer.from(msg.subarray(0, walk.end));
    return { kind: 'reply', reply, question, spans: walk.spans };
  }
  if (isTruncated(msg)) return { kind: 'reply', reply: truncatedToQuestion(msg, question.questionEnd), question, spans: [] };
  return { kind: 'malformed', problem: walk.problem };
}
