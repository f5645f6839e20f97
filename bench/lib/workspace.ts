// The generated inputs of a benchmark (manifests, query files, zone files), cached in the temp dir
// under a key made of the parameters and the generators' own source, so a second run starts at once
// and a changed generator never serves stale files.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCluster } from '../gen-cluster.ts';
import type { ClusterOptions } from '../gen-cluster.ts';
import { MIXES, queryFileMix, writeQueryFiles } from '../gen-queries.ts';
import type { Mix } from '../gen-queries.ts';
import { writeManifests } from './manifests.ts';
import { writeZoneFiles } from './zone-file.ts';
import type { ZoneFile } from './zone-file.ts';

export interface Workspace {
  readonly dir: string;
  readonly manifestsDir: string;
  readonly zoneDir: string;
  readonly zones: readonly ZoneFile[];
  readonly queryFile: (mix: Mix) => string;
  readonly summary: WorkspaceSummary;
}

export interface WorkspaceSummary {
  readonly services: number;
  readonly endpoints: number;
  readonly slices: number;
  readonly namespaces: number;
  readonly queryLines: number;
  readonly zones: readonly ZoneFile[];
}

/** Files whose content decides what the workspace holds. */
const GENERATOR_SOURCES = ['gen-cluster.ts', 'gen-queries.ts', 'lib/model.ts', 'lib/render-objects.ts', 'lib/manifests.ts',
  'lib/zone-file.ts', 'lib/outside.ts', 'lib/prng.ts'];

function cacheKey(benchDir: string, cluster: ClusterOptions, queryLines: number): string {
  const hash = createHash('sha256').update(JSON.stringify({ cluster, queryLines }));
  for (const file of GENERATOR_SOURCES) hash.update(readFileSync(join(benchDir, file)));
  return hash.digest('hex').slice(0, 16);
}

function open(dir: string, summary: WorkspaceSummary): Workspace {
  return {
    dir,
    manifestsDir: join(dir, 'manifests'),
    zoneDir: join(dir, 'zones'),
    zones: summary.zones,
    queryFile: (mix) => join(dir, 'queries', `${queryFileMix(mix)}.txt`),
    summary,
  };
}

export async function prepareWorkspace(benchDir: string, cluster: ClusterOptions, queryLines: number, log: (msg: string) => void): Promise<Workspace> {
  const root = join(tmpdir(), 'svcdns-bench');
  const dir = join(root, cacheKey(benchDir, cluster, queryLines));
  const marker = join(dir, 'summary.json');
  if (existsSync(marker)) {
    log(`inputs: cached in ${dir}`);
    return open(dir, JSON.parse(readFileSync(marker, 'utf8')) as WorkspaceSummary);
  }
  log(`inputs: generating ${cluster.services} services / ${cluster.endpoints} endpoints into ${dir}`);
  const staging = `${dir}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  const generated = generateCluster(cluster);
  await writeManifests(join(staging, 'manifests'), generated.objects);
  const zones = await writeZoneFiles(join(staging, 'zones'), generated.model);
  await writeQueryFiles(join(staging, 'queries'), generated.model, MIXES, { count: queryLines });
  const summary: WorkspaceSummary = {
    services: generated.model.services.length,
    endpoints: generated.model.services.reduce((n, s) => n + s.endpoints.length, 0),
    slices: generated.objects.filter((o) => o.kind === 'EndpointSlice').length,
    namespaces: generated.model.namespaces.length,
    queryLines,
    zones,
  };
  await writeFile(join(staging, 'summary.json'), JSON.stringify(summary, null, 2));
  await mkdir(root, { recursive: true });
  await rm(dir, { recursive: true, force: true });
  await rename(staging, dir);
  return open(dir, summary);
}
