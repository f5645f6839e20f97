// Knot DNS as the comparison server: one UDP worker, one TCP worker, loopback only, serving the zone
// files written from the same cluster model as svcdns's manifests, pinned to the server core.
//
//   node bench/knot.ts [--scale default|large] [--port 5300] [--cpu 0]   (runs until Ctrl-C)
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { answersName, QTYPE } from './lib/dns-client.ts';
import { waitFor } from './lib/procs.ts';
import type { ProcessGroup } from './lib/procs.ts';
import { runStandalone } from './lib/standalone.ts';
import type { Managed } from './lib/procs.ts';
import { ensurePackage } from './lib/tools.ts';
import type { ZoneFile } from './lib/zone-file.ts';

export interface AuthServerOptions {
  /** Working directory for the server's config and state. */
  readonly dir: string;
  /** Where the zone files are (written by writeZoneFiles). */
  readonly zoneDir: string;
  readonly zones: readonly ZoneFile[];
  readonly port: number;
  readonly cpu?: string;
  /** A name the zones answer, to know when the server is ready. */
  readonly probeName: string;
  readonly readyTimeoutMs?: number;
}

export function knotConfig(dir: string, zoneDir: string, port: number, zones: readonly ZoneFile[]): string {
  const zoneLines = zones.map((z) => `  - domain: ${z.origin}\n    file: "${join(zoneDir, z.file)}"`);
  return [
    'server:',
    `  rundir: "${join(dir, 'run')}"`,
    `  listen: 127.0.0.1@${port}`,
    '  udp-workers: 1',
    '  tcp-workers: 1',
    '  background-workers: 1',
    'database:',
    `  storage: "${join(dir, 'db')}"`,
    'log:',
    '  - target: stderr',
    '    any: warning',
    'template:',
    '  - id: default',
    `    storage: "${dir}"`,
    '    zonefile-sync: -1',
    '    zonefile-load: whole',
    '    journal-content: none',
    '    semantic-checks: off',
    'zone:',
    ...zoneLines,
    '',
  ].join('\n');
}

export async function startKnot(group: ProcessGroup, opts: AuthServerOptions): Promise<Managed> {
  await ensurePackage('knotd', 'knot');
  await mkdir(join(opts.dir, 'run'), { recursive: true });
  await mkdir(join(opts.dir, 'db'), { recursive: true });
  const conf = join(opts.dir, 'knot.conf');
  await writeFile(conf, knotConfig(opts.dir, opts.zoneDir, opts.port, opts.zones));
  const proc = group.start('knot', 'knotd', ['-c', conf], opts.cpu === undefined ? {} : { cpu: opts.cpu });
  await waitFor(`knot to answer ${opts.probeName}`, () => answersName('127.0.0.1', opts.port, opts.probeName, QTYPE.A), opts.readyTimeoutMs ?? 60_000, proc);
  return proc;
}

if (import.meta.main) runStandalone('knot', startKnot);
