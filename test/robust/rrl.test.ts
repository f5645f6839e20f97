// Response-rate limiting (--rrl): per client prefix token buckets, the slip of truncated answers
// that send real clients to TCP, and the built server applying it to UDP only.
import { mkdtempSync, rmSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Packet } from 'dns2';
import { afterAll, describe, expect, it } from 'vitest';
import { clientPrefix, ResponseRateLimiter, slipReply, type RrlVerdict } from '../../src/wire/rrl.js';
import { addresses, dig } from '../helpers/dig.js';
import { startServer } from '../helpers/server.js';
import { buildQuery, opt } from '../fuzz/packets.js';
import { checkMessage } from '../fuzz/verify.js';
import { writeCluster, WEB_IP } from './support/cluster.js';
import { tcpExchange } from './support/net.js';

function limiter(rate: number, slip: number, clock: { now: number }, maxTracked?: number): ResponseRateLimiter {
  return new ResponseRateLimiter({ ratePerSecond: rate, slip, now: () => clock.now, ...(maxTracked ? { maxTracked } : {}) });
}

function verdicts(rrl: ResponseRateLimiter, address: string, n: number): RrlVerdict[] {
  return Array.from({ length: n }, () => rrl.check(address));
}

describe('client prefixes', () => {
  it('groups IPv4 clients by /24 and IPv6 clients by /56', () => {
    expect(clientPrefix('10.1.2.3', 24, 56)).toBe(clientPrefix('10.1.2.200', 24, 56));
    expect(clientPrefix('10.1.2.3', 24, 56)).not.toBe(clientPrefix('10.1.3.3', 24, 56));
    expect(clientPrefix('fd00:1:2:3400::1', 24, 56)).toBe(clientPrefix('fd00:1:2:34ff:ffff::9', 24, 56));
    expect(clientPrefix('fd00:1:2:3400::1', 24, 56)).not.toBe(clientPrefix('fd00:1:2:3500::1', 24, 56));
  });

  it('treats an IPv4-mapped IPv6 address as the IPv4 client it is, and ignores a zone index', () => {
    expect(clientPrefix('::ffff:10.1.2.3', 24, 56)).toBe(clientPrefix('10.1.2.99', 24, 56));
    expect(clientPrefix('fe80::1%eth0', 24, 56)).toBe(clientPrefix('fe80::2', 24, 56));
  });
});

describe('response-rate limiting', () => {
  it('sends RATE answers per second, then slips every SLIP-th limited one and drops the rest', () => {
    const clock = { now: 1_000_000 };
    const rrl = limiter(5, 2, clock);
    expect(verdicts(rrl, '192.0.2.1', 5)).toEqual(Array(5).fill('send'));
    expect(verdicts(rrl, '192.0.2.77', 6)).toEqual(['drop', 'slip', 'drop', 'slip', 'drop', 'slip']);
    expect(rrl.stats()).toEqual({ slipped: 3, dropped: 3 });
  });

  it('refills the bucket with time, up to one second of burst', () => {
    const clock = { now: 0 };
    const rrl = limiter(10, 0, clock);
    verdicts(rrl, '192.0.2.1', 10);
    expect(rrl.check('192.0.2.1')).toBe('drop');
    clock.now += 300; // 3 answers' worth
    expect(verdicts(rrl, '192.0.2.1', 4)).toEqual(['send', 'send', 'send', 'drop']);
    clock.now += 60_000; // a long pause earns one second's worth, not a minute's
    expect(verdicts(rrl, '192.0.2.1', 11).filter((v) => v === 'send')).toHaveLength(10);
  });

  it('limits each prefix on its own', () => {
    const clock = { now: 0 };
    const rrl = limiter(2, 0, clock);
    verdicts(rrl, '192.0.2.1', 5);
    expect(rrl.check('198.51.100.1')).toBe('send');
    expect(rrl.check('2001:db8:0:100::1')).toBe('send');
  });

  it('with SLIP 1 turns every limited answer into a truncated one, with SLIP 0 drops them all', () => {
    const clock = { now: 0 };
    expect(verdicts(limiter(1, 1, clock), '192.0.2.1', 4)).toEqual(['send', 'slip', 'slip', 'slip']);
    expect(verdicts(limiter(1, 0, clock), '192.0.2.1', 4)).toEqual(['send', 'drop', 'drop', 'drop']);
  });

  it('tracks a bounded number of prefixes (a spoofed flood from everywhere cannot grow it)', () => {
    const clock = { now: 0 };
    const rrl = limiter(1, 0, clock, 100);
    for (let i = 0; i < 10_000; i++) rrl.check(`10.${(i >> 8) & 255}.${i & 255}.1`);
    // The first prefix has been forgotten, so it starts with a full bucket again.
    expect(rrl.check('10.0.0.1')).toBe('send');
  });
});

