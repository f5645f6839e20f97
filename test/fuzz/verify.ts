// An independent structural check of a DNS message, written for the fuzz suite: every name ends
// within the message, every compression pointer points backwards (so no loop is possible), every
// record fits, and the sections use up the message exactly. Cheap enough to run on every reply.
import type { Client } from '../../src/resolve/message.js';
import { parseQuery } from '../../src/wire/query.js';

export interface MessageShape {
  readonly id: number;
  readonly response: boolean;
  readonly truncated: boolean;
  readonly rcode: number;
  readonly counts: readonly [number, number, number, number];
  /** The OPT record's advertised size, or null without OPT. */
  readonly optSize: number | null;
}

/** Offset after the name at `offset`, or an error text. */
function skipName(msg: Buffer, offset: number): number | string {
  let at = offset;
  let length = 1;
  for (;;) {
    if (at >= msg.length) return `name at ${offset} runs past the end`;
    const b = msg[at]!;
    if (b === 0) return at + 1;
    if ((b & 0xc0) === 0xc0) {
      if (at + 2 > msg.length) return `pointer at ${at} cut off`;
      const target = ((b & 0x3f) << 8) | msg[at + 1]!;
      // Pointing at or after itself is how loops and forward references start.
      if (target >= at) return `pointer at ${at} points forward to ${target}`;
      const rest = skipName(msg, target);
      return typeof rest === 'string' ? rest : at + 2;
    }
    if (b > 63) return `label length ${b} at ${at}`;
    length += b + 1;
    if (length > 255) return `name at ${offset} longer than 255 bytes`;
    at += b + 1;
  }
}

/** The message's shape, or a text saying what is wrong with it. */
export function checkMessage(msg: Buffer): MessageShape | string {
  if (msg.length < 12) return `only ${msg.length} bytes`;
  const counts = [msg.readUInt16BE(4), msg.readUInt16BE(6), msg.readUInt16BE(8), msg.readUInt16BE(10)] as const;
  let at = 12;
  for (let i = 0; i < counts[0]; i++) {
    const end = skipName(msg, at);
    if (typeof end === 'string') return `question ${i}: ${end}`;
    if (end + 4 > msg.length) return `question ${i} cut off`;
    at = end + 4;
  }
  let optSize: number | null = null;
  const records = counts[1] + counts[2] + counts[3];
  for (let i = 0; i < records; i++) {
    const end = skipName(msg, at);
    if (typeof end === 'string') return `record ${i}: ${end}`;
    if (end + 10 > msg.length) return `record ${i} cut off`;
    const type = msg.readUInt16BE(end);
    const rdEnd = end + 10 + msg.readUInt16BE(end + 8);
    if (rdEnd > msg.length) return `record ${i} RDATA runs past the end`;
    if (type === 41) {
      if (optSize !== null) return 'two OPT records';
      if (i < counts[1] + counts[2]) return 'OPT outside the additional section';
      optSize = msg.readUInt16BE(end + 2);
    }
    at = rdEnd;
  }
  if (at !== msg.length) return `${msg.length - at} bytes after the last record`;
  return {
    id: msg.readUInt16BE(0),
    response: (msg[2]! & 0x80) !== 0,
    truncated: (msg[2]! & 0x02) !== 0,
    rcode: msg[3]! & 0x0f,
    counts,
    optSize,
  };
}

/** What the reply to `packet` must satisfy; a text describing the first violation, or null. */
export function replyProblem(packet: Buffer, reply: Buffer | null, client: Client, maxUdpSize = 1232): string | null {
  const parsed = parseQuery(packet);
  if (reply === null) {
    // Silence is only right for what cannot be answered: too short for a header, or a response.
    return parsed.status === 'drop' ? null : `no reply to a ${parsed.status} query`;
  }
  if (parsed.status === 'drop') return 'replied to a packet that should be dropped';
  const shape = checkMessage(reply);
  if (typeof shape === 'string') return `malformed reply: ${shape}`;
  if (!shape.response) return 'reply without QR';
  if (shape.id !== packet.readUInt16BE(0)) return 'reply ID differs from the query ID';
  if (shape.counts[0] > 1) return 'reply with more than one question';
  if (client.transport === 'udp') {
    const limit = parsed.edns === null ? 512 : Math.max(512, Math.min(parsed.edns.udpSize, maxUdpSize));
    if (reply.length > limit) return `UDP reply of ${reply.length} bytes over the client's limit ${limit}`;
  }
  if ((shape.optSize !== null) !== (parsed.edns !== null)) return 'OPT in the reply does not match OPT in the query';
  return null;
}
