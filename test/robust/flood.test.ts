// A random-name flood: a million distinct questions (every one a cache miss, most of them NXDOMAIN
// search-path expansions, pod names and outside names) leave memory bounded, because the answer
// cache is an LRU bounded by entries and by bytes. In process for the million, plus a share over UDP
// against the built server.
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '../../src/resolve/message.js';
import { DEFAULT_CACHE_ENTRIES } from '../../src/wire/dispatcher.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { buildQuery, TYPE } from '../fuzz/packets.js';
import { startStack, writeCluster } from './support/cluster.js';
import { rssOf, sleep, udpExchange } from './support/net.js';

const FLOOD = 1_000_000;
const HEAP_OPTIONS = '--max-old-space-size=128 --max-semi-space-size=2';
const MiB = 1024 * 1024;
const CLIENT: Client = { address: '10.0.0.9', port: 33333, transport: 'udp' };

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function settledHeap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** The i-th flood question: distinct names of the kinds a cluster DNS server really sees missed. */
function floodQuery(i: number): Buffer {
  const id = i & 0xffff;
  switch (i % 4) {
    case 0: return buildQuery({ id, name: `n${i}.default.svc.cluster.local` });
    case 1: return buildQuery({ id, name: `api${i}.example.com.default.svc.cluster.local`, type: TYPE.AAAA });
    case 2: return buildQuery({ id, name: `10-${(i >> 16) & 255}-${(i >> 8) & 255}-${i & 255}.default.pod.cluster.local` });
    default: return buildQuery({ id, name: `x${i}.example.org` });
  }
}

const dir = mkdtempSync(join(tmpdir(), 'svcdns-flood-'));
let clusterPath: string;

beforeAll(() => {
  clusterPath = writeCluster(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('random-name flood, in process', () => {
  it(`${FLOOD.toLocaleString('en')} distinct names leave the heap bounded with the default cache`, async () => {
    const stack = await startStack(clusterPath);
    try {
      // Fill the cache past its entry limit so the baseline includes its steady state, then flood again.
      for (let i = 0; i < DEFAULT_CACHE_ENTRIES + 10_000; i++) stack.dispatcher.handle(floodQuery(FLOOD + i), CLIENT);
      const before = settledHeap();
      let answered = 0;
      for (let i = 0; i < FLOOD / 2; i++) if (stack.dispatcher.handle(floodQuery(i), CLIENT) !== null) answered++;
      const half = settledHeap();
      for (let i = FLOOD / 2; i < FLOOD; i++) if (stack.dispatcher.handle(floodQuery(i), CLIENT) !== null) answered++;
      const after = settledHeap();
      expect(answered).toBe(FLOOD);
      // Bounded: the second half million adds nothing; the whole flood at most the full cache's heap
      // (measured: the 45,000 cacheable answers of the fill, the outside names being refused, take
      // 22 MB; the flood adds ~4 MB on top of that baseline).
      expect(after - half).toBeLessThan(4 * MiB);
      expect(after - before).toBeLessThan(96 * MiB);
    } finally {
      await stack.stop();
    }
  });

  it('the byte budget bounds the cache even when the entry limit would allow a million entries', async () => {
    const stack = await startStack(clusterPath, undefined, { cacheEntries: 10_000_000, cacheBytes: 8 * MiB });
    try {
      const before = settledHeap();
      const n = 400_000;
      for (let i = 0; i < n; i++) stack.dispatcher.handle(floodQuery(i), CLIENT);
      const growth = settledHeap() - before;
      // Unbounded, 300 000 cached answers of ~150 bytes plus their objects would be well over 100 MiB.
      expect(growth).toBeLessThan(8 * MiB + 24 * MiB);
    } finally {
      await stack.stop();
    }
  });
});

describe('random-name flood over UDP against the server', () => {
  let server: RunningServer;
  beforeAll(async () => {
    // The heap settings SECURITY.md recommends for a memory-limited pod: V8 otherwise sizes its heap
    // from the machine's memory and lets a flood's garbage pile up to hundreds of MB before collecting.
    server = await startServer(['--manifests', clusterPath, '--upstream', 'none', '--pods', 'insecure'], {
      env: { NODE_OPTIONS: HEAP_OPTIONS },
    });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('100,000 distinct names in bounded bursts: memory stays bounded and the server keeps answering', async () => {
    const socket = createSocket('udp4');
    await new Promise<void>((done) => socket.bind(0, '127.0.0.1', () => done()));
    let replies = 0;
    let sent = 0;
    // Datagrams the kernel dropped on a busy machine never get a reply: after a bounded wait the
    // excess backlog is written off, so losses cannot stall the pacing for good.
    let writtenOff = 0;
    socket.on('message', () => replies++);
    const backlog = (): number => sent - replies - writtenOff;
    // Every flood question gets a reply, so the backlog is what is still in flight; keep it small.
    const send = async (from: number, count: number): Promise<void> => {
      for (let i = from; i < from + count; i++) {
        socket.send(floodQuery(i), server.port, '127.0.0.1');
        sent++;
        if (sent % 100 !== 0) continue;
        for (let wait = 0; wait < 200 && backlog() > 200; wait++) await sleep(1);
        if (backlog() > 200) writtenOff += backlog() - 200;
      }
    };
    try {
      await send(0, 20_000); // warm up to the steady state
      await sleep(200);
      const rssBefore = rssOf(server.process.pid!);
      await send(20_000, 100_000);
      await sleep(300);
      const growth = rssOf(server.process.pid!) - rssBefore;
      expect(replies).toBeGreaterThan(110_000);
      expect(growth).toBeLessThan(32 * MiB);
      expect(rssOf(server.process.pid!)).toBeLessThan(160 * MiB);
      const probe = await udpExchange(server.port, buildQuery({ id: 1, name: 'web.default.svc.cluster.local' }));
      expect(probe && probe[3]! & 0x0f).toBe(0);
    } finally {
      socket.close();
    }
  });
});
