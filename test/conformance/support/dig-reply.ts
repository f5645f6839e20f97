// dig's view of a reply (test/helpers/dig.ts) in the shape dns2 decodes to, so the same case
// comparison checks what a user of dig sees.
import type { Packet } from 'dns2';
import { Rcode, RRType } from '../../../src/resolve/message.js';
import type { DigRecord, DigResult } from '../../helpers/dig.js';

type Decoded = Packet['answers'][number];

const stripDot = (name: string): string => name.replace(/\.$/, '');

/** `"a" "b c"` → ['a', 'b c']. */
function quotedStrings(text: string): string[] {
  return [...text.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1] ?? '');
}

function toDecoded(r: DigRecord): Decoded {
  const type = (RRType as Record<string, number>)[r.type] ?? 0;
  const base = { name: stripDot(r.name), ttl: r.ttl, type, class: 1 };
  const words = r.data.split(/\s+/);
  switch (r.type) {
    case 'A': case 'AAAA': return { ...base, address: r.data } as unknown as Decoded;
    case 'CNAME': case 'PTR': return { ...base, domain: stripDot(r.data) } as unknown as Decoded;
    case 'NS': return { ...base, ns: stripDot(r.data) } as unknown as Decoded;
    case 'TXT': return { ...base, data: quotedStrings(r.data) } as unknown as Decoded;
    case 'SRV':
      return { ...base, priority: Number(words[0]), weight: Number(words[1]), port: Number(words[2]), target: stripDot(words[3] ?? '') } as unknown as Decoded;
    case 'SOA':
      return {
        ...base, primary: stripDot(words[0] ?? ''), admin: stripDot(words[1] ?? ''), serial: Number(words[2]),
        refresh: Number(words[3]), retry: Number(words[4]), expiration: Number(words[5]), minimum: Number(words[6]),
      } as unknown as Decoded;
    default: return { ...base, data: r.data } as unknown as Decoded;
  }
}

/** The parts of a Packet the case comparison reads. */
export function digAsPacket(result: DigResult): Packet {
  const rcode = (Rcode as Record<string, number>)[result.status] ?? -1;
  return {
    header: { rcode, tc: result.flags.includes('tc') ? 1 : 0, aa: result.flags.includes('aa') ? 1 : 0 },
    answers: result.answer.map(toDecoded),
    authorities: result.authority.map(toDecoded),
    additionals: result.additional.map(toDecoded),
  } as unknown as Packet;
}
