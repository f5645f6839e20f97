// Runs the real `dig` and parses its output into plain objects, so tests assert on what a user sees.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface DigRecord {
  name: string;
  ttl: number;
  class: string;
  type: string;
  /** Presentation form of the RDATA, as dig prints it. */
  data: string;
}

export interface DigResult {
  status: string; // NOERROR, NXDOMAIN, ...
  flags: string[]; // qr, aa, rd, tc, ...
  answer: DigRecord[];
  authority: DigRecord[];
  additional: DigRecord[];
  /** EDNS as dig reports it (`; EDNS: version: 0, flags: do; udp: 1232`), or null when absent. */
  edns: { version: number; flags: string[]; udp: number } | null;
  /** ";; MSG SIZE  rcvd: N" */
  size: number;
  raw: string;
}

export interface DigOptions {
  server?: string;
  port: number;
  /** Extra dig options such as '+tcp', '+notcp', '+bufsize=512', '+noedns', '+ignore'. */
  options?: string[];
  timeoutSeconds?: number;
}

function parseRecord(line: string): DigRecord | null {
  const m = /^(\S+)\s+(\d+)\s+(\S+)\s+(\S+)\s*(.*)$/.exec(line);
  if (!m) return null;
  return { name: m[1]!, ttl: Number(m[2]), class: m[3]!, type: m[4]!, data: (m[5] ?? '').trim() };
}

export function parseDig(raw: string): DigResult {
  const result: DigResult = { status: '', flags: [], answer: [], authority: [], additional: [], edns: null, size: 0, raw };
  let section: 'answer' | 'authority' | 'additional' | null = null;
  for (const line of raw.split('\n')) {
    const header = /status: (\w+)/.exec(line);
    if (line.includes('->>HEADER<<-') && header) result.status = header[1]!;
    const flags = /^;; flags: ([^;]*);/.exec(line);
    if (flags) result.flags = flags[1]!.trim().split(/\s+/).filter(Boolean);
    const edns = /^; EDNS: version: (\d+), flags:([^;]*); udp: (\d+)/.exec(line);
    if (edns) result.edns = { version: Number(edns[1]), flags: edns[2]!.trim().split(/\s+/).filter(Boolean), udp: Number(edns[3]) };
    const size = /MSG SIZE\s+rcvd: (\d+)/.exec(line);
    if (size) result.size = Number(size[1]);
    if (line.startsWith(';; ANSWER SECTION')) section = 'answer';
    else if (line.startsWith(';; AUTHORITY SECTION')) section = 'authority';
    else if (line.startsWith(';; ADDITIONAL SECTION')) section = 'additional';
    else if (line.startsWith(';') || line.trim() === '') {
      if (line.trim() === '') section = null;
    } else if (section) {
      const record = parseRecord(line);
      if (record) result[section].push(record);
    }
  }
  return result;
}

/** `dig @server -p port name type`, with +nocookie so answers are comparable. */
export async function dig(name: string, type: string, opts: DigOptions): Promise<DigResult> {
  const args = [
    `@${opts.server ?? '127.0.0.1'}`, '-p', String(opts.port), name, type,
    '+nocookie', '+norecurse', `+time=${opts.timeoutSeconds ?? 2}`, '+tries=1', ...(opts.options ?? []),
  ];
  const { stdout } = await run('dig', args, { timeout: 20_000 });
  return parseDig(stdout);
}

/** Addresses of the answer's A/AAAA records, in the order served. */
export function addresses(result: DigResult): string[] {
  return result.answer.filter((r) => r.type === 'A' || r.type === 'AAAA').map((r) => r.data);
}
