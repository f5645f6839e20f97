// Re-reading the --config file when it changes. The kubelet updates a mounted ConfigMap by swapping
// the `..data` symlink in the file's directory, which a watch on the file itself never sees, so the
// directory is watched (fs.watch) and the file is also polled; either way the content is compared
// with what was last read. A changed file goes through the same parser as at start-up (flags and
// environment still win); a bad one keeps the running config and says why, once per content.
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';

/** Settings applied to the running server; every other change needs a restart. */
export const LIVE_KEYS: ReadonlySet<keyof Config> = new Set<keyof Config>([
  'ttl', 'ignoreEmptyService', 'fallthrough', 'logLevel', 'logQueries', 'lameduckMs',
]);

/** Live settings the resolver reads: a change to one of them builds a new resolver. */
const RESOLVER_KEYS: ReadonlySet<keyof Config> = new Set<keyof Config>(['ttl', 'ignoreEmptyService', 'fallthrough']);

export function resolverSettingsChanged(change: ConfigChange): boolean {
  return change.live.some((key) => RESOLVER_KEYS.has(key));
}

export interface ConfigChange {
  /** Changed settings applied at once. */
  readonly live: readonly (keyof Config)[];
  /** Changed settings that take effect only after a restart. */
  readonly restart: readonly (keyof Config)[];
}

export function diffConfig(running: Config, next: Config): ConfigChange {
  const live: (keyof Config)[] = [];
  const restart: (keyof Config)[] = [];
  for (const key of Object.keys(next) as (keyof Config)[]) {
    if (JSON.stringify(running[key]) === JSON.stringify(next[key])) continue;
    (LIVE_KEYS.has(key) ? live : restart).push(key);
  }
  return { live, restart };
}

/** The running config with the live settings of `next`: what the server actually uses afterwards. */
export function withLiveSettings(running: Config, next: Config): Config {
  const merged: Record<string, unknown> = { ...running };
  for (const key of LIVE_KEYS) merged[key] = next[key];
  return Object.freeze(merged) as unknown as Config;
}

export interface ConfigWatcherOptions {
  readonly path: string;
  /** Flags, environment and the file read again into a config; throws (ConfigError) when invalid. */
  readonly load: () => Config;
  readonly initial: Config;
  /** Applies the live part of a change; `config` is the running config afterwards. */
  readonly apply: (config: Config, change: ConfigChange) => void;
  readonly logger: Logger;
  /** How often the file is read even without a watch event (default 2000 ms). */
  readonly pollIntervalMs?: number;
}

export interface ReloadStats {
  readonly reloads: number;
  readonly failures: number;
  /** ms since the epoch of the last successful reload (0: none yet). */
  readonly lastSuccessAt: number;
}

export class ConfigWatcher {
  private running: Config;
  private lastText: string | null;
  private lastProblem: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private watcher: FSWatcher | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private counts = { reloads: 0, failures: 0, lastSuccessAt: 0 };
  private readonly log: Logger;

  constructor(private readonly options: ConfigWatcherOptions) {
    this.running = options.initial;
    this.lastText = this.readText();
    this.log = options.logger.child({ config: options.path });
  }

  get config(): Config {
    return this.running;
  }

  get stats(): ReloadStats {
    return { ...this.counts };
  }

  start(): void {
    this.timer = setInterval(() => this.check(), this.options.pollIntervalMs ?? 2000);
    this.timer.unref();
    try {
      const name = basename(this.options.path);
      this.watcher = watch(dirname(this.options.path), { persistent: false }, (_event, file) => {
        // `..data` (the kubelet's swap) or the file itself; other files in the directory do not matter.
        if (file === null || file === name || file.startsWith('..')) this.soon();
      });
      this.watcher.on('error', (err) => this.log.debug({ err: err.message }, 'config directory watch failed; polling continues'));
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'cannot watch the config directory; polling only');
    }
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    if (this.debounce !== null) clearTimeout(this.debounce);
    this.watcher?.close();
    this.timer = this.debounce = this.watcher = null;
  }

  /** Reads the file and applies it when its content changed. Never throws. */
  check(): void {
    const text = this.readText();
    if (text === this.lastText) return;
    this.lastText = text;
    let next: Config;
    try {
      next = this.options.load();
    } catch (err) {
      this.reject(err instanceof Error ? err.message : String(err));
      return;
    }
    this.lastProblem = null;
    const change = diffConfig(this.running, next);
    this.running = withLiveSettings(this.running, next);
    this.counts.reloads++;
    this.counts.lastSuccessAt = Date.now();
    if (change.live.length === 0 && change.restart.length === 0) {
      this.log.info('config file changed; nothing to apply (unchanged, or overridden by flags or environment)');
      return;
    }
    try {
      this.options.apply(this.running, change);
    } catch (err) {
      this.log.error({ err }, 'applying the reloaded config failed');
    }
    this.log.info({ applied: change.live, needsRestart: change.restart }, 'config reloaded');
    if (change.restart.length > 0) this.log.warn({ keys: change.restart }, 'config change needs a restart to take effect');
  }

  private reject(problem: string): void {
    this.counts.failures++;
    if (problem === this.lastProblem) return;
    this.lastProblem = problem;
    this.log.error({ error: problem }, 'config file rejected; keeping the previous config');
  }

  /** Several events arrive for one kubelet update; read once they settle. */
  private soon(): void {
    if (this.debounce !== null) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = null;
      this.check();
    }, 50);
    this.debounce.unref();
  }

  private readText(): string | null {
    try {
      return readFileSync(this.options.path, 'utf8');
    } catch {
      return null;
    }
  }
}
