// Endpoint changes for the programming-latency measurement: each replaces one endpoint of one
// EndpointSlice with a pod at a new IP, and is "programmed" once svcdns answers the new endpoint's name
// (`<dashed-ip>.<svc>.<ns>.svc.<zone>`, which exists under every kind of service). Latency is from
// handing the change to the API server to the first DNS answer carrying the new address.
import { CLUSTER_ZONE, ipv4FromInt, ipv4ToInt } from '../lib/model.ts';
import type { KubeObject, ServiceRole } from '../lib/model.ts';
import type { Rng } from '../lib/prng.ts';
import { DnsClient, QTYPE } from '../lib/dns-client.ts';
import { sleep } from '../lib/procs.ts';
import { percentile } from '../lib/stats.ts';

/** New pod IPs come from here: outside every address the generator hands out. */
const NEW_IP_BASE = ipv4ToInt('10.200.0.0');
const ROLES: readonly ServiceRole[] = ['clusterip', 'headless', 'large-headless'];

export interface EndpointChange {
  readonly role: ServiceRole;
  readonly slice: KubeObject;
  readonly probeName: string;
  readonly newIp: string;
}

interface SliceEndpoint {
  addresses: string[];
  [field: string]: unknown;
}

/** Slices grouped by the role of their service, as mutable JSON copies that successive changes build on. */
export class ChangePlanner {
  readonly #slices = new Map<ServiceRole, KubeObject[]>();
  readonly #rng: Rng;
  #next = 1;

  constructor(objects: readonly KubeObject[], roleOf: (namespace: string, service: string) => ServiceRole | undefined, rng: Rng) {
    this.#rng = rng;
    for (const obj of objects) {
      if (obj.kind !== 'EndpointSlice') continue;
      const service = obj.metadata.labels?.['kubernetes.io/service-name'];
      const role = service && obj.metadata.namespace ? roleOf(obj.metadata.namespace, service) : undefined;
      const endpoints = obj.endpoints as SliceEndpoint[] | undefined;
      if (!role || !endpoints || endpoints.length === 0 || service === 'kubernetes') continue;
      const list = this.#slices.get(role) ?? [];
      list.push(structuredClone(obj));
      this.#slices.set(role, list);
    }
  }

  roles(): ServiceRole[] {
    return ROLES.filter((r) => (this.#slices.get(r)?.length ?? 0) > 0);
  }

  /** The next change, cycling through the service roles present. */
  next(): EndpointChange {
    const roles = this.roles();
    if (roles.length === 0) throw new Error('the cluster has no EndpointSlice with endpoints to change');
    const role = roles[this.#next % roles.length] as ServiceRole;
    const slice = this.#rng.pick(this.#slices.get(role) ?? []);
    const endpoints = slice.endpoints as SliceEndpoint[];
    const index = this.#rng.int(endpoints.length);
    const newIp = ipv4FromInt(NEW_IP_BASE + this.#next++);
    const service = slice.metadata.labels?.['kubernetes.io/service-name'] ?? '';
    const old = endpoints[index] as SliceEndpoint;
    const { hostname: _hostname, ...rest } = old;
    endpoints[index] = {
      ...rest,
      addresses: [newIp],
      conditions: { ready: true, serving: true, terminating: false },
      targetRef: { kind: 'Pod', namespace: slice.metadata.namespace, name: `${service}-moved-${this.#next}` },
    };
    return { role, slice, probeName: `${newIp.replaceAll('.', '-')}.${service}.${slice.metadata.namespace}.svc.${CLUSTER_ZONE}`, newIp };
  }
}

/** The slice as sent: a copy stamped with the controller's trigger-time annotation. */
export function stamped(slice: KubeObject, now: Date): KubeObject {
  const copy = structuredClone(slice);
  const annotations = { ...(copy.metadata.annotations ?? {}), 'endpoints.kubernetes.io/last-change-trigger-time': now.toISOString() };
  return { ...copy, metadata: { ...copy.metadata, annotations } };
}

/** Polls until `name A` carries `ip`; returns ms from `since`, or null after `timeoutMs`. */
export async function waitForAddress(client: DnsClient, name: string, ip: string, since: number, timeoutMs: number, pollMs: number): Promise<number | null> {
  while (performance.now() - since < timeoutMs) {
    const answer = await client.query(name, QTYPE.A, 250);
    if (answer && answer.rcode === 0 && answer.addresses.includes(ip)) return performance.now() - since;
    await sleep(pollMs);
  }
  return null;
}

export interface LatencyStats {
  readonly changes: number;
  readonly programmed: number;
  readonly timedOut: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
}

export function latencyStats(latencies: readonly (number | null)[]): LatencyStats {
  const done = latencies.filter((v): v is number => v !== null);
  return {
    changes: latencies.length,
    programmed: done.length,
    timedOut: latencies.length - done.length,
    p50Ms: percentile(done, 50),
    p99Ms: percentile(done, 99),
    maxMs: done.length > 0 ? Math.max(...done) : null,
  };
}
