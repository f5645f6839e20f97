// Forwarding through the real server when things go wrong or are not allowed: upstreams killed or
// frozen, serve-stale, a forwarding loop at start-up, --upstream none, clients outside
// --allow-recursion, a truncated upstream reply for an ExternalName, an unusable resolv.conf.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RRType } from '../../src/resolve/message.js';
import { OUTSIDE, clusterManifests, exitedWith, sleep } from '../forward/cluster.js';
import { Dnsmasq, freePort } from '../forward/dnsmasq.js';
import { addresses, dig } from '../helpers/dig.js';
import { runToExit, startServer, type RunningServer } from '../helpers/server.js';
import { FakeUpstream, replyTo } from '../unit/forward/support.js';

const manifests = clusterManifests();
afterAll(() => manifests.remove());

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function dnsmasq(extra: readonly string[] = []): Promise<Dnsmasq> {
  const server = await Dnsmasq.start([...OUTSIDE, ...extra]);
  cleanups.push(() => server.kill());
  return server;
}

async function svcdns(args: string[], opts: { waitReady?: boolean } = {}): Promise<RunningServer> {
  const server = await startServer(['--manifests', manifests.dir, ...args], opts);
  cleanups.push(() => server.stop());
  return server;
}

const upstreamFlag = (...servers: { port: number }[]): string[] => ['--upstream', servers.map((s) => `127.0.0.1:${s.port}`).join(',')];

