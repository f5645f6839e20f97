// dnsperf query files (`name TYPE` per line) for each benchmark mix, drawn from a generated cluster
// model with a seeded PRNG, so every server gets the same file for the same parameters.
//
//   node bench/gen-queries.ts [--scale default|large] [--mix hit,search,...] [--count N] --out DIR
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateCluster, SCALES } from './gen-cluster.ts';
import { createRng } from './lib/prng.ts';
import type { Rng } from './lib/prng.ts';
import { readyEndpoints, reverseName, serviceFqdn } from './lib/model.ts';
import type { ClusterModel, ModelService } from './lib/model.ts';
import { outsideNames } from './lib/outside.ts';

export const MIXES = ['hit', 'headless', 'search', 'mixed', 'srv', 'ptr', 'tcp', 'perftests'] as const;
export type Mix = (typeof MIXES)[number];

export function isMix(name: string): name is Mix {
  return (MIXES as readonly string[]).includes(name);
}

/** The query file a mix sends: `tcp` sends the `mixed` file over TCP. */
export function queryFileMix(mix: Mix): Exclude<Mix, 'tcp'> {
  return mix === 'tcp' ? 'mixed' : mix;
}

interface Pools {
  readonly zone: string;
  readonly clusterIP: readonly ModelService[];
  readonly headless: readonly ModelService[];
  readonly namespaces: readonly string[];
  readonly outside: readonly string[];
  readonly endpointIPs: readonly string[];
}

function pools(model: ClusterModel): Pools {
  const clusterIP = model.services.filter((s) => s.role === 'clusterip');
  const headless = model.services.filter((s) => s.role === 'headless');
  if (clusterIP.length === 0 || headless.length === 0) throw new Error('the cluster needs ClusterIP and headless services');
  const endpointIPs = model.services.flatMap((s) => readyEndpoints(s).map((ep) => ep.ip));
  return { zone: model.zone, clusterIP, headless, namespaces: model.namespaces, outside: outsideNames(), endpointIPs };
}

const addressType = (rng: Rng): string => (rng.next() < 0.5 ? 'A' : 'AAAA');

/**
 * One NXDOMAIN name an `ndots:5` client in namespace `clientNs` produces while walking its search list
 * (`<ns>.svc.<zone> svc.<zone> <zone>`) for a name with fewer than five dots: either a service FQDN
 * written without the trailing dot, or an outside name.
 */
function searchExpansion(p: Pools, rng: Rng): string {
  const base = rng.next() < 0.5 ? serviceFqdn(rng.pick(p.clusterIP), p.zone) : rng.pick(p.outside);
  const clientNs = rng.pick(p.namespaces);
  const suffixes = [`${clientNs}.svc.${p.zone}`, `svc.${p.zone}`, p.zone];
  return `${base}.${rng.pick(suffixes)}`;
}

function hit(p: Pools, rng: Rng): string {
  return `${serviceFqdn(rng.pick(p.clusterIP), p.zone)} A`;
}

function headless(p: Pools, rng: Rng): string {
  return `${serviceFqdn(rng.pick(p.headless), p.zone)} A`;
}

function search(p: Pools, rng: Rng): string {
  return `${searchExpansion(p, rng)} ${addressType(rng)}`;
}

function aaaaNoData(p: Pools, rng: Rng): string {
  return `${serviceFqdn(rng.pick(p.clusterIP), p.zone)} AAAA`;
}

function mixed(p: Pools, rng: Rng): string {
  const r = rng.next();
  if (r < 0.7) return hit(p, rng);
  if (r < 0.8) return headless(p, rng);
  if (r < 0.9) return search(p, rng);
  return aaaaNoData(p, rng);
}

function srv(p: Pools, rng: Rng): string {
  const svc = rng.next() < 0.8 ? rng.pick(p.clusterIP) : rng.pick(p.headless);
  return `_http._tcp.${serviceFqdn(svc, p.zone)} SRV`;
}

function ptr(p: Pools, rng: Rng): string {
  const ip = rng.next() < 0.6 ? (rng.pick(p.clusterIP).clusterIP as string) : rng.pick(p.endpointIPs);
  return `${reverseName(ip)} PTR`;
}

/**
 * kubernetes/perf-tests all-queries.txt has 25 lines: 3 positive A, 2 NODATA AAAA, 14 in-zone NXDOMAIN
 * search expansions and 6 outside names. Each block of 25 lines here has exactly that make-up.
 */
function perftestsBlock(p: Pools, rng: Rng): string[] {
  const block: string[] = [];
  for (let i = 0; i < 3; i++) block.push(hit(p, rng));
  for (let i = 0; i < 2; i++) block.push(aaaaNoData(p, rng));
  for (let i = 0; i < 14; i++) block.push(search(p, rng));
  for (let i = 0; i < 6; i++) block.push(`${rng.pick(p.outside)} ${addressType(rng)}`);
  return rng.shuffle(block);
}

const LINE_MAKERS: Record<Exclude<Mix, 'tcp' | 'perftests'>, (p: Pools, rng: Rng) => string> = {
  hit, headless, search, mixed, srv, ptr,
};

export interface QueryOptions {
  /** Lines per file; dnsperf loops over the file. */
  readonly count?: number;
  readonly seed?: number;
}

export function generateQueries(model: ClusterModel, mix: Mix, opts: QueryOptions = {}): string[] {
  const count = opts.count ?? 100_000;
  const rng = createRng((opts.seed ?? 7) + MIXES.indexOf(mix));
  const p = pools(model);
  const fileMix = queryFileMix(mix);
  if (fileMix === 'perftests') {
    const lines: string[] = [];
    while (lines.length < count) lines.push(...perftestsBlock(p, rng));
    return lines.slice(0, count);
  }
  const make = LINE_MAKERS[fileMix];
  return Array.from({ length: count }, () => make(p, rng));
}

/** Writes `<dir>/<mix>.txt` for each file mix behind `mixes`; returns mix → path. */
export async function writeQueryFiles(dir: string, model: ClusterModel, mixes: readonly Mix[], opts: QueryOptions = {}): Promise<Map<Mix, string>> {
  await mkdir(dir, { recursive: true });
  const paths = new Map<Mix, string>();
  for (const mix of mixes) {
    const fileMix = queryFileMix(mix);
    const path = join(dir, `${fileMix}.txt`);
    if (![...paths.values()].includes(path)) {
      await writeFile(path, generateQueries(model, fileMix, opts).join('\n') + '\n');
    }
    paths.set(mix, path);
  }
  return paths;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string', default: 'default' },
      mix: { type: 'string', default: MIXES.join(',') },
      count: { type: 'string', default: '100000' },
      out: { type: 'string' },
    },
  });
  const mixes = (values.mix ?? '').split(',').filter(Boolean);
  const unknown = mixes.filter((m) => !isMix(m));
  if (!values.out || unknown.length > 0) {
    console.error(`usage: node bench/gen-queries.ts [--scale default|large] [--mix ${MIXES.join(',')}] [--count N] --out DIR`);
    if (unknown.length > 0) console.error(`unknown mix: ${unknown.join(', ')}`);
    process.exit(2);
  }
  const { model } = generateCluster(values.scale === 'large' ? SCALES.large : SCALES.default);
  const paths = await writeQueryFiles(values.out, model, mixes.filter(isMix), { count: Number(values.count) });
  for (const [mix, path] of paths) console.log(`${mix}\t${path}`);
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
