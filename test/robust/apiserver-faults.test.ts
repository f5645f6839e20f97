// The API server misbehaving in every way the fake one can, one after another, under the real
// svcdns process while a prober keeps asking: watches closed, reset mid-stream, cut inside a JSON
// line, 500s and 429s on lists and watches, a stalled stream, and a restart with a different state.
// svcdns never stops answering, never crashes, applies the new state of a relist in one step (no
// answer from the old state after one from the new, no NXDOMAIN window), recovers within its
// back-off, and never logs the bearer token.
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogLine, RunningServer } from '../helpers/server.js';
import { askUntil, clusterIPService, namespaceObject, sortedAddresses, startCluster, startSvcdns, type Cluster } from '../k8s/support.js';
import { buildQuery } from '../fuzz/packets.js';
import { escapedErrors, sleep } from './support/net.js';

const TOKEN = 'tok-3f9a2c-never-in-logs';
/**
 * Services in the cluster: more than two list pages (500 a page), so the restart check proves that a
 * relist spanning several pages lands in one step (it once was applied page by page, serving old and
 * new state side by side between pages). PROBE_SERVICES overrides it.
 */
const SERVICES = Number(process.env['PROBE_SERVICES'] ?? 1200);
/** Time to notice, reconnect and apply, on top of the back-off waits svcdns logged (2 cores, busy). */
const SLACK_MS = 3000;
/** svcdns restarts a watch that sent nothing, not even a bookmark, for this long. */
const SILENCE_TIMEOUT_MS = 30_000;
/** Longest any change may take to show: the back-off cap (30 s) plus a silence timeout's worth. */
const LONGEST_MS = 45_000;

/** The address of svc-i in state A (10.96.x.y) or B (10.97.x.y). */
const addressOf = (state: 'A' | 'B', i: number): string => `10.${state === 'A' ? 96 : 97}.${1 + Math.floor(i / 250)}.${(i % 250) + 1}`;
const stateA = (): ReturnType<typeof clusterIPService>[] =>
  Array.from({ length: SERVICES }, (_, i) => clusterIPService('demo', `svc-${i}`, addressOf('A', i)));
const stateB = (): ReturnType<typeof clusterIPService>[] =>
  Array.from({ length: SERVICES }, (_, i) => clusterIPService('demo', `svc-${i}`, addressOf('B', i)));

interface Observation {
  name: string;
  /** 'A:<ip>' or the rcode name, or 'timeout'. */
  result: string;
}

/**
 * The service names in the order the prober asks them: a list comes in pages in key order
 * (namespace/name, as strings), so each question from the first half of that order is followed by one
 * from the second half; a relist applied page by page would show up as a mix.
 */
function probeOrder(): string[] {
  const names = Array.from({ length: SERVICES }, (_, i) => `svc-${i}`).sort();
  const half = Math.ceil(names.length / 2);
  const order: string[] = [];
  for (let i = 0; i < half; i++) order.push(names[i]!, ...(names[i + half] !== undefined ? [names[i + half]!] : []));
  return order.map((name) => `${name}.demo.svc.cluster.local`);
}

/** Asks every service over UDP in a loop, one at a time, recording every answer in order. */
class Prober {
  readonly seen: Observation[] = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(port: number) {
    this.done = this.loop(port, probeOrder());
  }