describe('failing upstreams', () => {
  it('asks the next upstream when the first has been killed', async () => {
    const first = await dnsmasq();
    const second = await dnsmasq();
    const server = await svcdns(upstreamFlag(first, second));
    await first.kill();
    expect(addresses(await dig('www.outside.test', 'A', { port: server.port }))).toEqual(['10.1.2.3']);
    expect(await second.queries()).toContain('query[A] www.outside.test from 127.0.0.1');
  });

  it('answers SERVFAIL at once when every upstream has been killed', async () => {
    const first = await dnsmasq();
    const second = await dnsmasq();
    const server = await svcdns([...upstreamFlag(first, second), '--forward-timeout', '500ms']);
    await first.kill();
    await second.kill();
    const started = Date.now();
    const r = await dig('www.outside.test', 'A', { port: server.port, timeoutSeconds: 4 });
    expect(r.status).toBe('SERVFAIL');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('answers SERVFAIL within the timeout of each upstream when every upstream is frozen', async () => {
    const first = await dnsmasq();
    const second = await dnsmasq();
    const server = await svcdns([...upstreamFlag(first, second), '--forward-timeout', '400ms']);
    first.pause();
    second.pause();
    const started = Date.now();
    const r = await dig('www.outside.test', 'A', { port: server.port, timeoutSeconds: 4 });
    const elapsed = Date.now() - started;
    expect(r.status).toBe('SERVFAIL');
    expect(elapsed).toBeGreaterThanOrEqual(2 * 400 - 50);
    expect(elapsed).toBeLessThan(2 * 400 + 1500);
  });

  it('with --serve-stale, answers from the expired cache entry (TTL 30) when every upstream is down', async () => {
    const upstream = await dnsmasq();
    const server = await svcdns([...upstreamFlag(upstream), '--cache-max-ttl', '1', '--serve-stale', '1m', '--forward-timeout', '500ms']);
    const fresh = await dig('stale.outside.test', 'A', { port: server.port });
    expect(fresh.answer.map((a) => [a.data, a.ttl])).toEqual([['10.1.2.6', 1]]);
    await sleep(1100);
    await upstream.kill();
    const stale = await dig('stale.outside.test', 'A', { port: server.port });
    expect(stale.status).toBe('NOERROR');
    expect(stale.answer.map((a) => [a.data, a.ttl])).toEqual([['10.1.2.6', 30]]);
  });
});

describe('a forwarding loop at start-up', () => {
  it('is fatal when svcdns is its own upstream: exit 1 with a log line naming that upstream', async () => {
    const port = await freePort();
    const server = await svcdns(['--listen', `127.0.0.1:${port}`, '--upstream', `127.0.0.1:${port}`], { waitReady: false });
    expect(await exitedWith(server)).toBe(1);
    const fatal = server.records().find((l) => l.level === 'fatal');
    expect(fatal?.msg).toContain(`forwarding loop: upstream 127.0.0.1:${port} sent our probe`);
  });

  it('is fatal when the upstream forwards back to svcdns (resolv.conf pointing at us through dnsmasq)', async () => {
    const port = await freePort();
    // Everything to us, except the name its start-up check asks (answered locally).
    const relay = await dnsmasq([`--server=127.0.0.1#${port}`, '--local=/check/']);
    const server = await svcdns(['--listen', `127.0.0.1:${port}`, ...upstreamFlag(relay)], { waitReady: false });
    expect(await exitedWith(server)).toBe(1);
    const fatal = server.records().find((l) => l.level === 'fatal');
    expect(fatal?.msg).toContain(`upstream 127.0.0.1:${relay.port} sent our probe`);
  });
});

describe('who gets forwarded answers', () => {
  it('with --upstream none, names outside the zones are REFUSED and cluster names still answer', async () => {
    const server = await svcdns(['--upstream', 'none']);
    expect((await dig('www.outside.test', 'A', { port: server.port })).status).toBe('REFUSED');
    expect(addresses(await dig('web.kiada.svc.cluster.local', 'A', { port: server.port }))).toEqual(['10.96.0.10']);
  });

  it('a client outside --allow-recursion is REFUSED for outside names, with no upstream traffic, and still gets cluster names', async () => {
    const upstream = await dnsmasq();
    const server = await svcdns([...upstreamFlag(upstream), '--allow-recursion', '10.0.0.0/8,fd00::/8']);
    const refused = await dig('www.outside.test', 'A', { port: server.port });
    expect(refused.status).toBe('REFUSED');
    expect(refused.flags).not.toContain('ra');
    expect(addresses(await dig('web.kiada.svc.cluster.local', 'A', { port: server.port }))).toEqual(['10.96.0.10']);
    expect((await dig('nope.kiada.svc.cluster.local', 'A', { port: server.port })).status).toBe('NXDOMAIN');
    expect((await upstream.queries()).filter((q) => q.includes('www.outside.test'))).toEqual([]);
  });
});

describe('ExternalName chased through a truncating upstream', () => {
  it('propagates TC: the CNAME and what the upstream sent, with TC set', async () => {
    // UDP only, always truncating: the TCP retry is refused, so the truncated reply is all there is.
    const upstream = await FakeUpstream.start((q) => replyTo(q, {
      tc: true, answers: [{ name: 'big.tc.test', type: RRType.A, ttl: 20, address: '192.0.2.77' }],
    }));
    cleanups.push(() => upstream.close());
    const server = await svcdns(['--upstream', `127.0.0.1:${upstream.upstream.port}`]);
    const r = await dig('ext-tc.kiada.svc.cluster.local', 'A', { port: server.port, options: ['+ignore'] });
    expect(r.flags).toContain('tc');
    expect(r.answer.map((a) => [a.type, a.data])).toEqual([['CNAME', 'big.tc.test.'], ['A', '192.0.2.77']]);
  });
});

describe('an unusable resolv.conf', () => {
  it('without a nameserver line is a one-line error and exit code 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'svcdns-resolv-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'resolv.conf');
    await writeFile(path, 'search cluster.local\noptions ndots:5\n');
    const { code, stderr } = await runToExit(['--manifests', manifests.dir, '--listen', '127.0.0.1:0', '--admin', 'none', '--resolv-conf', path]);
    expect(code).toBe(2);
    expect(stderr).toBe(`svcdns: ${path} has no nameserver line: give the upstreams with --upstream, or --upstream none\n`);
  });
});
