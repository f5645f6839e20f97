// The servers a benchmark compares: svcdns (the server under test), the raw node:dgram responder (the
// ceiling for Node), Knot or NSD (the C reference), and `baseline`: svcdns built from another checkout
// (--baseline DIR), to measure a change against the tree before it in the same window. Each starts
// pinned to the server core and is only handed back once it answers.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startKnot } from '../knot.ts';
import { startNsd } from '../nsd.ts';
import { answersName, QTYPE } from './dns-client.ts';
import { parseGcLine } from './gc-trace.ts';
import type { GcPause } from './gc-trace.ts';
import { ProcessGroup, waitFor } from './procs.ts';
import type { Managed } from './procs.ts';
import type { ZoneFile } from './zone-file.ts';

export const SERVER_NAMES = ['svcdns', 'raw', 'knot', 'nsd', 'baseline'] as const;
export type ServerName = (typeof SERVER_NAMES)[number];

export function isServerName(name: string): name is ServerName {
  return (SERVER_NAMES as readonly string[]).includes(name);
}

export interface RunningServer {
  readonly name: ServerName;
  readonly proc: Managed;
  readonly port: number;
  /** GC pauses seen so far; only filled when `gcTraced`. */
  readonly gcPauses: GcPause[];
  readonly gcTraced: boolean;
}

export interface ServerContext {
  readonly repoRoot: string;
  /** The checkout `baseline` runs (with its dist/ built); absent: no baseline. */
  readonly baselineRoot?: string;
  readonly cpu: string;
  readonly workDir: string;
  readonly manifestsDir: string;
  readonly zoneDir: string;
  readonly zones: readonly ZoneFile[];
  /** `127.0.0.1:PORT` of the local upstream, or 'none'. */
  readonly upstream: string;
  /** A name every server answers, to know when it is ready. */
  readonly probeName: string;
  readonly workers?: number;
  readonly traceGc: boolean;
  /** Extra flags for svcdns, verbatim. */
  readonly svcdnsArgs: readonly string[];
  /** Extra Node/V8 flags for svcdns (before the script), verbatim. */
  readonly nodeArgs: readonly string[];
  readonly readyTimeoutMs: number;
}

/**
 * The Node options the container image runs svcdns with (the Dockerfile's NODE_OPTIONS, checked by
 * test/docker/dockerfile.test.ts): the benchmark measures what ships. `--node-arg` flags come after
 * these, and a later V8 flag wins, so `--node-arg=--max-semi-space-size=16` still overrides.
 */
export const IMAGE_NODE_OPTIONS: readonly string[] = ['--max-semi-space-size=1'];

/**
 * V8 flags the image passes on node's command line, because NODE_OPTIONS refuses them (the
 * Dockerfile's CMD, the chart's args and npm start carry them; test/docker/dockerfile.test.ts checks).
 * `--no-memory-reducer`: V8's memory reducer starts a memory-reducing full collection some 8 s after a
 * load when the process looks idle, and under load 100 s after the last one whatever the rate; under
 * the benchmark's load that collection's pause was 7-9 ms. svcdns compacts the heap itself after each load.
 */
export const IMAGE_NODE_ARGS: readonly string[] = ['--no-memory-reducer'];

/** MALLOC_ARENA_MAX from the image, for the same reason. */
export const IMAGE_MALLOC_ARENA_MAX = '2';

export function svcdnsEntry(repoRoot: string): string {
  return join(repoRoot, 'dist', 'main.js');
}

/** svcdns from `root` (this checkout, or --baseline's), as the image starts it; `name` tells them apart. */
async function startSvcdns(group: ProcessGroup, ctx: ServerContext, port: number, name: 'svcdns' | 'baseline', root: string): Promise<RunningServer> {
  const entry = svcdnsEntry(root);
  if (!existsSync(entry)) throw new Error(`${entry} is missing: build svcdns there first (npm run build), or leave ${name} out with --servers`);
  const nodeFlags = [...IMAGE_NODE_OPTIONS, ...IMAGE_NODE_ARGS, ...(ctx.traceGc ? ['--trace-gc'] : []), ...ctx.nodeArgs];
  const args = [...nodeFlags, entry, '--manifests', ctx.manifestsDir, '--listen', `127.0.0.1:${port}`, '--admin', 'none',
    // The comparison servers serve 10.in-addr.arpa for the ptr mix; svcdns gets the same reverse zone.
    '--zone', 'cluster.local', '--zone', '10.0.0.0/8', '--upstream', ctx.upstream, '--log-level', 'warn',
    ...(ctx.workers === undefined ? [] : ['--workers', String(ctx.workers)]), ...ctx.svcdnsArgs];
  const gcPauses: GcPause[] = [];
  const proc = group.start(name, process.execPath, args, {
    cpu: ctx.cpu,
    cwd: root,
    env: { ...process.env, MALLOC_ARENA_MAX: IMAGE_MALLOC_ARENA_MAX },
    onStdoutLine: (line) => {
      const pause = ctx.traceGc ? parseGcLine(line, Date.now()) : null;
      if (pause) gcPauses.push(pause);
    },
  });
  await waitFor(`${name} to answer ${ctx.probeName}`, () => answersName('127.0.0.1', port, ctx.probeName, QTYPE.A), ctx.readyTimeoutMs, proc);
  return { name, proc, port, gcPauses, gcTraced: ctx.traceGc };
}

async function startRaw(group: ProcessGroup, ctx: ServerContext, port: number): Promise<RunningServer> {
  const script = join(ctx.repoRoot, 'bench', 'raw-responder.ts');
  const proc = group.start('raw', process.execPath, [script, '--listen', `127.0.0.1:${port}`], { cpu: ctx.cpu });
  await waitFor('the raw responder to answer', () => answersName('127.0.0.1', port, ctx.probeName, QTYPE.A), ctx.readyTimeoutMs, proc);
  return { name: 'raw', proc, port, gcPauses: [], gcTraced: false };
}

export async function startServer(group: ProcessGroup, name: ServerName, ctx: ServerContext, port: number): Promise<RunningServer> {
  if (name === 'svcdns') return startSvcdns(group, ctx, port, name, ctx.repoRoot);
  if (name === 'baseline') {
    if (ctx.baselineRoot === undefined) throw new Error('the baseline server needs --baseline DIR (a checkout with dist/ built)');
    return startSvcdns(group, ctx, port, name, ctx.baselineRoot);
  }
  if (name === 'raw') return startRaw(group, ctx, port);
  const opts = { dir: join(ctx.workDir, name), zoneDir: ctx.zoneDir, zones: ctx.zones, port, cpu: ctx.cpu, probeName: ctx.probeName, readyTimeoutMs: ctx.readyTimeoutMs };
  const proc = name === 'knot' ? await startKnot(group, opts) : await startNsd(group, opts);
  return { name, proc, port, gcPauses: [], gcTraced: false };
}
