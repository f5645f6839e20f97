// The slice of a logger the forwarder uses; a pino Logger fits it.
export interface ForwardLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLogger: ForwardLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
