// NSD as the comparison server: one server process, loopback only, response rate limiting off
// (its default of 200/s per source would turn a benchmark into ~900 QPS), serving the same zone files.
//
//   node bench/nsd.ts [--scale default|large] [--port 5300] [--cpu 0]   (runs until Ctrl-C)
import { mkdir, writeFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateCluster, SCALES } from './gen-cluster.ts';
import type { AuthServerOptions } from './knot.ts';
import { answersName, QTYPE } from './lib/dns-client.ts';
import { ProcessGroup, waitFor } from './lib/procs.ts';
import type { Managed } from './lib/procs.ts';
import { ensurePackage } from './lib/tools.ts';
import { writeZoneFiles } from './lib/zone-file.ts';
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

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string', default: 'default' },
      port: { type: 'string', default: '5300' },
      cpu: { type: 'string', default: '0' },
    },
  });
  const { model } = generateCluster(values.scale === 'large' ? SCALES.large : SCALES.default);
  const dir = mkdtempSync(join(tmpdir(), 'svcdns-nsd-'));
  const zones = await writeZoneFiles(dir, model);
  const group = new ProcessGroup();
  group.installSignalHandlers();
  const proc = await startNsd(group, { dir, zoneDir: dir, zones, port: Number(values.port), cpu: values.cpu ?? '0', probeName: 'kubernetes.default.svc.cluster.local' });
  console.log(`nsd serving ${zones.map((z) => z.origin).join(', ')} on 127.0.0.1:${values.port} (pid ${proc.pid}, dir ${dir}); Ctrl-C stops it`);
  console.log(`exited: ${await proc.exited}`);
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
