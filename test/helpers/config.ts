// Parsing a command line and environment into a Config the way main does, for the flag tests.
import { expect } from 'vitest';
import { ConfigError, parseConfig, type Config, type ConfigContext } from '../../src/config.js';

export interface ConfigParser {
  /** The Config that argv and env give; throws when they ask for --help or --version instead. */
  config(argv: string[], env?: Record<string, string>): Config;
  /** The message of the ConfigError that argv and env give; fails the test when there is none. */
  error(argv: string[], env?: Record<string, string>): string;
}

export function configParser(context: ConfigContext): ConfigParser {
  return {
    config(argv, env = {}) {
      const outcome = parseConfig(argv, env, context);
      if (outcome.action !== 'run') throw new Error(`expected a config, got ${outcome.action}`);
      return outcome.config;
    },
    error(argv, env = {}) {
      try {
        parseConfig(argv, env, context);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error(`expected ${JSON.stringify(argv)} to be rejected`);
    },
  };
}
