// The command line around the flag table: node:util's errors turned into one line naming the flag,
// bare optional flags, and the --help text.
import type { FlagSpec } from './flags.js';

/** A bare optional flag (`--fallthrough` last, or before another flag) becomes `--fallthrough=`. */
export function markBareOptionals(argv: readonly string[], specs: readonly FlagSpec<unknown>[]): string[] {
  const optionals = new Set(specs.filter((s) => s.arity === 'optional').map((s) => `--${s.flag}`));
  return argv.map((arg, i) => {
    const next = argv[i + 1];
    return optionals.has(arg) && (next === undefined || next.startsWith('-')) ? `${arg}=` : arg;
  });
}

/** node:util's messages span several lines; ours are one line naming the flag. */
export function argvError(err: unknown, specs: readonly FlagSpec<unknown>[]): string {
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message : String(err);
  const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? '';
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `${flag}: unknown flag (svcdns --help lists them all)`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `${/'([^']*)'/.exec(message)?.[1] ?? ''}: unexpected argument (every setting is a --flag)`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (message.includes('does not take an argument')) return `${flag}: takes no value`;
      return needsValue(flag, specs, message.includes('ambiguous'));
    default:
      return message.split('\n')[0] ?? message;
  }
}

/** The value is missing, or (ambiguous) the next argument starts with a dash. */
function needsValue(flag: string, specs: readonly FlagSpec<unknown>[], ambiguous: boolean): string {
  const metavar = specs.find((s) => `--${s.flag}` === flag)?.metavar ?? 'VALUE';
  const dashHint = ambiguous ? `; a value starting with "-" is written ${flag}=-…` : '';
  return `${flag}: needs a value (${flag} ${metavar}${dashHint})`;
}

export function helpText(specs: readonly FlagSpec<unknown>[], version: string): string {
  const rows = specs.map((s) => {
    const usage = s.metavar ? `--${s.flag} ${s.metavar}` : `--${s.flag}`;
    const env = s.env.length ? `env ${s.env.join(' or ')}` : 'command line only';
    const repeat = s.arity === 'list' ? ', repeatable' : '';
    const dflt = s.arity === 'switch' && s.env.length === 0 ? '' : `; default: ${s.defaultText}`;
    return `  ${usage.padEnd(30)} ${s.help}\n  ${''.padEnd(30)} (${env}${repeat}${dflt})`;
  });
  return [
    `svcdns ${version}: authoritative DNS for Kubernetes services, endpoints and pods`,
    '',
    'Usage: svcdns [flags]',
    '',
    'Every flag can also be set with the environment variable shown (the flag wins).',
    'Lists in environment variables are comma-separated; switches take true or false.',
    '',
    ...rows,
    '',
  ].join('\n');
}
