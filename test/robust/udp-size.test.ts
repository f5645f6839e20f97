// Amplification: a UDP answer is never larger than the client said it can take (512 without EDNS,
// its EDNS size capped by --max-udp-size otherwise), however large the answer or the query, and ANY
// is answered minimally, so a spoofed query cannot turn the server into an amplifier.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/server.js';
import { buildQuery, opt, TYPE } from '../fuzz/packets.js';
import { checkMessage } from '../fuzz/verify.js';
import { writeCluster } from './support/cluster.js';
import { tcpExchange, udpExchange } from './support/net.js';

const dir = mkdtempSync(join(tmpdir(), 'svcdns-udp-size-'));
let standard: RunningServer;
let generous: RunningServer;

beforeAll(async () => {
  const path = writeCluster(dir);
  [standard, generous] = await Promise.all([
    startServer(['--manifests', path, '--upstream', 'none']),
    startServer(['--manifests', path, '--upstream', 'none', '--max-udp-size', '4096']),
  ]);
});
afterAll(async () => {
  await Promise.all([standard.stop(), generous.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const EDNS_SIZES = [0, 1, 256, 511, 512, 513, 600, 1000, 1231, 1232, 1233, 1400, 2048, 4095, 4096, 4097, 8192, 65535];
/** Names whose full answers are far larger than 512 bytes (100 A records, 100 SRV records with additionals). */
const LARGE: [string, number][] = [['big.default.svc.cluster.local', TYPE.A], ['_http._tcp.big.default.svc.cluster.local', TYPE.SRV]];

function limitFor(ednsSize: number | null, maxUdpSize: number): number {
  return ednsSize === null ? 512 : Math.max(512, Math.min(ednsSize, maxUdpSize));
}

describe('UDP answer size', () => {
  for (const [label, maxUdp] of [['default --max-udp-size 1232', 1232], ['--max-udp-size 4096', 4096]] as const) {
    it(`never exceeds the client's limit, for every EDNS size and none (${label})`, async () => {
      const server = maxUdp === 1232 ? standard : generous;
      for (const [name, type] of LARGE) {
        for (const size of [null, ...EDNS_SIZES]) {
          const query = buildQuery({ id: 1, name, type, additional: size === null ? [] : [opt(size)] });
          const reply = await udpExchange(server.port, query);
          const where = `${name} ${type} EDNS ${size}`;
          expect(reply, where).not.toBeNull();
          const shape = checkMessage(reply!);
          if (typeof shape === 'string') throw new Error(`${where}: ${shape}`);
          const limit = limitFor(size, maxUdp);
          expect(reply!.length, where).toBeLessThanOrEqual(limit);
          // Whatever did not fit is announced with TC, so the client asks again over TCP; what fits is whole.
          const full = await tcpExchange(server.port, query);
          expect(shape.truncated, where).toBe(full!.length > limit);
          if (!shape.truncated) expect(reply!.length, where).toBe(full!.length);
          expect(shape.counts[1], where).toBeGreaterThan(0);
        }
      }
    });
  }

  it('answers the same question in full over TCP', async () => {
    const reply = await tcpExchange(standard.port, buildQuery({ id: 2, name: 'big.default.svc.cluster.local' }));
    const shape = checkMessage(reply!);
    expect(shape).toMatchObject({ truncated: false, counts: [1, 100, 0, 0] });
  });

  it('does not grow with the query: EDNS options are not echoed, an error reply is header and question', async () => {
    const padding = Buffer.concat([Buffer.from([0, 12, 0x04, 0xb0]), Buffer.alloc(0x4b0)]);
    for (const name of ['web.default.svc.cluster.local', 'missing.default.svc.cluster.local', 'example.org']) {
      const query = buildQuery({ id: 3, name, additional: [opt(4096, padding)] });
      const reply = await udpExchange(standard.port, query);
      expect(reply, name).not.toBeNull();
      expect(reply!.length, name).toBeLessThan(query.length);
    }
  });
});

describe('ANY', () => {
  it('is answered minimally: never more than a small fixed amount above the query, whatever the name holds', async () => {
    const names = [
      'big.default.svc.cluster.local', 'web.default.svc.cluster.local', 'alias.default.svc.cluster.local',
      'missing.default.svc.cluster.local', 'cluster.local', '_http._tcp.big.default.svc.cluster.local',
    ];
    for (const name of names) {
      for (const additional of [[], [opt(4096)]]) {
        const query = buildQuery({ id: 4, name, type: TYPE.ANY, additional });
        const reply = await udpExchange(generous.port, query);
        expect(reply, name).not.toBeNull();
        const shape = checkMessage(reply!);
        if (typeof shape === 'string') throw new Error(`${name}: ${shape}`);
        expect(shape.counts[1], name).toBeLessThanOrEqual(1);
        // At most one record in the answer (HINFO per RFC 8482, or the CNAME) or one SOA in authority.
        expect(reply!.length - query.length, name).toBeLessThanOrEqual(100);
      }
    }
  });
});
