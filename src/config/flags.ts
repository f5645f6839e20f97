// The machinery behind the flag table: one FlagSpec per flag says how it is spelled on the command line
// and in the environment, what its default is, and how its text becomes a typed value. Reading argv and
// the environment, help text and error messages are all driven from the specs.
import { InvalidValue, parseBoolean } from './values.js';

export type Arity =
  /** `--ttl 5`: one value; the last one wins when repeated. */
  | 'value'
  /** `--listen a --listen b` or `--listen a,b`: every occurrence, comma-separated items too. */
  | 'list'
  /** `--no-endpoints`: present or not; from the environment true/false. */
  | 'switch'
  /** `--fallthrough` or `--fallthrough a,b`: a switch that may carry a value. */
  | 'optional';

export interface FlagSpec<T> {
  /** Without the leading dashes. */
  readonly flag: string;
  /** Environment variables read when the flag is absent, first set one wins. */
  readonly env: readonly string[];
  readonly arity: Arity;
  /** Placeholder for the value in help text (`SECONDS`); '' for switches. */
  readonly metavar: string;
  /** The default as shown in help. */
  readonly defaultText: string;
  readonly help: string;
  /**
   * The typed value from the texts given (`undefined` when neither flag nor environment set it).
   * Throws InvalidValue. For switches the texts are boolean words; for a bare optional flag, [''].
   */
  read(texts: readonly string[] | undefined): T;
}

interface Common {
  readonly flag: string;
  readonly help: string;
  /** Extra environment variables read after SVCDNS_<FLAG> (e.g. KUBECONFIG); [] to read none at all. */
  readonly env?: readonly string[];
}

function envNames(o: Common): readonly string[] {
  const own = `SVCDNS_${o.flag.toUpperCase().replaceAll('-', '_')}`;
  return o.env && o.env.length === 0 ? [] : [own, ...(o.env ?? [])];
}

/** One value with a default that goes through the same parser as user input. */
export function value<T>(o: Common & { metavar: string; default: string; parse: (text: string) => T }): FlagSpec<T> {
  return {
    flag: o.flag, env: envNames(o), arity: 'value', metavar: o.metavar, defaultText: o.default, help: o.help,
    read: (texts) => o.parse(texts?.at(-1) ?? o.default),
  };
}

/** One value, null when unset. */
export function maybe<T>(o: Common & { metavar: string; defaultText?: string; parse: (text: string) => T }): FlagSpec<T | null> {
  return {
    flag: o.flag, env: envNames(o), arity: 'value', metavar: o.metavar, defaultText: o.defaultText ?? 'unset', help: o.help,
    read: (texts) => {
      const text = texts?.at(-1);
      return text === undefined ? null : o.parse(text);
    },
  };
}

/** Repeatable; each item parsed on its own. */
export function list<T>(o: Common & { metavar: string; default: readonly string[]; parse: (text: string) => T; defaultText?: string }): FlagSpec<T[]> {
  return {
    flag: o.flag, env: envNames(o), arity: 'list', metavar: o.metavar,
    defaultText: o.defaultText ?? (o.default.length ? o.default.join(',') : 'none'), help: o.help,
    read: (texts) => (texts ?? o.default).map(o.parse),
  };
}

export function toggle(o: Common): FlagSpec<boolean> {
  return {
    flag: o.flag, env: envNames(o), arity: 'switch', metavar: '', defaultText: 'false', help: o.help,
    read: (texts) => (texts === undefined ? false : parseBoolean(texts.at(-1) ?? 'true')),
  };
}

/** Repeatable, with a reader that sees every item at once (e.g. to treat "none" specially). */
export function listOf<T>(o: Common & { metavar: string; defaultText: string; read: (texts: readonly string[] | undefined) => T }): FlagSpec<T> {
  return { flag: o.flag, env: envNames(o), arity: 'list', metavar: o.metavar, defaultText: o.defaultText, help: o.help, read: o.read };
}

/** Switch with an optional value; the reader sees [''] for the bare flag. */
export function optional<T>(o: Common & { metavar: string; defaultText: string; read: (texts: readonly string[] | undefined) => T }): FlagSpec<T> {
  return { flag: o.flag, env: envNames(o), arity: 'optional', metavar: o.metavar, defaultText: o.defaultText, help: o.help, read: o.read };
}

/** Where a value came from, named in error messages. */
export interface RawValue {
  readonly texts: readonly string[];
  readonly origin: string;
}

/** Splits `a,b, c` into items, dropping empty ones. */
export function splitList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** The texts for one spec from the parsed argv values, else from the first environment variable set. */
export function rawFor(
  spec: FlagSpec<unknown>,
  fromArgv: string | boolean | (string | boolean)[] | undefined,
  env: Readonly<Record<string, string | undefined>>,
): RawValue | undefined {
  if (fromArgv !== undefined) {
    const all = Array.isArray(fromArgv) ? fromArgv : [fromArgv];
    const texts = all.map((v) => (typeof v === 'boolean' ? String(v) : v));
    return { texts: spec.arity === 'list' ? texts.flatMap(splitList) : texts, origin: `--${spec.flag}` };
  }
  for (const name of spec.env) {
    const text = env[name];
    if (text === undefined || text.trim() === '') continue;
    const texts = spec.arity === 'list' ? splitList(text) : [text];
    return { texts, origin: `--${spec.flag} (from ${name})` };
  }
  return undefined;
}

/** Runs the spec's reader, turning InvalidValue into one line that names the flag. */
export function readSpec<T>(spec: FlagSpec<T>, raw: RawValue | undefined, fail: (line: string) => never): T {
  try {
    return spec.read(raw?.texts);
  } catch (err) {
    if (err instanceof InvalidValue) fail(`${raw?.origin ?? `--${spec.flag} (default)`}: ${err.message}`);
    throw err;
  }
}
