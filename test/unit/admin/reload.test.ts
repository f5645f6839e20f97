// Re-reading --config: live settings applied, restart-only ones reported, a bad file keeping the old
// config (said once), and the kubelet's ConfigMap update (a `..data` symlink swap) noticed.
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../../src/config.js';
import { ConfigWatcher, diffConfig, withLiveSettings, type ConfigChange } from '../../../src/config/reload.js';
import { LiveResolver } from '../../../src/config/live-resolver.js';
import { createLogger } from '../../../src/logger.js';
import type { Answer, Generations, Resolver } from '../../../src/resolve/message.js';

const root = mkdtempSync(join(tmpdir(), 'svcdns-reload-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function logs(): { logger: ReturnType<typeof createLogger>; lines: { level: string; msg: string; [k: string]: unknown }[] } {
  const lines: { level: string; msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as { level: string; msg: string });
      done();
    },
  });
  return { logger: createLogger('info', stream), lines };
}

function load(path: string, argv: string[] = []): () => Config {
  return () => {
    const outcome = parseConfig(['--config', path, ...argv], {}, { embeddedManifests: root, version: 't', cwd: root });
    if (outcome.action !== 'run') throw new Error('not a run');
    return outcome.config;
  };
}

function watcherFor(path: string, argv: string[] = [], pollIntervalMs = 100) {
  const { logger, lines } = logs();
  const applied: { config: Config; change: ConfigChange }[] = [];
  const watcher = new ConfigWatcher({
    path, load: load(path, argv), initial: load(path, argv)(), logger, pollIntervalMs,
    apply: (config, change) => applied.push({ config, change }),
  });
  return { watcher, applied, lines };
}

let n = 0;
function configFile(text: string): string {
  const dir = join(root, `plain-${n++}`);
  mkdirSync(dir);
  const path = join(dir, 'config.yaml');
  writeFileSync(path, text);
  return path;
}

describe('a changed file', () => {
  it('applies live settings and reports those that need a restart', () => {
    const path = configFile('ttl: 5\nlogLevel: info\nmaxUdpSize: 1232\n');
    const { watcher, applied, lines } = watcherFor(path);
    writeFileSync(path, 'ttl: 30\nlogLevel: debug\nmaxUdpSize: 4096\n');
    watcher.check();
    expect(applied).toHaveLength(1);
    expect(applied[0]!.change).toEqual({ live: ['ttl', 'logLevel'], restart: ['maxUdpSize'] });
    // The running config takes the live settings only.
    expect(watcher.config).toMatchObject({ ttl: 30, logLevel: 'debug', maxUdpSize: 1232 });
    expect(lines.find((l) => l.msg === 'config reloaded')).toMatchObject({ applied: ['ttl', 'logLevel'], needsRestart: ['maxUdpSize'] });
    expect(lines.find((l) => l.msg === 'config change needs a restart to take effect')).toMatchObject({ level: 'warn', keys: ['maxUdpSize'] });
    expect(watcher.stats.reloads).toBe(1);
  });

  it('a setting a flag overrides does not change with the file', () => {
    const path = configFile('ttl: 5\n');
    const { watcher, applied, lines } = watcherFor(path, ['--ttl', '7']);
    writeFileSync(path, 'ttl: 9\n');
    watcher.check();
    expect(applied).toEqual([]);
    expect(watcher.config.ttl).toBe(7);
    expect(lines.at(-1)?.msg).toMatch(/nothing to apply/);
  });

  it('unchanged content is not reloaded', () => {
    const path = configFile('ttl: 5\n');
    const { watcher, lines } = watcherFor(path);
    watcher.check();
    watcher.check();
    expect(lines).toEqual([]);
    expect(watcher.stats.reloads).toBe(0);
  });
});

describe('a bad file', () => {
  it('keeps the running config, says why once, and recovers when fixed', () => {
    const path = configFile('ttl: 5\n');
    const { watcher, applied, lines } = watcherFor(path);
    writeFileSync(path, 'ttl: 5\nbogus: 1\n');
    watcher.check();
    watcher.check();
    writeFileSync(path, 'ttl: 5\nbogus: 1\n\n');
    watcher.check();
    const errors = lines.filter((l) => l.msg === 'config file rejected; keeping the previous config');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ level: 'error', error: `config file ${path}: unknown key "bogus" (the keys are the flags in camelCase, e.g. startupTimeout; see svcdns --help)` });
    expect(watcher.config.ttl).toBe(5);
    expect(watcher.stats.failures).toBe(2);
    writeFileSync(path, 'ttl: 8\n');
    watcher.check();
    expect(applied.map((a) => a.config.ttl)).toEqual([8]);
  });
});

describe("the kubelet's ConfigMap update", () => {
  it('a swap of the ..data symlink is noticed by the directory watch (polling set to a minute)', async () => {
    const dir = join(root, 'configmap');
    mkdirSync(join(dir, '..v1'), { recursive: true });
    writeFileSync(join(dir, '..v1', 'config.yaml'), 'ttl: 5\n');
    symlinkSync('..v1', join(dir, '..data'));
    symlinkSync(join('..data', 'config.yaml'), join(dir, 'config.yaml'));
    const { watcher, applied } = watcherFor(join(dir, 'config.yaml'), [], 60_000);
    watcher.start();
    try {
      mkdirSync(join(dir, '..v2'));
      writeFileSync(join(dir, '..v2', 'config.yaml'), 'ttl: 12\n');
      symlinkSync('..v2', join(dir, '..data_tmp'));
      renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
      const end = Date.now() + 5000;
      while (applied.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      expect(applied.map((a) => a.config.ttl)).toEqual([12]);
    } finally {
      watcher.stop();
    }
  });
});

describe('pieces', () => {
  it('diffConfig sorts changes into live and restart; withLiveSettings keeps the rest', () => {
    const a = load(configFile('ttl: 5\nlameduck: 5s\nzone: [cluster.local]\n'))();
    const b = load(configFile('ttl: 6\nlameduck: 1s\nzone: [example.local]\nlogQueries: true\n'))();
    const change = diffConfig(a, b);
    expect([...change.live].sort()).toEqual(['lameduckMs', 'logQueries', 'ttl']);
    expect(change.restart).toContain('zones');
    expect(change.restart).toContain('configFile');
    const merged = withLiveSettings(a, b);
    expect(merged).toMatchObject({ ttl: 6, lameduckMs: 1000, logQueries: true, zones: ['cluster.local'] });
  });

  it('LiveResolver hands questions to the current resolver and moves the epoch on every replacement', () => {
    const answer = (rcode: number): Answer => ({ rcode, authoritative: true, answer: [], authority: [], additional: [], dependsOn: [] });
    const first: Resolver = { resolve: () => answer(0) };
    const second: Resolver = { resolve: () => answer(3) };
    const zone: Generations & { epoch: number } = { epoch: 4, generation: (k) => k.length };
    const live = new LiveResolver(first, zone);
    const q = { labels: ['a'], lower: ['a'], type: 1, class: 1 };
    const client = { address: '127.0.0.1', port: 1, transport: 'udp' as const };
    expect((live.resolve(q, client) as Answer).rcode).toBe(0);
    expect(live.epoch).toBe(4);
    live.replace(second);
    expect((live.resolve(q, client) as Answer).rcode).toBe(3);
    expect(live.epoch).toBe(5);
    zone.epoch = 6;
    expect(live.epoch).toBe(7);
    expect(live.generation('abc')).toBe(3);
    expect(live.current).toBe(second);
  });
});
