// Micro-benchmark of the dispatcher alone (no sockets): the benchmark cluster loaded from its
// manifests into the real zone index and resolver, wired as main.ts wires them, and the packets of a
// query file handed to Dispatcher.handle in a loop. It isolates the DNS work of the hot path from the
// node:dgram floor, so a change to the parser, cache or reply builder shows up in ns per query within
// seconds, without dnsperf. The socket-level truth is still `npm run bench`.
//
// In a real server the kernel's work between two queries pushes most of the dispatcher's data out of
// the CPU's caches; in this loop it stays in them. `--evict KB` reads that much other memory before
// every query (one load per 64-byte line) and times each query on its own, so a change in how much
// memory a query touches shows too.
//
// The `outside` mix is the perftests file's names outside the cluster, forwarded to a local dnsmasq
// (as `npm run bench` does) once to fill the forwarder's cache, then timed as the cache answers them.
//
//   node --experimental-transform-types --import ./test/fake-apiserver/register-ts.ts \
//     bench/micro-dispatch.ts [--mix hit,search,headless,mixed,outside] [--rounds 7] [--no-observer] [--evict 512]
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Operations } from '../src/admin/operations.ts';
import { ManifestSource } from '../src/cluster/manifests.ts';
import type { ObjectKind } from '../src/cluster/types.ts';
import { LiveResolver } from '../src/config/live-resolver.ts';
import { createLogger } from '../src/logger.ts';
import { setUpForwarding } from '../src/resolve/forward/setup.ts';
import type { Client, Forwarder } from '../src/resolve/message.ts';
import { ClusterResolver, zonesFromArgs } from '../src/resolve/resolver.ts';
import { Dispatcher } from '../src/wire/dispatcher.ts';
import { ReplyScratch } from '../src/wire/response.ts';
import { ZoneIndex } from '../src/zone/index.ts';
import { SCALES } from './gen-cluster.ts';
import { encodeQuery, QTYPE } from './lib/dns-client.ts';
import { freePort } from './lib/ports.ts';
import { ProcessGroup } from './lib/procs.ts';
import { median } from './lib/stats.ts';
import { startUpstream } from './lib/upstream.ts';
import { prepareWorkspace } from './lib/workspace.ts';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ZONES = ['cluster.local', '10.0.0.0/8'];

