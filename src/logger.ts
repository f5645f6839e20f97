// One JSON log line per event (pino), level names as strings so humans and collectors both read them.
import { pino, type Logger } from 'pino';
import { secretSafeSerializers } from './redact.js';

export type { Logger };

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export function createLogger(level: LogLevel, destination: NodeJS.WritableStream = process.stdout): Logger {
  return pino(
    {
      level,
      base: { component: 'svcdns' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Errors are logged with credentials (Authorization headers, tokens, keys) replaced.
      serializers: secretSafeSerializers,
    },
    destination,
  );
}