  private async loop(port: number, names: readonly string[]): Promise<void> {
    const socket = createSocket('udp4');
    await new Promise<void>((ready) => socket.bind(0, '127.0.0.1', () => ready()));
    let waiting: ((reply: Buffer) => void) | null = null;
    socket.on('message', (reply) => waiting?.(reply));
    try {
      for (let i = 0, id = 1; this.running; i = (i + 1) % names.length, id = (id + 1) & 0xffff) {
        const name = names[i]!;
        const reply = await new Promise<Buffer | null>((answer) => {
          const timer = setTimeout(() => answer(null), 2000);
          waiting = (r) => {
            if (r.readUInt16BE(0) !== id) return;
            clearTimeout(timer);
            answer(r);
          };
          socket.send(buildQuery({ id, name }), port, '127.0.0.1');
        });
        this.seen.push({ name, result: summarize(reply) });
        if (i % 4 === 0) await sleep(1); // leave the machine some air
      }
    } finally {
      socket.close();
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

function summarize(reply: Buffer | null): string {
  if (reply === null) return 'timeout';
  const rcode = reply[3]! & 0x0f;
  if (rcode !== 0) return ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'][rcode] ?? `rcode ${rcode}`;
  if (reply.readUInt16BE(6) === 0) return 'NODATA';
  return `A:${[...reply.subarray(-4)].join('.')}`;
}

let cluster: Cluster;
let svcdns: RunningServer;
let prober: Prober;
const recoveries: Record<string, { ms: number; backoffMs: number }> = {};

/**
 * The longest total back-off any one resource waited, from the 'retrying after back-off' lines
 * (their `error` starts with the verb and the resource, e.g. "watch services: HTTP 500 ...").
 */
function longestBackoff(lines: readonly LogLine[]): number {
  const byResource = new Map<string, number>();
  for (const line of lines) {
    if (line.msg !== 'request failed; retrying after back-off') continue;
    const resource = /^\w+ (\w+)/.exec(String(line['error']))?.[1] ?? 'unknown';
    byResource.set(resource, (byResource.get(resource) ?? 0) + Number(line['retryInMs'] ?? 0));
  }
  return Math.max(0, ...byResource.values());
}

beforeAll(async () => {
  cluster = await startCluster({ token: TOKEN, bookmarkIntervalMs: 500 });
  cluster.api.create(namespaceObject('demo'));
  for (const service of stateA()) cluster.api.create(service);
  svcdns = await startSvcdns(cluster, ['--log-level', 'debug']);
  prober = new Prober(svcdns.port);
});
afterAll(async () => {
  await prober.stop();
  await svcdns.stop();
});

/**
 * Applies `fault`, then changes the cluster and measures how long until DNS shows the change: no
 * longer than the back-off svcdns itself logged for the retries, plus a little.
 */
async function faultThenChange(label: string, ip: string, fault: () => void | Promise<void>, detectionMs = 0): Promise<void> {
  const logsBefore = svcdns.records().length;
  await fault();
  const started = Date.now();
  cluster.api.apply(clusterIPService('demo', 'marker', ip));
  await askUntil(svcdns, 'marker.demo.svc.cluster.local', 'A', (r) => sortedAddresses(r)[0] === ip, LONGEST_MS);
  recoveries[label] = { ms: Date.now() - started, backoffMs: longestBackoff(svcdns.records().slice(logsBefore)) };
  expect(svcdns.process.exitCode).toBeNull();
  expect(recoveries[label]!.ms, label).toBeLessThanOrEqual(detectionMs + recoveries[label]!.backoffMs + SLACK_MS);
}

describe('API server faults under the running server', () => {
  it('watches closed, reset mid-stream and cut inside a JSON line: each change still arrives', async () => {
    await faultThenChange('closed watches', '10.98.0.1', () => void cluster.api.closeWatches());
    await faultThenChange('reset watches', '10.98.0.2', () => void cluster.api.resetWatches());
    await faultThenChange('truncated JSON line', '10.98.0.3', () => void cluster.api.truncatedLine());
  });

  it('500s, 429s and 401s on every request: it backs off, retries, and recovers within its back-off', async () => {
    await faultThenChange('3 × 500', '10.98.0.4', () => {
      cluster.api.failNext('*', 500, 3);
      cluster.api.resetWatches();
    });
    await faultThenChange('3 × 429', '10.98.0.5', () => {
      cluster.api.failNext('*', 429, 3, { retryAfterSeconds: 1 });
      cluster.api.resetWatches();
    });
    // Credentials refused for a while (401 on every request): errors are logged, the token is not.
    await faultThenChange('401 for 1.5 s', '10.98.0.8', async () => {
      cluster.api.configure({ token: 'rotated-elsewhere' });
      cluster.api.resetWatches();
      await sleep(1500);
      cluster.api.configure({ token: TOKEN });
    });
    // It did back off (not a tight retry loop): the failures were spread over time.
    const retries = svcdns.records().filter((l) => l.msg === 'request failed; retrying after back-off');
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(retries.every((l) => Number(l['retryInMs']) > 0)).toBe(true);
  });

  it('a restart with a different state (three list pages) is applied in one step: never old after new, no NXDOMAIN window', async () => {
    const before = prober.seen.length;
    await faultThenChange('restart with a new state', '10.98.0.6', () =>
      cluster.api.restart({ downMs: 300, objects: [namespaceObject('demo'), ...stateB(), clusterIPService('demo', 'marker', '10.98.0.60')] }));
    await askUntil(svcdns, `svc-${SERVICES - 1}.demo.svc.cluster.local`, 'A', (r) => sortedAddresses(r)[0] === addressOf('B', SERVICES - 1), LONGEST_MS);
    await sleep(300); // a few more sweeps of the prober in the new state
    const during = prober.seen.slice(before);
    const firstNew = during.findIndex((o) => o.result.startsWith('A:10.97.'));
    expect(firstNew).toBeGreaterThanOrEqual(0);
    const oldAfterNew = during.slice(firstNew).filter((o) => o.result.startsWith('A:10.96.'));
    expect(oldAfterNew).toEqual([]);
    expect(during.filter((o) => !o.result.startsWith('A:'))).toEqual([]);
  });

  it('a stalled watch stream is noticed by the silence timeout (30 s) and the change then arrives', async () => {
    await faultThenChange('stalled watch', '10.98.0.7', () => {
      cluster.api.stallWatches(true);
      // New watches answer again after a second; the stalled streams stay silent until svcdns gives up on them.
      setTimeout(() => cluster.api.stallWatches(false), 1000);
    }, SILENCE_TIMEOUT_MS);
  }, 60_000);

  it('through all of it: every probe answered from a consistent state, no escaped exception, no token in the log', async () => {
    await prober.stop();
    expect(prober.seen.length).toBeGreaterThan(100);
    expect(prober.seen.filter((o) => o.result === 'timeout')).toEqual([]);
    expect(prober.seen.filter((o) => !o.result.startsWith('A:'))).toEqual([]);
    expect(svcdns.process.exitCode).toBeNull();
    expect(escapedErrors(svcdns.records(), svcdns.stderr())).toEqual([]);
    const everything = svcdns.logs().join('\n') + svcdns.stderr();
    expect(everything).not.toContain(TOKEN);
    // The fake API server did see the token, so it was in use the whole time.
    expect(cluster.api.requests().some((r) => JSON.stringify(r).includes(TOKEN))).toBe(true);
  });
});
