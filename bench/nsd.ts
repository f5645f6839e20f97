// NSD as the comparison server: one server process, loopback only, response rate limiting off
// (its default of 200/s per source would turn a benchmark into ~900 QPS), serving the same zone files.
//
//   node bench/nsd.ts [--scale default|large] [--port 5300] [--cpu 0]   (runs until Ctrl-C)
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuthServerOptions } from './knot.ts';
import { answersName, QTYPE } from './lib/dns-client.ts';
import { waitFor } from './lib/procs.ts';
import type { ProcessGroup } from './lib/procs.ts';
import { runStandalone } from './lib/standalone.ts';
import type { Managed } from './lib/procs.ts';
import { ensurePackage } from './lib/tools.ts';
import type { ZoneFile } from './lib/zone-file.ts';

export function nsdConfig(dir: string, zoneDir: string, port: number, zones: readonly ZoneFile[]): string {
  const zoneLines = zones.flatMap((z) => ['zone:', `  name: ${z.origin}`, `  zonefile: "${join(zoneDir, z.file)}"`]);
  return [
    'server:',
    '  server-count: 1',
    `  ip-address: 127.0.0.1@${port}`,
    '  username: ""',
    '  chroot: ""',
    `  zonesdir: "${zoneDir}"`,
    '  database: ""',
    `  zonelistfile: "${join(dir, 'zone.list')}"`,
    `  xfrdfile: "${join(dir, 'xfrd.state')}"`,
    `  xfrdir: "${dir}"`,
    `  pidfile: "${join(dir, 'nsd.pid')}"`,
    '  verbosity: 0',
    '  hide-version: yes',
    '  rrl-ratelimit: 0',
    '  rrl-whitelist-ratelimit: 0',
    '  tcp-count: 100',
    'remote-control:',
    '  control-enable: no',
    ...zoneLines,
    '',
  ].join('\n');
}

export async function startNsd(group: ProcessGroup, opts: AuthServerOptions): Promise<Managed> {
  await ensurePackage('nsd', 'nsd');
  await mkdir(opts.dir, { recursive: true });
  const conf = join(opts.dir, 'nsd.conf');
  await writeFile(conf, nsdConfig(opts.dir, opts.zoneDir, opts.port, opts.zones));
  // -d keeps NSD in the foreground, so its process group is the one we started and can stop.
  const proc = group.start('nsd', 'nsd', ['-d', '-c', conf], opts.cpu === undefined ? {} : { cpu: opts.cpu });
  await waitFor(`nsd to answer ${opts.probeName}`, () => answersName('127.0.0.1', opts.port, opts.probeName, QTYPE.A), opts.readyTimeoutMs ?? 60_000, proc);
  return proc;
}

if (import.meta.main) runStandalone('nsd', startNsd);
