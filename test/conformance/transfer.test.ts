// Zone transfers over the wire. The expected listing is CoreDNS's (plugin/kubernetes xfr_test.go,
// Apache-2.0, via shared/reference/conformance `zone_transfer`), in its exact order.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Packet } from 'dns2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCaseFile } from '../unit/resolve/helpers/coredns-cases.js';
import { askTcp, transfer, UdpClient } from './support/client.js';
import { actualField, expectedField, fieldsOf, type Checked } from './support/compare.js';
import { fixtureManifests, namespacesFor, toYaml } from './support/manifests.js';
import { clusterIPService, namespace } from './support/objects.js';
import { serveManifests } from './support/suite-server.js';

const run = promisify(execFile);
const file = loadCaseFile();
const listing = file.zone_transfer as typeof file.zone_transfer & { records: Checked[] };
const AXFR = 252;
const IXFR = 251;
const REFUSED = 5;

type Decoded = Packet['answers'][number];

/** Every field of the expected record but the SOA serial (ours is a time, the mock's a counter). */
function fieldsWithoutSerial(r: Checked): string[] {
  return ['name', 'type', 'ttl', ...Object.keys(r.rdata).filter((k) => k !== 'serial')];
}

function expectedLines(): string[] {
  return listing.records.map((r) => fieldsWithoutSerial(r).map((f) => `${f}=${expectedField(r, f)}`).join(' '));
}

function actualLines(records: readonly Decoded[]): string[] {
  return records.map((rr, i) => {
    const fields = fieldsWithoutSerial(listing.records[i] ?? listing.records[0]!);
    return fields.map((f) => `${f}=${actualField(rr, f)}`).join(' ');
  });
}

const fixture = file.fixture['unit-serve']!;
const fixtureYaml = toYaml(fixtureManifests(fixture, namespacesFor(fixture, [], ['cluster.local'])));

describe('AXFR of the cluster zone, for a client in --transfer-to', () => {
  let served: Awaited<ReturnType<typeof serveManifests>>;

  beforeAll(async () => {
    served = await serveManifests(fixtureYaml, [
      '--zone', 'cluster.local.', '--zone', '10.0.0.0/16', '--ttl', String(listing.config.ttl), '--namespaces', listing.config.namespaces.join(','),
      '--pod-ip', listing.config.local_ips[0]!, '--transfer-to', '127.0.0.1/32,10.0.0.0/8', '--upstream', 'none',
    ], { ipv6: true });
  });
  afterAll(async () => served?.stop());

  it('lists SOA, NS, glue, every exposed service sorted by name, and the SOA again, in CoreDNS order', async () => {
    const messages = await transfer('127.0.0.1', served.server.port, 'cluster.local');
    expect(messages.map((m) => m.header.rcode)).toEqual(messages.map(() => 0));
    expect(messages.every((m) => m.header.aa === 1)).toBe(true);
    const records = messages.flatMap((m) => m.answers);
    expect(actualLines(records)).toEqual(expectedLines());
    // Both SOAs are the zone's SOA with our serial.
    expect(records[0]).toMatchObject({ serial: records.at(-1)?.serial });
    expect(fieldsOf(listing.records[0]!)).toContain('mname');
  });

  it('gives dig the same listing', async () => {
    const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(served.server.port), 'cluster.local', 'AXFR', '+nocookie'], { timeout: 20_000 });
    const lines = stdout.split('\n').filter((l) => l.trim() !== '' && !l.startsWith(';'));
    const owners = lines.map((l) => l.split(/\s+/)[0]);
    expect(owners).toEqual(listing.records.map((r) => r.name));
    expect(stdout).not.toMatch(/Transfer failed/);
  });

  it('answers IXFR with the full zone (RFC 1995 §4)', async () => {
    const records = (await transfer('127.0.0.1', served.server.port, 'cluster.local', IXFR)).flatMap((m) => m.answers);
    expect(actualLines(records)).toEqual(expectedLines());
  });

  it('refuses a transfer over UDP', async () => {
    const client = new UdpClient('127.0.0.1', served.server.port);
    try {
      const reply = await client.ask('cluster.local', AXFR);
      expect(reply.packet.header.rcode).toBe(REFUSED);
      expect(reply.packet.answers).toEqual([]);
    } finally {
      client.close();
    }
  });

  it('refuses a client outside the ranges', async () => {
    const reply = await askTcp('::1', served.ipv6Port, 'cluster.local', AXFR);
    expect(reply.packet.header.rcode).toBe(REFUSED);
    expect(reply.packet.answers).toEqual([]);
  });

  it('refuses a name below the apex and a reverse zone', async () => {
    for (const name of ['svc.cluster.local', 'svc1.testns.svc.cluster.local', '0.10.in-addr.arpa']) {
      expect((await askTcp('127.0.0.1', served.server.port, name, AXFR)).packet.header.rcode, name).toBe(REFUSED);
    }
  });
});

describe('AXFR without --transfer-to', () => {
  it('is refused over TCP too', async () => {
    const served = await serveManifests(fixtureYaml, ['--upstream', 'none']);
    try {
      const reply = await askTcp('127.0.0.1', served.server.port, 'cluster.local', AXFR);
      expect(reply.packet.header.rcode).toBe(REFUSED);
    } finally {
      await served.stop();
    }
  });
});

describe('AXFR of a zone larger than one message', () => {
  it('splits the records over several messages, each under 64 KiB, none lost', async () => {
    const count = 400;
    const objects = [namespace('big'), ...Array.from({ length: count }, (_, i) =>
      clusterIPService('big', `service-with-a-long-name-${String(i).padStart(4, '0')}`, [`10.1.${Math.floor(i / 200)}.${(i % 200) + 1}`]))];
    const served = await serveManifests(toYaml(objects), ['--transfer-to', '127.0.0.1', '--upstream', 'none']);
    try {
      const messages = await transfer('127.0.0.1', served.server.port, 'cluster.local');
      expect(messages.length).toBeGreaterThan(1);
      const records = messages.flatMap((m) => m.answers);
      // SOA, NS, glue, then A + bare SRV + _http._tcp SRV per service, then SOA.
      expect(records).toHaveLength(3 + count * 3 + 1);
      expect(records.filter((r) => r.type === 1 && r.name.startsWith('service-with'))).toHaveLength(count);
      expect(records.at(-1)?.type).toBe(6);
    } finally {
      await served.stop();
    }
  });
});
