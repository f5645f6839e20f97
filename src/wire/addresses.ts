// Text addresses to their 4- and 16-byte wire forms, strict: anything odd is an EncodeError.
import { EncodeError } from './writer.js';

export function ipv4Bytes(text: string, out: Uint8Array, offset: number): void {
  const parts = text.split('.');
  if (parts.length !== 4) throw new EncodeError(`not an IPv4 address: ${text}`);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!/^\d{1,3}$/.test(part)) throw new EncodeError(`not an IPv4 address: ${text}`);
    const value = Number(part);
    if (value > 255) throw new EncodeError(`not an IPv4 address: ${text}`);
    out[offset + i] = value;
  }
}

function groups(text: string, address: string): number[] {
  if (text === '') return [];
  return text.split(':').map((group) => {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) throw new EncodeError(`not an IPv6 address: ${address}`);
    return parseInt(group, 16);
  });
}

export function ipv6Bytes(text: string, out: Uint8Array, offset: number): void {
  let body = text;
  if (body.includes('%')) throw new EncodeError(`IPv6 address with a zone: ${text}`);
  // An embedded IPv4 tail (::ffff:10.0.0.1) stands for the last two groups.
  const tail: number[] = [];
  const lastColon = body.lastIndexOf(':');
  if (body.indexOf('.', lastColon) !== -1) {
    const v4 = new Uint8Array(4);
    ipv4Bytes(body.slice(lastColon + 1), v4, 0);
    tail.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    const prefix = body.slice(0, lastColon + 1);
    body = prefix.endsWith('::') ? prefix : prefix.slice(0, -1);
  }
  const doubleColon = body.indexOf('::');
  let words: number[];
  if (doubleColon === -1) {
    words = [...groups(body, text), ...tail];
    if (words.length !== 8) throw new EncodeError(`not an IPv6 address: ${text}`);
  } else {
    if (body.indexOf('::', doubleColon + 1) !== -1) throw new EncodeError(`not an IPv6 address: ${text}`);
    const head = groups(body.slice(0, doubleColon), text);
    const rest = [...groups(body.slice(doubleColon + 2), text), ...tail];
    const missing = 8 - head.length - rest.length;
    if (missing < 1) throw new EncodeError(`not an IPv6 address: ${text}`);
    words = [...head, ...new Array<number>(missing).fill(0), ...rest];
  }
  for (let i = 0; i < 8; i++) {
    out[offset + 2 * i] = words[i]! >> 8;
    out[offset + 2 * i + 1] = words[i]! & 0xff;
  }
}
