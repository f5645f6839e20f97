// Parsers for the text of one flag value. Each returns the typed value or throws InvalidValue with the
// reason in words a user can act on; the caller adds which flag (and environment variable) it came from.
import { isIP } from 'node:net';
import { canonicalIP } from '../cluster/ip.js';

export class InvalidValue extends Error {
  override readonly name = 'InvalidValue';
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Host text as written: `[v6]:port`, `v4:port`, `:port`, or without a port (`v4`, `v6`, `[v6]`). */
function splitHostPort(text: string): { host: string; port: string | null } | null {
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2] ?? null };
  const colons = text.split(':').length - 1;
  if (colons === 0) return { host: text, port: null };
  if (colons === 1) {
    const at = text.indexOf(':');
    return { host: text.slice(0, at), port: text.slice(at + 1) };
  }
  // Two or more colons without brackets: a bare IPv6 address, no port.
  return { host: text, port: null };
}

function parsePort(text: string, min: number): number | null {
  if (!/^\d{1,5}$/.test(text)) return null;
  const port = Number(text);
  return port >= min && port <= 65535 ? port : null;
}

/** `HOST:PORT` to listen on; `:PORT` means every IPv4 address. Port 0 asks the OS for a free port. */
export function parseListenAddress(text: string): HostPort {
  const what = `"${text}" is not HOST:PORT with an IP address host (IPv6 as [::1]:1053)`;
  const parts = splitHostPort(text.trim());
  if (!parts || parts.port === null) throw new InvalidValue(what);
  const host = parts.host === '' ? '0.0.0.0' : canonicalIP(parts.host);
  const port = parsePort(parts.port, 0);
  if (host === null || port === null) throw new InvalidValue(what);
  return { host, port };
}

/** `ADDR[:PORT]` of an upstream server; the port defaults to 53. */
export function parseUpstreamAddress(text: string): HostPort {
  const what = `"${text}" is not ADDR[:PORT] with an IP address (IPv6 as [2001:db8::1]:53)`;
  const parts = splitHostPort(text.trim());
  if (!parts) throw new InvalidValue(what);
  const host = canonicalIP(parts.host);
  const port = parts.port === null ? 53 : parsePort(parts.port, 1);
  if (host === null || port === null) throw new InvalidValue(what);
  return { host, port };
}

export function parseIP(text: string): string {
  const ip = canonicalIP(text.trim());
  if (ip === null) throw new InvalidValue(`"${text}" is not an IPv4 or IPv6 address`);
  return ip;
}

export function parseWholeNumber(text: string, min: number, max: number, unit: string): number {
  const trimmed = text.trim();
  const n = /^\d+$/.test(trimmed) ? Number(trimmed) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new InvalidValue(`"${text}" is not a whole number of ${unit} (${min}-${max})`);
  }
  return n;
}

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `5s`, `1m`, `1h`, combinations such as `1m30s`, or plain seconds (`5`, `2.5`); returns milliseconds. */
export function parseDuration(text: string, maxMs: number): number {
  const trimmed = text.trim();
  let ms = NaN;
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) ms = Math.round(Number(trimmed) * 1000);
  else if (/^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/.test(trimmed)) {
    ms = 0;
    for (const part of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) ms += Number(part[1]) * DURATION_UNITS_MS[part[2]!]!;
    ms = Math.round(ms);
  }
  if (!Number.isFinite(ms) || ms > maxMs) {
    throw new InvalidValue(`"${text}" is not a duration such as 5s, 500ms or 1m (at most ${maxMs / 1000}s)`);
  }
  return ms;
}

/** parseDuration for settings where zero makes no sense (timeouts). */
export function parsePositiveDuration(text: string, maxMs: number): number {
  const ms = parseDuration(text, maxMs);
  if (ms <= 0) throw new InvalidValue(`"${text}" must be more than 0`);
  return ms;
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off', '']);

export function parseBoolean(text: string): boolean {
  const word = text.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw new InvalidValue(`"${text}" is not true or false`);
}

export function parseChoice<T extends string>(text: string, choices: readonly T[]): T {
  const word = text.trim().toLowerCase();
  const found = choices.find((c) => c === word);
  if (found === undefined) throw new InvalidValue(`"${text}" is not one of ${choices.join(', ')}`);
  return found;
}

const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** A DNS name (lower-cased, no trailing dot) or a CIDR, which the resolver turns into reverse zones. */
export function parseZone(text: string): string {
  const trimmed = text.trim().toLowerCase();
  if (trimmed.includes('/')) return parseCidr(trimmed, text);
  const name = trimmed.endsWith('.') ? trimmed.slice(0, -1) : trimmed;
  const labels = name.split('.');
  if (name === '' || name.length > 253 || !labels.every((l) => LABEL.test(l))) {
    throw new InvalidValue(`"${text}" is not a DNS name (such as cluster.local) or a CIDR (such as 10.0.0.0/8)`);
  }
  return name;
}

function parseCidr(cidr: string, original: string): string {
  const [address = '', bits = ''] = cidr.split('/');
  const family = isIP(address);
  const max = family === 6 ? 128 : 32;
  const prefix = /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
  if (family === 0 || !(prefix >= 0 && prefix <= max)) {
    throw new InvalidValue(`"${original}" is not a CIDR such as 10.0.0.0/8 or fd00::/8`);
  }
  return `${canonicalIP(address)!}/${prefix}`;
}

const NAMESPACE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function parseNamespace(text: string): string {
  const name = text.trim();
  if (!NAMESPACE.test(name)) throw new InvalidValue(`"${text}" is not a namespace name (lower case DNS label)`);
  return name;
}

export function isCidrZone(zone: string): boolean {
  return zone.includes('/');
}
