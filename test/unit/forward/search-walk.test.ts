// A pod's search walk for an outside name (ndots:5, search <ns>.svc.<zone> svc.<zone> <zone>): every
// expansion is NXDOMAIN from memory, synchronously, and never forwarded: from its shape alone when no
// cluster object could hold it, else from the resolver and then the cache.
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { readName } from '../../../src/resolve/forward/wire.js';
import { Rcode, type Client, type Forwarder } from '../../../src/resolve/message.js';
import { ClusterResolver } from '../../../src/resolve/resolver.js';
import { Dispatcher, type QueryEvent } from '../../../src/wire/dispatcher.js';
import { ZoneIndex } from '../../../src/zone/index.js';
import { labels, query } from '../../wire/support.js';

const client: Client = { address: '10.0.0.7', port: 40000, transport: 'udp' };
const EXPANSIONS = [
  'www.example.com.kiada.svc.cluster.local',
  'www.example.com.svc.cluster.local',
  'www.example.com.cluster.local',
];

function setUp(fallthrough: string[] | null = null) {
  const zone = new ZoneIndex({ endpointPodNames: false, requiredKinds: ['service'] });
  zone.forceSynced();
  const resolver = new ClusterResolver(zone, {
    zones: ['cluster.local'], ttl: 5, pods: 'disabled', namespaces: [], ignoreEmptyService: false, noEndpoints: false,
    fallthrough, nsAddresses: [],
  });
  const forwarded: string[] = [];
  const forwarder: Forwarder = {
    forward: (q) => {
      forwarded.push(readName(q, 12)!.labels.join('.').toLowerCase());
      return Promise.resolve(Buffer.from(q));
    },
  };
  const events: QueryEvent[] = [];
  const dispatcher = new Dispatcher({
    resolver, generations: zone, forwarder, logger: createLogger('silent'), observer: { observe: (e) => events.push({ ...e }) },
  });
  return { dispatcher, forwarded, events };
}

describe('the search walk of an outside name', () => {
  it('answers every expansion NXDOMAIN synchronously, without forwarding, from its shape or the cache the second time', () => {
    const { dispatcher, forwarded, events } = setUp();
    for (let round = 0; round < 2; round++) {
      for (const name of EXPANSIONS) {
        const reply = dispatcher.handle(query({ labels: labels(name) }), client);
        expect(Buffer.isBuffer(reply)).toBe(true);
        expect((reply as Buffer)[3]! & 0x0f).toBe(Rcode.NXDOMAIN);
      }
    }
    expect(forwarded).toEqual([]);
    // `www.example.com.svc.<zone>` could be endpoint `www` of service `example` in namespace `com`.
    expect(events.map((e) => e.answeredBy)).toEqual(['resolver', 'resolver', 'shape', 'cache', 'cache', 'shape']);
  });

  it('forwards the bare name that ends the walk', async () => {
    const { dispatcher, forwarded } = setUp();
    const reply = dispatcher.handle(query({ labels: labels('www.example.com') }), client);
    expect(reply).toBeInstanceOf(Promise);
    await reply;
    expect(forwarded).toEqual(['www.example.com']);
  });

  it('forwards the expansions too when the zone is in --fallthrough, as CoreDNS does', async () => {
    const { dispatcher, forwarded } = setUp(['cluster.local']);
    for (const name of EXPANSIONS) await dispatcher.handle(query({ labels: labels(name) }), client);
    expect(forwarded).toEqual(EXPANSIONS);
  });
});
