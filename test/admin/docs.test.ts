// The documentation stays true to the code: the flag reference is the one --help generates,
// docs/metrics.md leaves no metric out, and relative links lead somewhere.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Operations } from '../../src/admin/operations.js';
import { ZoneIndex } from '../../src/zone/index.js';
import { CONFIGURATION_DOC, END, START, flagTable, flagsFromHelp, helpText } from './flag-docs.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const DOCS = join(ROOT, 'docs');
const read = (path: string): string => readFileSync(path, 'utf8');

describe('flags', () => {
  const flags = flagsFromHelp(helpText());

  it('--help describes every flag with its environment and default (the generator can read it)', () => {
    expect(flags.length).toBeGreaterThan(20);
    expect(flags.map((f) => f.flag)).toEqual(expect.arrayContaining(['config', 'lameduck', 'log-queries', 'listen', 'admin']));
  });

  it('docs/configuration.md holds exactly the generated flag table (regenerate: see test/admin/flag-docs.ts)', () => {
    const doc = read(CONFIGURATION_DOC);
    const block = doc.slice(doc.indexOf(START) + START.length, doc.indexOf(END)).trim();
    const regenerate = 'docs/configuration.md is out of date with --help; rewrite its table with\n'
      + '  node --experimental-transform-types --import ./test/fake-apiserver/register-ts.ts test/admin/flag-docs.ts --write';
    expect(block, regenerate).toBe(flagTable(flags));
  });

  it('the README points to the complete flag reference', () => {
    expect(read(join(ROOT, 'README.md'))).toContain('](docs/configuration.md');
  });
});

describe('metrics', () => {
  it('docs/metrics.md names every metric family svcdns registers (Node.js defaults aside)', async () => {
    const ops = new Operations({ zones: ['cluster.local'], logQueries: false, logger: pino({ level: 'silent' }), version: 'docs', defaultMetrics: false });
    const zone = new ZoneIndex({ endpointPodNames: false, requiredKinds: [] });
    const resources = [{
      kind: 'service' as const, objects: 1, phase: 'watching' as const, synced: true, connected: true, resourceVersion: '1', lastListAt: 1, lastError: null,
      lists: 1, relists: 0, watches: 1, watchClosed: 0, watchSilent: 0, watchExpired: 0, failures: 0, events: 0, rejected: 0,
    }];
    ops.attach({
      zone, status: () => ({ name: 'kubernetes', synced: true, connected: true }), ready: () => true, dnsAddress: { host: '0.0.0.0', port: 53 },
      answerCache: { cacheStats: () => ({ entries: 0, denials: 0 }) },
      forwarding: {
        stats: () => ({
          cacheHits: 0, cacheMisses: 0, staleServed: 0, coalesced: 0, refused: 0, upstreamFailures: 0, exhausted: 0, tcpRetries: 0,
          inFlight: 0, cacheEntries: 0, cacheBytes: 0, upstreams: [], refusedClients: 0, probesSeen: 0,
        }),
      },
      kubernetes: { stats: () => ({ connected: true, synced: true, outages: 0, disconnectedSince: null, resources }) },
      explain: { resolver: () => ({ resolve: () => null }), settings: () => ({ zones: ['cluster.local'], namespaces: [], noEndpoints: false, pods: 'disabled', ignoreEmptyService: false, forwarding: false }) },
    });
    ops.registerReloads(() => ({ reloads: 0, failures: 0, lastSuccessAt: 0 }));
    const { body } = await ops.metrics.expose();
    const families = [...body.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!);
    expect(families.length).toBeGreaterThan(30);
    const doc = read(join(DOCS, 'metrics.md'));
    expect(families.filter((name) => !doc.includes(`\`${name}`))).toEqual([]);
    ops.stop();
  });
});

describe('links', () => {
  const pages = [join(ROOT, 'README.md'), ...readdirSync(DOCS).filter((f) => f.endsWith('.md')).map((f) => join(DOCS, f))];

  /** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
  const anchors = (markdown: string): Set<string> => new Set([...markdown.matchAll(/^#+ (.*)$/gm)].map((m) =>
    m[1]!.toLowerCase().replace(/[^a-z0-9 _-]/g, '').replace(/ /g, '-')));

  it.each(pages.map((p) => [p.slice(ROOT.length + 1), p]))('%s: every relative link and anchor exists', (_name, page) => {
    const text = read(page);
    const broken: string[] = [];
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      const [path, anchor] = target!.split('#') as [string, string | undefined];
      const file = path === '' ? page : resolve(dirname(page), path);
      if (!existsSync(file)) broken.push(target!);
      else if (anchor && file.endsWith('.md') && !anchors(read(file)).has(anchor)) broken.push(target!);
    }
    expect(broken).toEqual([]);
  });
});
