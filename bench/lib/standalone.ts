// The command-line entry shared by bench/knot.ts and bench/nsd.ts: generate the cluster, write its
// zones, start the reference server and serve until Ctrl-C.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateCluster, SCALES } from '../gen-cluster.ts';
import type { AuthServerOptions } from '../knot.ts';
import { ProcessGroup } from './procs.ts';
import type { Managed } from './procs.ts';
import { writeZoneFiles } from './zone-file.ts';

export type StartAuthServer = (group: ProcessGroup, opts: AuthServerOptions) => Promise<Managed>;

export async function serveStandalone(name: string, start: StartAuthServer): Promise<void> {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string', default: 'default' },
      port: { type: 'string', default: '5300' },
      cpu: { type: 'string', default: '0' },
    },
  });
  const { model } = generateCluster(values.scale === 'large' ? SCALES.large : SCALES.default);
  const dir = mkdtempSync(join(tmpdir(), `svcdns-${name}-`));
  const zones = await writeZoneFiles(dir, model);
  const group = new ProcessGroup();
  group.installSignalHandlers();
  const proc = await start(group, { dir, zoneDir: dir, zones, port: Number(values.port), cpu: values.cpu ?? '0', probeName: 'kubernetes.default.svc.cluster.local' });
  console.log(`${name} serving ${zones.map((z) => z.origin).join(', ')} on 127.0.0.1:${values.port} (pid ${proc.pid}, dir ${dir}); Ctrl-C stops it`);
  console.log(`exited: ${await proc.exited}`);
}

/** Runs `serveStandalone` as a script's main, exiting 1 with the error's message on failure. */
export function runStandalone(name: string, start: StartAuthServer): void {
  serveStandalone(name, start).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
