// Secrets never reach the log: errors from the Kubernetes client (or anything else) are serialized
// with credentials replaced. Done in the `err`/`error` serializers rather than pino's `redact` paths,
// which cost every log line (about 8x with wildcards, measured) and would slow --log-queries; a
// serializer runs only on the lines that carry an error.
import { pino } from 'pino';

const CENSORED = '[redacted]';
/** Keys whose values are credentials wherever they appear (HTTP headers, kubeconfig fields). */
const SECRET_KEY = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|token|bearer-?token|access-?token|id-?token|refresh-?token|password|passwd|secret|client-?key(-?data)?|key-?data)$/i;
/** Credentials inside free text, such as an error message quoting a header. */
const SECRET_TEXT = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
const MAX_DEPTH = 6;

/** A copy of `value` with credentials replaced; plain data only, cycles and depth bounded. */
export function scrubSecrets(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return value.replace(SECRET_TEXT, `$1 ${CENSORED}`);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value) || depth >= MAX_DEPTH) return '[omitted]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => scrubSecrets(item, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) ? CENSORED : scrubSecrets(inner, depth + 1, seen);
  }
  return out;
}

function serializeError(value: unknown): unknown {
  return scrubSecrets(value instanceof Error ? pino.stdSerializers.err(value) : value);
}

/** pino serializers for the keys errors are logged under. */
export const secretSafeSerializers = { err: serializeError, error: serializeError } as const;
