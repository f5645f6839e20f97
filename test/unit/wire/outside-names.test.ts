// Names outside every zone go from the scan straight to the forwarder: the resolver is not asked (it
// could only say "not mine") and the query is parsed only when an error reply needs its question.
import { Packet } from 'dns2';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { Rcode, RRType, type Client, type Forwarder, type Resolver } from '../../../src/resolve/message.js';
import { ClusterResolver } from '../../../src/resolve/resolver.js';
import { Dispatcher, type QueryEvent } from '../../../src/wire/dispatcher.js';
import { ZoneIndex } from '../../../src/zone/index.js';
import { labels, query } from '../../wire/support.js';

const client: Client = { address: '10.0.0.7', port: 40000, transport: 'udp' };

function setUp(forwarder?: Forwarder['forward'], fallthrough: string[] | null = null) {
  const zone = new ZoneIndex({ endpointPodNames: false, requiredKinds: ['service'] });
  zone.forceSynced();
  const cluster = new ClusterResolver(zone, {
    zones: ['cluster.local', '10.in-addr.arpa'], ttl: 5, pods: 'disabled', namespaces: [], ignoreEmptyService: false,
    noEndpoints: false, fallthrough, nsAddresses: [],
  });
  const asked: string[] = [];
  const resolver: Resolver = {
    resolve: (q, c) => {
      asked.push(q.lower.join('.'));
      return cluster.resolve(q, c);
    },
    nameShapes: cluster.nameShapes,
  };
  const events: QueryEvent[] = [];
  const dispatcher = new Dispatcher({
    resolver, generations: zone, logger: createLogger('silent'), observer: { observe: (e) => events.push({ ...e }) },
    ...(forwarder === undefined ? {} : { forwarder: { forward: forwarder } }),
  });
  return { dispatcher, asked, events };
}

/** What a forwarder gives back at once: the query with QR set, standing in for an upstream's answer. */
function echo(q: Buffer): Buffer {
  const reply = Buffer.from(q);
  reply[2] = reply[2]! | 0x80;
  return reply;
}

describe('names outside every zone', () => {
  it('go to the forwarder without the resolver, and are counted as the forwarder\'s with their question', () => {
    const handed: Buffer[] = [];
    const { dispatcher, asked, events } = setUp((q) => {
      handed.push(q);
      return echo(q);
    });
    const outside = query({ labels: labels('WWW.Example.com'), type: RRType.AAAA, edns: {} });
    const reply = dispatcher.handle(outside, client);
    expect(reply).toEqual(echo(outside));
    expect(handed).toEqual([outside]);
    expect(asked).toEqual([]);
    expect(events).toMatchObject([{ answeredBy: 'forwarder', qtype: RRType.AAAA, questionEnd: 12 + 17 + 4, answerCount: 0 }]);
    // Names in a zone, forward or reverse, and the zones themselves are still the resolver's.
    for (const name of ['web.default.svc.cluster.local', 'cluster.local', '4.3.2.10.in-addr.arpa']) {
      dispatcher.handle(query({ labels: labels(name) }), client);
    }
    expect(asked).toEqual(['web.default.svc.cluster.local', 'cluster.local', '4.3.2.10.in-addr.arpa']);
    expect(handed).toHaveLength(1);
  });

  it('get SERVFAIL with their question and EDNS when the forwarder gives nothing, fails or throws', async () => {
    const outside = query({ id: 4242, labels: labels('api.Example.org'), edns: { udpSize: 1232 } });
    const failures: Forwarder['forward'][] = [
      () => null,
      () => Promise.resolve(null),
      () => Promise.reject(new Error('upstreams down')),
      () => {
        throw new Error('bug');
      },
    ];
    for (const fail of failures) {
      const { dispatcher, asked } = setUp(fail);
      const reply = await dispatcher.handle(outside, client);
      const packet = Packet.parse(reply!);
      expect(packet.header).toMatchObject({ id: 4242, qr: 1, rcode: Rcode.SERVFAIL });
      expect(packet.questions[0]!.name).toBe('api.Example.org');
      expect(packet.additionals.map((r) => r.type)).toEqual([41]);
      expect(asked).toEqual([]);
    }
  });

  it('are REFUSED without a forwarder, and asked of the resolver first in a --fallthrough setup', async () => {
    const refused = setUp();
    const reply = refused.dispatcher.handle(query({ labels: labels('www.example.com') }), client);
    expect(Packet.parse(reply as Buffer).header.rcode).toBe(Rcode.REFUSED);

    const handed: Buffer[] = [];
    const fallthrough = setUp((q) => {
      handed.push(q);
      return echo(q);
    }, ['cluster.local']);
    await fallthrough.dispatcher.handle(query({ labels: labels('www.example.com') }), client);
    expect(fallthrough.asked).toEqual(['www.example.com']);
    expect(handed).toHaveLength(1);
  });
});
