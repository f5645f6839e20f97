// The config file (--config PATH): YAML whose keys are the flags, in camelCase (`startupTimeout`) or as
// spelled on the command line (`startup-timeout`). Each value becomes the same texts the command line
// would give, so one parser per flag serves argv, environment and file alike, and errors name the key.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { FlagSpec, RawValue } from './flags.js';
import { splitList } from './flags.js';

/** A problem with the file, as one line naming the file and (when there is one) the key. */
export class ConfigFileError extends Error {
  override readonly name = 'ConfigFileError';
}

/** Flags that make no sense in the file: they act on the command, or name the file itself. */
const COMMAND_LINE_ONLY = new Set(['help', 'version', 'config']);

export function camelCase(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

type Scalar = string | number | boolean;

function isScalar(value: unknown): value is Scalar {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean';
}

/** The texts a YAML value stands for, as the flag would receive them; throws a message on a wrong shape. */
function textsFor(spec: FlagSpec<unknown>, value: unknown): string[] | undefined {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    if (!value.every(isScalar)) throw new Error('a list may hold only strings, numbers and booleans');
    const items = value.map(String);
    if (spec.arity === 'list') return items.flatMap(splitList);
    if (spec.arity === 'optional') return [items.join(',')];
    throw new Error('takes one value, not a list');
  }
  if (!isScalar(value)) throw new Error('takes a value, not a mapping');
  const text = String(value);
  return spec.arity === 'list' ? splitList(text) : [text];
}

/** Key spellings accepted for each flag: the flag itself and its camelCase form. */
function keyTable(specs: readonly FlagSpec<unknown>[]): Map<string, FlagSpec<unknown>> {
  const table = new Map<string, FlagSpec<unknown>>();
  for (const spec of specs) {
    if (COMMAND_LINE_ONLY.has(spec.flag)) continue;
    table.set(spec.flag, spec);
    table.set(camelCase(spec.flag), spec);
  }
  return table;
}

/**
 * The file's values by flag name, each with an origin that names the file and key. Throws
 * ConfigFileError for an unreadable file, bad YAML, a top level that is not a mapping, an unknown
 * key, a key given twice in two spellings, or a value of the wrong shape.
 */
export function parseConfigText(text: string, path: string, specs: readonly FlagSpec<unknown>[]): Map<string, RawValue> {
  let document: unknown;
  try {
    document = parse(text);
  } catch (err) {
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw new ConfigFileError(`config file ${path}: not valid YAML: ${first}`);
  }
  const values = new Map<string, RawValue>();
  if (document === null || document === undefined) return values;
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigFileError(`config file ${path}: expected a mapping of settings (key: value), found ${Array.isArray(document) ? 'a list' : typeof document}`);
  }
  const table = keyTable(specs);
  const seenAs = new Map<string, string>();
  for (const [key, value] of Object.entries(document as Record<string, unknown>)) {
    const spec = table.get(key);
    if (spec === undefined) {
      const hint = COMMAND_LINE_ONLY.has(key) ? 'it is a command-line flag only' : 'the keys are the flags in camelCase, e.g. startupTimeout; see svcdns --help';
      throw new ConfigFileError(`config file ${path}: unknown key "${key}" (${hint})`);
    }
    const earlier = seenAs.get(spec.flag);
    if (earlier !== undefined) throw new ConfigFileError(`config file ${path}: "${key}" and "${earlier}" set the same setting`);
    seenAs.set(spec.flag, key);
    let texts: string[] | undefined;
    try {
      texts = textsFor(spec, value);
    } catch (err) {
      throw new ConfigFileError(`config file ${path}, key ${key}: ${(err as Error).message}`);
    }
    if (texts !== undefined) values.set(spec.flag, { texts, origin: `config file ${path}, key ${key}` });
  }
  return values;
}

export function readConfigFile(path: string, specs: readonly FlagSpec<unknown>[]): Map<string, RawValue> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigFileError(`config file ${path}: cannot read it (${code ?? (err as Error).message})`);
  }
  return parseConfigText(text, path, specs);
}
