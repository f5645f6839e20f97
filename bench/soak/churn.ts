// The cluster the soak test runs against, and its churn: ClusterIP services created and deleted,
// headless services scaled up and down, service addresses changed, and now and then every watch
// closed. The planner remembers what the cluster should answer, so the end can check svcdns agrees.
import type { FakeApiServer, KubeObject } from '../../test/fake-apiserver/index.ts';

export const NAMESPACE = 'soak';
export const ZONE = 'cluster.local';
const STATIC_SERVICES = 50;
const HEADLESS_SERVICES = 10;
/** Churned services alive at once; beyond it the oldest is deleted. */
const LIVE_CHURNED = 200;

function clusterIP(index: number, net = 96): string {
  return `10.${net}.${Math.floor(index / 250) % 250}.${(index % 250) + 1}`;
}

function service(name: string, ip: string): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NAMESPACE },
    spec: { type: 'ClusterIP', clusterIP: ip, clusterIPs: [ip], selector: { app: name }, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  };
}

function headless(name: string): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NAMESPACE },
    spec: { clusterIP: 'None', clusterIPs: ['None'], selector: { app: name }, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  };
}

function slice(serviceName: string, count: number, net: number): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: `${serviceName}-slice`, namespace: NAMESPACE, labels: { 'kubernetes.io/service-name': serviceName } },
    addressType: 'IPv4',
    endpoints: Array.from({ length: count }, (_, i) => ({ addresses: [`10.${net}.${Math.floor(i / 250)}.${(i % 250) + 1}`], conditions: { ready: true } })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

export interface ChurnCounts {
  created: number;
  deleted: number;
  scaled: number;
  readdressed: number;
  watchesClosed: number;
}

/** What a name should answer once the cluster has settled: A addresses, or none for NXDOMAIN. */
export type Expectation = { readonly name: string; readonly addresses: readonly string[] | null };

export class ClusterChurn {
  readonly counts: ChurnCounts = { created: 0, deleted: 0, scaled: 0, readdressed: 0, watchesClosed: 0 };
  private readonly live: { name: string; ip: string }[] = [];
  private readonly gone: string[] = [];
  private readonly headlessSizes = new Map<string, number>();
  private next = 0;
  private step = 0;
  private readonly api: FakeApiServer;
  private readonly random: () => number;

  // Plain fields, not parameter properties: Node runs this file by stripping types only.
  constructor(api: FakeApiServer, random: () => number) {
    this.api = api;
    this.random = random;
  }

  /** Namespace, static and headless services, and the first churned ones. */
  seed(): void {
    this.api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
    for (let i = 0; i < STATIC_SERVICES; i++) this.api.create(service(`static-${i}`, clusterIP(i, 96)));
    for (let i = 0; i < HEADLESS_SERVICES; i++) {
      this.api.create(headless(`pool-${i}`));
      this.api.create(slice(`pool-${i}`, 5, 100 + i));
      this.headlessSizes.set(`pool-${i}`, 5);
    }
    for (let i = 0; i < LIVE_CHURNED / 2; i++) this.create();
  }

  /** One change; every 300th closes every watch (clients must resume from their resourceVersion). */
  change(): void {
    this.step++;
    if (this.step % 300 === 0) {
      this.api.closeWatches();
      this.counts.watchesClosed++;
      return;
    }
    const roll = this.random();
    if (roll < 0.4) this.create();
    else if (roll < 0.75) this.scale();
    else this.readdress();
    while (this.live.length > LIVE_CHURNED) this.deleteOldest();
  }

  private create(): void {
    const name = `churn-${this.next}`;
    const ip = clusterIP(this.next, 97);
    this.next++;
    this.api.create(service(name, ip));
    this.live.push({ name, ip });
    this.counts.created++;
  }

  private deleteOldest(): void {
    const oldest = this.live.shift();
    if (!oldest) return;
    this.api.delete('Service', NAMESPACE, oldest.name);
    this.gone.push(oldest.name);
    if (this.gone.length > 200) this.gone.shift();
    this.counts.deleted++;
  }

  private scale(): void {
    const index = Math.floor(this.random() * HEADLESS_SERVICES);
    const count = 1 + Math.floor(this.random() * 50);
    this.api.apply(slice(`pool-${index}`, count, 100 + index));
    this.headlessSizes.set(`pool-${index}`, count);
    this.counts.scaled++;
  }

  private readdress(): void {
    const target = this.live[Math.floor(this.random() * this.live.length)];
    if (!target) return;
    target.ip = clusterIP(this.next++, 98);
    this.api.apply(service(target.name, target.ip));
    this.counts.readdressed++;
  }

  /** The query file for dnsperf: existing names, churned names (some gone), search-path misses, SRV. */
  queryLines(): string[] {
    const lines: string[] = [];
    const fqdn = (name: string): string => `${name}.${NAMESPACE}.svc.${ZONE}`;
    for (let i = 0; i < STATIC_SERVICES; i++) lines.push(`${fqdn(`static-${i}`)} A`, `${fqdn(`static-${i}`)} A`);
    for (let i = 0; i < HEADLESS_SERVICES; i++) lines.push(`${fqdn(`pool-${i}`)} A`, `_http._tcp.${fqdn(`pool-${i}`)} SRV`);
    for (let i = 0; i < 600; i += 3) lines.push(`${fqdn(`churn-${i}`)} A`);
    for (let i = 0; i < 60; i++) lines.push(`api${i}.example.com.${NAMESPACE}.svc.${ZONE} A`, `static-${i % STATIC_SERVICES}.other.svc.${ZONE} AAAA`);
    return lines;
  }

  /** What svcdns should answer now: every live churned service, the recently deleted ones, the pools. */
  expectations(): Expectation[] {
    const fqdn = (name: string): string => `${name}.${NAMESPACE}.svc.${ZONE}`;
    const pools = [...this.headlessSizes].map(([name, count]) => ({
      name: fqdn(name),
      addresses: Array.from({ length: count }, (_, i) => `10.${100 + Number(name.slice(5))}.${Math.floor(i / 250)}.${(i % 250) + 1}`),
    }));
    return [
      ...this.live.map((s) => ({ name: fqdn(s.name), addresses: [s.ip] })),
      ...this.gone.map((name) => ({ name: fqdn(name), addresses: null })),
      ...pools,
    ];
  }
}
