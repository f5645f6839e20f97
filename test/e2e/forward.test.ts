// Forwarding through the real server: svcdns (node dist/main.js) in front of a real upstream (Debian's
// dnsmasq on a loopback port), asked with the real dig, the way a pod whose resolv.conf points at
// svcdns asks: search-path expansions first, then the outside name itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dnsmasq } from '../forward/dnsmasq.js';
import { OUTSIDE, clusterManifests, sleep } from '../forward/cluster.js';
import { addresses, dig, type DigResult } from '../helpers/dig.js';
import { startServer, type RunningServer } from '../helpers/server.js';

const manifests = clusterManifests();
let upstream: Dnsmasq;
let server: RunningServer;
const ask = (name: string, type = 'A', options: string[] = []): Promise<DigResult> => dig(name, type, { port: server.port, options });
/** dnsmasq's log lines for queries of `name` (any type). */
const upstreamQueriesFor = async (name: string): Promise<string[]> =>
  (await upstream.queries()).filter((line) => line.split(' ')[1]?.toLowerCase() === name.toLowerCase());

beforeAll(async () => {
  upstream = await Dnsmasq.start(OUTSIDE);
  server = await startServer([
    '--manifests', manifests.dir, '--upstream', `127.0.0.1:${upstream.port}`,
    '--zone', 'cluster.local', '--zone', '10.0.0.0/8', '--fallthrough', '10.in-addr.arpa',
  ]);
});

afterAll(async () => {
  await server?.stop();
  await upstream?.kill();
  manifests.remove();
});

describe('names outside the cluster zones', () => {
  it('resolve through svcdns, in the letter case asked, with the TTL capped at --cache-max-ttl', async () => {
    const r = await ask('WWW.Outside.TEST');
    expect(r.status).toBe('NOERROR');
    expect(r.flags).toContain('ra');
    expect(r.answer.map((a) => [a.name, a.type, a.data])).toEqual([['WWW.Outside.TEST.', 'A', '10.1.2.3']]);
    expect(r.answer[0]!.ttl).toBe(30);
    expect(await upstreamQueriesFor('www.outside.test')).not.toEqual([]);
  });

  it('resolve over TCP too', async () => {
    expect(addresses(await ask('www.outside.test', 'A', ['+tcp']))).toEqual(['10.1.2.3']);
  });

  it('come back NXDOMAIN when the upstream says so', async () => {
    expect((await ask('gone.nx.test')).status).toBe('NXDOMAIN');
  });
});

describe("a pod's search walk (ndots:5, search kiada.svc.cluster.local svc.cluster.local cluster.local)", () => {
  const expansions = ['kiada.svc.cluster.local', 'svc.cluster.local', 'cluster.local'].map((d) => `walk.outside.test.${d}`);

  it('gives NXDOMAIN three times from the zone with no upstream traffic, then the answer', async () => {
    for (const name of expansions) {
      const r = await ask(name);
      expect(r.status).toBe('NXDOMAIN');
      expect(r.flags).toContain('aa');
      expect(r.authority.map((a) => a.type)).toEqual(['SOA']);
    }
    expect(addresses(await ask('walk.outside.test'))).toEqual(['10.1.2.5']);
    const seen = await upstream.queries();
    expect(seen).toContain('query[A] walk.outside.test from 127.0.0.1');
    expect(seen.filter((line) => line.includes('cluster.local'))).toEqual([]);
  });

  it('answers the second ask from the cache, with a smaller TTL and a single upstream query', async () => {
    const first = await ask('cached.outside.test');
    await sleep(1100);
    const second = await ask('cached.outside.test');
    expect(addresses(second)).toEqual(['10.1.2.4']);
    expect(second.answer[0]!.ttl).toBeLessThan(first.answer[0]!.ttl);
    expect(await upstreamQueriesFor('cached.outside.test')).toHaveLength(1);
  });
});

describe('ExternalName services pointing outside', () => {
  it('answer the CNAME first, then the target\'s A record from the upstream', async () => {
    const r = await ask('ext.kiada.svc.cluster.local');
    expect(r.status).toBe('NOERROR');
    expect(r.answer.map((a) => [a.name, a.type, a.data])).toEqual([
      ['ext.kiada.svc.cluster.local.', 'CNAME', 'www.outside.test.'],
      ['www.outside.test.', 'A', '10.1.2.3'],
    ]);
  });

  it('answer the CNAME alone when the upstream answers the target with an error (NXDOMAIN)', async () => {
    const r = await ask('ext-nx.kiada.svc.cluster.local');
    expect(r.status).toBe('NOERROR');
    expect(r.answer.map((a) => [a.type, a.data])).toEqual([['CNAME', 'gone.nx.test.']]);
    expect(await upstreamQueriesFor('gone.nx.test')).not.toEqual([]);
  });
});

describe('PTR with the reverse zone in --fallthrough', () => {
  it('answers an address that is ours from the zone', async () => {
    const r = await ask('10.0.96.10.in-addr.arpa', 'PTR');
    expect(r.answer.map((a) => a.data)).toEqual(['web.kiada.svc.cluster.local.']);
    expect(await upstreamQueriesFor('10.0.96.10.in-addr.arpa')).toEqual([]);
  });

  it('forwards an address that is not ours to the upstream', async () => {
    const r = await ask('9.9.9.10.in-addr.arpa', 'PTR');
    expect(r.status).toBe('NOERROR');
    expect(r.answer.map((a) => [a.type, a.data])).toEqual([['PTR', 'host.outside.test.']]);
    expect(await upstreamQueriesFor('9.9.9.10.in-addr.arpa')).toHaveLength(1);
  });
});

describe('start-up', () => {
  it('logs the upstreams and that no forwarding loop was found', async () => {
    await server.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('no forwarding loop'));
    const setup = server.records().find((l) => l.msg === 'forwarding names outside the zones');
    expect(setup?.['upstreams']).toEqual([`127.0.0.1:${upstream.port}`]);
  });
});