describe('the slipped answer', () => {
  it('is the header and question with TC set and no records (not even OPT), never larger than the query', () => {
    const query = buildQuery({ id: 0xabcd, name: 'big.default.svc.cluster.local', additional: [opt(4096)] });
    const full = Buffer.concat([query.subarray(0, 2), Buffer.from([0x85, 0x00]), Buffer.from([0, 1, 0, 3, 0, 0, 0, 1]), query.subarray(12),
      Buffer.alloc(48, 7)]); // stand-in records: only the header and question are kept
    const slipped = slipReply(full);
    const shape = checkMessage(slipped);
    expect(shape).toMatchObject({ id: 0xabcd, response: true, truncated: true, counts: [1, 0, 0, 0] });
    const decoded = Packet.parse(slipped) as unknown as { questions: { name: string }[]; errors: unknown[] };
    expect(decoded.errors).toEqual([]);
    expect(decoded.questions[0]!.name).toBe('big.default.svc.cluster.local');
    expect(slipped.length).toBeLessThanOrEqual(query.length);
  });

  it('keeps a header-only reply (FORMERR without a question) a header', () => {
    const formerr = Buffer.from('123480010000000000000000', 'hex');
    expect(checkMessage(slipReply(formerr))).toMatchObject({ truncated: true, counts: [0, 0, 0, 0] });
  });
});

describe('--rrl on the running server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'svcdns-rrl-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Sends `n` queries at once from one socket; counts full and truncated answers within `waitMs`. */
  async function blast(port: number, n: number, waitMs = 800): Promise<{ full: number; truncated: number }> {
    const socket = createSocket('udp4');
    const counts = { full: 0, truncated: 0 };
    socket.on('message', (reply) => {
      if ((reply[2]! & 0x02) !== 0) counts.truncated++;
      else counts.full++;
    });
    await new Promise<void>((done) => socket.bind(0, '127.0.0.1', () => done()));
    for (let i = 0; i < n; i++) socket.send(buildQuery({ id: i, name: 'web.default.svc.cluster.local' }), port, '127.0.0.1');
    await new Promise((done) => setTimeout(done, waitMs));
    socket.close();
    return counts;
  }

  it('is off by default: every query is answered', async () => {
    const server = await startServer(['--manifests', writeCluster(dir), '--upstream', 'none']);
    try {
      expect(await blast(server.port, 150)).toEqual({ full: 150, truncated: 0 });
    } finally {
      await server.stop();
    }
  });

  it('limits UDP answers per client, slips truncated ones that send dig to TCP, and leaves TCP alone', async () => {
    const server = await startServer(['--manifests', writeCluster(dir), '--upstream', 'none', '--rrl', '20', '--rrl-slip', '2']);
    try {
      const { full, truncated } = await blast(server.port, 150);
      // A 20/s bucket gives 20 at once, plus what trickles in while the blast is answered.
      expect(full).toBeGreaterThanOrEqual(20);
      expect(full).toBeLessThan(40);
      // Half of the limited ones come back truncated.
      expect(truncated).toBeGreaterThan((150 - full) / 2 - 5);
      expect(truncated).toBeLessThan((150 - full) / 2 + 5);
      // The limited client, retrying over TCP as TC asks, is answered in full.
      const viaTcp = await dig('web.default.svc.cluster.local', 'A', { port: server.port });
      expect(addresses(viaTcp)).toEqual([WEB_IP]);
      for (let i = 0; i < 50; i++) {
        const reply = await tcpExchange(server.port, buildQuery({ id: i, name: 'web.default.svc.cluster.local' }));
        expect(reply && (reply[2]! & 0x02)).toBe(0);
      }
    } finally {
      await server.stop();
    }
  });
});