/** The queries of a query file; `outside`: only its names outside the cluster zone. */
function packets(file: string, outside = false): Buffer[] {
  const out: Buffer[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [name, type] = line.trim().split(/\s+/);
    if (!name || !type) continue;
    if (outside && /(^|\.)cluster\.local\.?$/.test(name)) continue;
    const qtype = QTYPE[type as keyof typeof QTYPE];
    if (qtype !== undefined) out.push(encodeQuery(out.length & 0xffff, name, qtype));
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      mix: { type: 'string' }, rounds: { type: 'string' }, 'no-observer': { type: 'boolean' }, scale: { type: 'string' },
      evict: { type: 'string' },
    },
  });
  const mixes = (values.mix ?? 'hit,search,headless,mixed').split(',');
  const group = new ProcessGroup();
  const rounds = Number(values.rounds ?? 7);
  const scale = values.scale === 'large' ? 'large' : 'default';
  const evictKb = Number(values.evict ?? 0);
  if (!Number.isInteger(evictKb) || evictKb < 0) {
    console.error(`--evict takes a whole number of kilobytes, got ${values.evict}`);
    process.exit(2);
  }
  const evict = new Int32Array((evictKb * 1024) / 4);
  const workspace = await prepareWorkspace(BENCH_DIR, SCALES[scale], 100_000, () => {});
  const log = createLogger('warn');
  const kinds: ObjectKind[] = ['service', 'namespace', 'endpointslice'];
  const zone = new ZoneIndex({ endpointPodNames: false, requiredKinds: kinds, logger: log });
  const source = new ManifestSource({ path: workspace.manifestsDir, kinds, logger: log, watch: false, pollMs: 0 });
  await source.start(zone);
  const resolver = new ClusterResolver(zone, {
    zones: zonesFromArgs(ZONES), ttl: 5, pods: 'disabled', namespaces: [], ignoreEmptyService: false, noEndpoints: false,
    fallthrough: null, nsAddresses: [], zonal: false,
  });
  const live = new LiveResolver(resolver, zone);
  // Forwarding only when the outside mix asks for it: the others never reach it.
  let forwarder: Forwarder | undefined;
  let closeForwarding = (): void => {};
  if (mixes.includes('outside')) {
    const port = await freePort();
    await startUpstream(group, port);
    const setup = await setUpForwarding({
      upstream: { kind: 'servers', servers: [{ host: '127.0.0.1', port }] }, resolvConf: '/etc/resolv.conf', timeoutMs: 2000,
      maxConcurrent: 1000, cacheMaxTtl: 30, negativeMaxTtl: 5, serveStaleMs: 0, allowRecursion: ['127.0.0.0/8'], logger: log,
    });
    if (!setup.ok || setup.forwarding === null) throw new Error(`forwarding: ${setup.ok ? 'none' : setup.error}`);
    forwarder = setup.forwarding.gate;
    const forwarding = setup.forwarding;
    closeForwarding = () => forwarding.close();
  }
  const ops = new Operations({ zones: zonesFromArgs(ZONES), logQueries: false, logger: log, version: 'bench' });
  const dispatcher = new Dispatcher({
    resolver: live, generations: live, logger: log, ...(values['no-observer'] ? {} : { observer: ops.observer }),
    ...(forwarder === undefined ? {} : { forwarder }),
  });
  // Let the start-up garbage (the manifest parse) be collected before anything is timed.
  await new Promise((done) => setTimeout(done, 1000));
  const client: Client = { address: '127.0.0.1', port: 40000, transport: 'udp' };
  // As the UDP listener hands it over: replies built in reused memory, nothing sent before the next.
  const scratch = new ReplyScratch();
  console.log(`dispatcher micro-benchmark, observer ${values['no-observer'] ? 'off' : 'on'}, ${rounds} rounds${evictKb > 0 ? `, ${evictKb} KB read before each query` : ''}`);
  /** What the eviction reads add up to: used below, so the reads cannot be optimised away. */
  let sink = 0;
  /** ns per query with every query straight after the one before. */
  const hotRound = (list: readonly Buffer[]): number => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < list.length; i++) dispatcher.handle(list[i]!, client, scratch);
    return Number(process.hrtime.bigint() - start) / list.length;
  };
  /**
   * ns per query with `evict` read (one word per cache line) before each one. Each query is timed on
   * its own, less what a reading of the clock costs (timed the same way with nothing in between).
   */
  const evictedRound = (list: readonly Buffer[]): number => {
    let handling = 0n;
    let clock = 0n;
    for (let i = 0; i < list.length; i++) {
      for (let j = 0; j < evict.length; j += 16) sink += evict[j]!;
      const before = process.hrtime.bigint();
      dispatcher.handle(list[i]!, client, scratch);
      const after = process.hrtime.bigint();
      handling += after - before;
      clock += process.hrtime.bigint() - after;
    }
    return Number(handling - clock) / list.length;
  };
  for (const mix of mixes) {
    const outside = mix === 'outside';
    const list = packets(workspace.queryFile(outside ? 'perftests' : mix as Parameters<typeof workspace.queryFile>[0]), outside);
    // Warm-up: JIT and the answer cache; the forwarder's cache fills as each first exchange completes.
    for (const packet of list) await dispatcher.handle(packet, client, scratch);
    const times: number[] = [];
    for (let r = 0; r < rounds; r++) times.push(evictKb > 0 ? evictedRound(list) : hotRound(list));
    const all = times.map((t) => t.toFixed(0)).join(' ');
    // Every answer is meant to come at once; one that needed an upstream after all was not what was timed.
    const late = list.filter((packet) => dispatcher.handle(packet, client, scratch) instanceof Promise).length;
    if (late > 0) console.log(`${mix}: ${late} of ${list.length} queries were not answered at once (forwarder cache expired?)`);
    console.log(`${mix.padEnd(10)} ${median(times)!.toFixed(0).padStart(6)} ns/query  (${list.length} packets; rounds: ${all})`);
  }
  if (sink === 0.5) console.log(sink);
  await source.stop();
  ops.stop();
  closeForwarding();
  await group.stopAll();
}

void main();
