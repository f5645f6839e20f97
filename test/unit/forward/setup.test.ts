// Forwarding as main sets it up: upstreams from the flags or a resolv.conf, one-line errors, the gate
// in front, and the loop check that recognises our probe coming back through the gate.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_ALLOW_RECURSION } from '../../../src/resolve/forward/acl.js';
import { silentLogger } from '../../../src/resolve/forward/logger.js';
import { setUpForwarding, type Forwarding, type ForwardingOptions } from '../../../src/resolve/forward/setup.js';
import { Rcode, RRType } from '../../../src/resolve/message.js';
import { FakeUpstream, decode, message, replyTo } from './support.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const base: ForwardingOptions = {
  upstream: { kind: 'none' }, resolvConf: '/nonexistent/resolv.conf', timeoutMs: 500, maxConcurrent: 10,
  cacheMaxTtl: 30, negativeMaxTtl: 5, serveStaleMs: 0, allowRecursion: DEFAULT_ALLOW_RECURSION, logger: silentLogger,
};

async function setUp(options: Partial<ForwardingOptions>): Promise<Forwarding> {
  const setup = await setUpForwarding({ ...base, ...options });
  if (!setup.ok) throw new Error(setup.error);
  if (setup.forwarding === null) throw new Error('expected forwarding');
  const forwarding = setup.forwarding;
  cleanups.push(() => forwarding.close());
  return forwarding;
}

async function tempFile(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'svcdns-setup-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'resolv.conf');
  await writeFile(path, text);
  return path;
}

async function upstream(): Promise<FakeUpstream> {
  const fake = await FakeUpstream.start((q) => replyTo(q, { rcode: Rcode.NXDOMAIN }));
  cleanups.push(() => fake.close());
  return fake;
}

describe('setUpForwarding', () => {
  it('with --upstream none there is no forwarding at all', async () => {
    expect(await setUpForwarding(base)).toEqual({ ok: true, forwarding: null });
  });

  it('uses the --upstream servers as given, in order, without reading resolv.conf', async () => {
    const servers = [{ host: '192.0.2.53', port: 53 }, { host: '2001:db8::53', port: 5353 }];
    const forwarding = await setUp({ upstream: { kind: 'servers', servers } });
    expect(forwarding.upstreams).toEqual(servers);
  });

  it("by default uses the nameserver lines of the resolv.conf it is given", async () => {
    const path = await tempFile('search default.svc.cluster.local\nnameserver 192.0.2.1\noptions ndots:5\nnameserver fd00::53\n');
    const forwarding = await setUp({ upstream: { kind: 'system' }, resolvConf: path });
    expect(forwarding.upstreams).toEqual([{ host: '192.0.2.1', port: 53 }, { host: 'fd00::53', port: 53 }]);
  });

  it('a resolv.conf without a nameserver is a one-line error saying what to do', async () => {
    const path = await tempFile('search cluster.local\noptions ndots:5\n');
    const setup = await setUpForwarding({ ...base, upstream: { kind: 'system' }, resolvConf: path });
    expect(setup.ok).toBe(false);
    if (!setup.ok) {
      expect(setup.error).toBe(`${path} has no nameserver line: give the upstreams with --upstream, or --upstream none`);
    }
  });

  it('a resolv.conf that cannot be read is a one-line error naming it', async () => {
    const setup = await setUpForwarding({ ...base, upstream: { kind: 'system' } });
    expect(setup).toEqual({
      ok: false,
      error: 'cannot read /nonexistent/resolv.conf for upstream nameservers: ENOENT: give the upstreams with --upstream, or --upstream none',
    });
  });

  it('an allow-recursion entry that is not a CIDR is an error naming the flag', async () => {
    const setup = await setUpForwarding({ ...base, upstream: { kind: 'servers', servers: [{ host: '192.0.2.1', port: 53 }] }, allowRecursion: ['x'] });
    expect(setup).toEqual({ ok: false, error: '--allow-recursion: "x" is not a CIDR such as 10.0.0.0/8 or fd00::/8' });
  });
});

describe('Forwarding', () => {
  it('refuses a client outside --allow-recursion through its gate', async () => {
    const up = await upstream();
    const forwarding = await setUp({ upstream: { kind: 'servers', servers: [up.upstream] }, allowRecursion: ['10.0.0.0/8'] });
    const reply = await forwarding.gate.forward(
      message({ name: 'www.example.com', type: RRType.A }),
      { address: '127.0.0.1', port: 5000, transport: 'udp' },
    );
    expect(decode(reply!).header.rcode).toBe(Rcode.REFUSED);
    expect(up.received).toEqual([]);
    expect(forwarding.stats().refusedClients).toBe(1);
  });

  it('reports no loop when the upstream answers the probe itself', async () => {
    const up = await upstream();
    const forwarding = await setUp({ upstream: { kind: 'servers', servers: [up.upstream] } });
    const check = await forwarding.checkLoop();
    expect(check.loop).toBe(false);
    expect(check.detail).toBe(`no forwarding loop (127.0.0.1:${up.upstream.port}: rcode 3)`);
  });

  it('detects a loop when the upstream hands the probe back to our gate, naming that upstream', async () => {
    const honest = await upstream();
    const looping = await upstream();
    const forwarding = await setUp({ upstream: { kind: 'servers', servers: [honest.upstream, looping.upstream] } });
    // The second upstream forwards everything to us, as a resolv.conf pointing at ourselves would.
    looping.setScript(async (q) => {
      const reply = await forwarding.gate.forward(q, { address: '127.0.0.1', port: 1, transport: 'udp' });
      return reply ?? replyTo(q, { rcode: Rcode.SERVFAIL });
    });
    const check = await forwarding.checkLoop();
    expect(check.loop).toBe(true);
    expect(check.upstream).toEqual(looping.upstream);
    expect(check.detail).toContain(`127.0.0.1:${looping.upstream.port}`);
    expect(forwarding.stats().probesSeen).toBe(1);
    expect(honest.received).toHaveLength(1);
  });
});
