// Upstreams from a resolv.conf: its `nameserver` lines (IPv4, or IPv6 with an optional %scope), port 53.
// Everything else in the file (search, options, comments) is the stub resolver's business, not ours.
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { Upstream } from './transport.js';

export type ResolvConfResult =
  | { readonly ok: true; readonly upstreams: readonly Upstream[]; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly error: string };

function validAddress(text: string): boolean {
  const [address, scope, ...rest] = text.split('%');
  if (rest.length > 0 || address === undefined) return false;
  const family = isIP(address);
  if (scope === undefined) return family !== 0;
  return family === 6 && /^[A-Za-z0-9_.-]+$/.test(scope);
}

const ADVICE = 'give the upstreams with --upstream, or --upstream none';

/** `source` names the file in messages. */
export function parseResolvConf(text: string, source: string): ResolvConfResult {
  const upstreams: Upstream[] = [];
  const warnings: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const content = lines[i]!.replace(/[#;].*$/, '').trim();
    // Words after the address are ignored, as glibc does.
    const [keyword, value] = content.split(/\s+/);
    if (keyword !== 'nameserver') continue;
    if (value === undefined || !validAddress(value)) {
      warnings.push(`${source}:${i + 1}: ignoring "${lines[i]!.trim()}": not "nameserver <IP address>"`);
      continue;
    }
    upstreams.push({ host: value, port: 53 });
  }
  if (upstreams.length === 0) {
    const why = warnings.length > 0 ? `no usable nameserver line (${warnings.join('; ')})` : 'no nameserver line';
    return { ok: false, error: `${source} has ${why}: ${ADVICE}` };
  }
  return { ok: true, upstreams, warnings };
}

export async function readResolvConf(path: string): Promise<ResolvConfResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    // The code (ENOENT, EACCES) says it all; the message would repeat the path.
    const code = (err as { code?: unknown } | null)?.code;
    const reason = typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
    return { ok: false, error: `cannot read ${path} for upstream nameservers: ${reason}: ${ADVICE}` };
  }
  return parseResolvConf(text, path);
}
