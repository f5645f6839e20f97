// CoreDNS quirks (behaviour §3.6) and the deviations of our own, each as decided in
// docs/compatibility.md, over the wire of the built server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RRType } from '../../src/resolve/message.js';
import { UdpClient } from './support/client.js';
import { toYaml, writeManifestDir } from './support/manifests.js';
import { clusterIPService } from './support/objects.js';
import { shopYaml } from './support/shop.js';
import { serveManifests } from './support/suite-server.js';
import { lines, RCODE } from './support/text.js';
import { startUpstreamStub, type UpstreamStub } from './support/upstream-stub.js';
import { startServer } from '../helpers/server.js';

const Z = 'shop.svc.cluster.local';

let upstream: UpstreamStub;
let served: Awaited<ReturnType<typeof serveManifests>>;
let client: UdpClient;

beforeAll(async () => {
  upstream = await startUpstreamStub([{ name: 'api.example.test.', type: 'TXT', ttl: 20, rdata: { txt: ['hello'] } }]);
  const yamlText = `${shopYaml}---\n${toYaml([clusterIPService('shop', 'noports', ['10.96.0.23'], [])])}`;
  served = await serveManifests(yamlText, [
    '--zone', 'cluster.local', '--zone', '10.0.0.0/8', '--pods', 'insecure', '--upstream', `127.0.0.1:${upstream.port}`,
  ]);
  client = new UdpClient('127.0.0.1', served.server.port);
});
afterAll(async () => {
  client?.close();
  await served?.stop();
  await upstream?.close();
});

const ask = async (name: string, type: number) => (await client.ask(name, type)).packet;

async function expectNodata(name: string, type: number): Promise<void> {
  const reply = await ask(name, type);
  expect([reply.header.rcode, reply.answers.length, reply.authorities.length], `${name} ${type}`).toEqual([RCODE.NOERROR, 0, 1]);
}

describe('decided against CoreDNS: NODATA where the name exists (RFC 8020)', () => {
  it('TXT at the apex, svc, pod, <ns>.svc and <ns>.pod is NODATA like A there (CoreDNS: NXDOMAIN)', async () => {
    for (const name of ['cluster.local', 'svc.cluster.local', 'pod.cluster.local', 'shop.svc.cluster.local', 'shop.pod.cluster.local']) {
      await expectNodata(name, RRType.TXT);
      await expectNodata(name, RRType.A);
    }
    expect((await ask('nsnoexist.svc.cluster.local', RRType.TXT)).header.rcode).toBe(RCODE.NXDOMAIN);
  });

  it('dns-version asked for another type is NODATA (CoreDNS: NXDOMAIN)', async () => {
    for (const type of [RRType.A, RRType.AAAA, RRType.SRV]) await expectNodata('dns-version.cluster.local', type);
  });

  it('SOA below the apex is NODATA only where the name exists (CoreDNS: NODATA everywhere)', async () => {
    await expectNodata(`web.${Z}`, RRType.SOA);
    await expectNodata('shop.svc.cluster.local', RRType.SOA);
    expect((await ask(`nothing.${Z}`, RRType.SOA)).header.rcode).toBe(RCODE.NXDOMAIN);
    expect((await ask('a.b.c.d.e.shop.svc.cluster.local', RRType.SOA)).header.rcode).toBe(RCODE.NXDOMAIN);
  });

  it('a reverse name that has a PTR is NODATA for other types (CoreDNS: NXDOMAIN)', async () => {
    await expectNodata('20.0.96.10.in-addr.arpa', RRType.A);
    await expectNodata('20.0.96.10.in-addr.arpa', RRType.TXT);
    expect((await ask('99.0.96.10.in-addr.arpa', RRType.A)).header.rcode).toBe(RCODE.NXDOMAIN);
  });

  it('an ExternalName answers its CNAME for every type, chased for that type (CoreDNS: NODATA for TXT, SRV, …)', async () => {
    const txt = await ask(`ext.${Z}`, RRType.TXT);
    expect(txt.answers.map((r) => r.type)).toEqual([RRType.CNAME, RRType.TXT]);
    expect(lines(txt.answers)).toEqual(['api.example.test 20 TXT hello', `ext.${Z} 5 CNAME api.example.test`]);
    expect(lines((await ask(`ext.${Z}`, RRType.SRV)).answers)).toEqual([`ext.${Z} 5 CNAME api.example.test`]);
    expect(lines((await ask(`alias.${Z}`, RRType.SRV)).answers)).toEqual([
      `alias.${Z} 5 CNAME web.${Z}`, `web.${Z} 5 SRV 0 25 80 web.${Z}`, `web.${Z} 5 SRV 0 25 9100 web.${Z}`,
    ]);
  });
});

describe('matched with CoreDNS', () => {
  it('a partial reverse name is NXDOMAIN', async () => {
    for (const name of ['96.10.in-addr.arpa', '0.96.10.in-addr.arpa']) {
      expect((await ask(name, RRType.PTR)).header.rcode, name).toBe(RCODE.NXDOMAIN);
    }
  });

  it('a port-shaped name answers A with the service address', async () => {
    expect(lines((await ask(`_http._tcp.web.${Z}`, RRType.A)).answers)).toEqual([`_http._tcp.web.${Z} 5 A 10.96.0.20`]);
  });

  it('a ClusterIP service with no endpoints at all still answers its cluster IP', async () => {
    expect(lines((await ask(`lonely.${Z}`, RRType.A)).answers)).toEqual([`lonely.${Z} 5 A 10.96.0.22`]);
  });
});

describe('our own deviations, as documented', () => {
  it('a ClusterIP service without ports still answers A (CoreDNS: NXDOMAIN), and has no SRV', async () => {
    expect(lines((await ask(`noports.${Z}`, RRType.A)).answers)).toEqual([`noports.${Z} 5 A 10.96.0.23`]);
    await expectNodata(`noports.${Z}`, RRType.SRV);
  });

  it('after the start-up timeout without a sync, a name that does not exist is NXDOMAIN, no longer SERVFAIL', async () => {
    const dir = writeManifestDir({ 'broken.yaml': 'kind: Service\nmetadata: {name: broken}\nspec: {type: Bogus}\n' });
    try {
      const server = await startServer(['--manifests', dir.path, '--startup-timeout', '300ms', '--upstream', 'none'], { waitReady: false });
      const c = new UdpClient('127.0.0.1', server.port);
      try {
        expect((await c.ask('svc0.default.svc.cluster.local', RRType.A)).packet.header.rcode).toBe(RCODE.SERVFAIL);
        await server.waitForLog((l) => l.msg === 'ready');
        expect((await c.ask('svc0.default.svc.cluster.local', RRType.A)).packet.header.rcode).toBe(RCODE.NXDOMAIN);
      } finally {
        c.close();
        await server.stop();
      }
    } finally {
      dir.remove();
    }
  });
});
