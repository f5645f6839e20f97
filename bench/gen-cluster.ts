// Deterministic generator of a benchmark cluster: Namespaces, Services (ClusterIP and headless) and
// EndpointSlices shaped the way the EndpointSlice controller writes them. The same model feeds the
// manifests svcdns loads, the query files dnsperf sends and the zone Knot/NSD serve.
//
//   node bench/gen-cluster.ts --services 1000 --endpoints 10000 --out DIR [--json FILE]
//   node bench/gen-cluster.ts --scale large --out DIR
import { parseArgs } from 'node:util';
import { createRng } from './lib/prng.ts';
import type { Rng } from './lib/prng.ts';
import { CLUSTER_ZONE, ipv4FromInt, ipv4ToInt } from './lib/model.ts';
import type { ClusterModel, KubeObject, ModelEndpoint, ModelPort, ModelService, ServiceRole } from './lib/model.ts';
import { renderObjects } from './lib/render-objects.ts';
import { writeManifests } from './lib/manifests.ts';
import { writeFile } from 'node:fs/promises';

export interface ClusterOptions {
  /** Total Services, including `default/kubernetes` and `kube-system/kube-dns`. */
  readonly services: number;
  /** Total endpoints over all EndpointSlices (exact). */
  readonly endpoints: number;
  /** Share of services that are headless with `headlessSize` pods each (the `headless` mix). */
  readonly headlessFraction?: number;
  readonly headlessSize?: number;
  /** Large headless services (500 endpoints each in the 10k/150k cluster). */
  readonly largeHeadless?: number;
  readonly largeHeadlessSize?: number;
  readonly servicesPerNamespace?: number;
  /** Share of ClusterIP and large-headless endpoints that are not ready. */
  readonly unreadyFraction?: number;
  /** Max endpoints per EndpointSlice (the controller's default is 100). */
  readonly maxEndpointsPerSlice?: number;
  readonly seed?: number;
}

export interface GeneratedCluster {
  readonly options: Required<ClusterOptions>;
  readonly model: ClusterModel;
  /** Plain API objects: Namespaces, then Services, then EndpointSlices. */
  readonly objects: KubeObject[];
}

export const SCALES = {
  default: { services: 1000, endpoints: 10000 },
  large: { services: 10000, endpoints: 150000, largeHeadless: 100, largeHeadlessSize: 500 },
} as const satisfies Record<string, ClusterOptions>;

export function withDefaults(opts: ClusterOptions): Required<ClusterOptions> {
  return {
    services: opts.services,
    endpoints: opts.endpoints,
    headlessFraction: opts.headlessFraction ?? 0.1,
    headlessSize: opts.headlessSize ?? 10,
    largeHeadless: opts.largeHeadless ?? 0,
    largeHeadlessSize: opts.largeHeadlessSize ?? 500,
    servicesPerNamespace: opts.servicesPerNamespace ?? 50,
    unreadyFraction: opts.unreadyFraction ?? 0.02,
    maxEndpointsPerSlice: opts.maxEndpointsPerSlice ?? 100,
    seed: opts.seed ?? 1,
  };
}

const TEAMS = ['payments', 'search', 'identity', 'catalog', 'checkout', 'platform', 'media', 'ads', 'data', 'infra'];
const WORDS = ['api', 'web', 'cart', 'auth', 'orders', 'users', 'billing', 'inventory', 'gateway', 'profile',
  'notify', 'reports', 'pricing', 'session', 'ledger', 'shipping', 'review', 'feed', 'recommend', 'export'];
const KINDS = ['svc', 'backend', 'frontend', 'worker', 'proxy', 'grpc'];
const DATASTORES = ['postgres', 'redis', 'kafka', 'zookeeper', 'etcd', 'rabbitmq', 'cassandra', 'mongo'];

const SERVICE_CIDR_BASE = ipv4ToInt('10.96.0.0');
const POD_CIDR_BASE = ipv4ToInt('10.128.0.0');
const PODS_PER_NODE = 100;

/** Pod IPs in node-sized /24 blocks, handed out in a shuffled order so a service's pods spread over nodes. */
function podAddressPool(count: number, rng: Rng): number[] {
  const slots = Array.from({ length: count }, (_, i) => i);
  return rng.shuffle(slots);
}

function podEndpoint(slot: number, podName: string, ready: boolean, hostname: string | undefined): ModelEndpoint {
  const node = Math.floor(slot / PODS_PER_NODE);
  const ip = ipv4FromInt(POD_CIDR_BASE + node * 256 + 2 + (slot % PODS_PER_NODE));
  const base = { ip, ready, podName, nodeName: `node-${node}`, zone: `zone-${'abc'[node % 3]}` };
  return hostname === undefined ? base : { ...base, hostname };
}

function randomSuffix(rng: Rng, length: number): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[rng.int(alphabet.length)];
  return out;
}

/** Split `total` into `parts` non-negative integers around the mean, exactly summing to `total`. */
function spread(total: number, parts: number, rng: Rng): number[] {
  if (parts === 0) return [];
  const base = Math.floor(total / parts);
  const counts = Array.from({ length: parts }, (_, i) => base + (i < total % parts ? 1 : 0));
  for (let i = 0; i + 1 < parts; i += 2) {
    const move = rng.int(Math.max(1, Math.floor((counts[i] ?? 0) / 2)));
    counts[i] = (counts[i] ?? 0) - move;
    counts[i + 1] = (counts[i + 1] ?? 0) + move;
  }
  return rng.shuffle(counts);
}

interface Plan {
  readonly role: ServiceRole;
  readonly namespace: string;
  readonly name: string;
  readonly endpointCount: number;
  readonly stateful: boolean;
}

function planServices(o: Required<ClusterOptions>, namespaces: string[], rng: Rng): Plan[] {
  const headless = Math.round((o.services - 2) * o.headlessFraction);
  const clusterIP = o.services - 2 - headless - o.largeHeadless;
  const clusterIPEndpoints = o.endpoints - headless * o.headlessSize - o.largeHeadless * o.largeHeadlessSize - 1;
  if (clusterIP < 0 || clusterIPEndpoints < 0) {
    throw new Error(`--services ${o.services} / --endpoints ${o.endpoints} cannot hold the headless services asked for`);
  }
  const counts = spread(clusterIPEndpoints, clusterIP + 1, rng);
  const plans: Plan[] = [
    { role: 'clusterip', namespace: 'default', name: 'kubernetes', endpointCount: 1, stateful: false },
    { role: 'clusterip', namespace: 'kube-system', name: 'kube-dns', endpointCount: counts[0] ?? 0, stateful: false },
  ];
  const appNamespaces = namespaces.slice(2);
  let index = 0;
  const nextName = (middle: string): string => `${rng.pick(WORDS)}-${middle}-${index++}`;
  const ns = (): string => appNamespaces[index % appNamespaces.length] as string;
  for (let i = 0; i < clusterIP; i++) {
    plans.push({ role: 'clusterip', namespace: ns(), name: nextName(rng.pick(KINDS)), endpointCount: counts[i + 1] ?? 0, stateful: false });
  }
  for (let i = 0; i < headless; i++) {
    // Half are StatefulSet-like (pods carry hostnames), half Deployment-backed headless services.
    const stateful = i % 2 === 0;
    plans.push({ role: 'headless', namespace: ns(), name: nextName(rng.pick(DATASTORES)), endpointCount: o.headlessSize, stateful });
  }
  for (let i = 0; i < o.largeHeadless; i++) {
    plans.push({ role: 'large-headless', namespace: ns(), name: nextName('workers'), endpointCount: o.largeHeadlessSize, stateful: i % 4 === 0 });
  }
  return plans;
}

function portsFor(plan: Plan, rng: Rng): ModelPort[] {
  if (plan.name === 'kubernetes') return [{ name: 'https', port: 443, targetPort: 6443, protocol: 'TCP' }];
  if (plan.name === 'kube-dns') {
    return [
      { name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 53, targetPort: 53, protocol: 'TCP' },
      { name: 'metrics', port: 9153, targetPort: 9153, protocol: 'TCP' },
    ];
  }
  // Every service has `http`, so the srv mix can ask `_http._tcp` of any of them.
  const ports: ModelPort[] = [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }];
  if (plan.stateful) ports.push({ name: 'peer', port: 7000, targetPort: 7000, protocol: 'TCP' });
  else if (rng.next() < 0.3) ports.push({ name: 'grpc', port: 9090, targetPort: 9090, protocol: 'TCP' });
  if (rng.next() < 0.2) ports.push({ name: 'metrics', port: 9100, targetPort: 9100, protocol: 'TCP' });
  return ports;
}

export function generateCluster(options: ClusterOptions): GeneratedCluster {
  const o = withDefaults(options);
  const rng = createRng(o.seed);
  const appNamespaceCount = Math.max(1, Math.ceil(o.services / o.servicesPerNamespace));
  const namespaces = ['default', 'kube-system'];
  for (let i = 0; i < appNamespaceCount; i++) namespaces.push(`${rng.pick(TEAMS)}-${i}`);

  const plans = planServices(o, namespaces, rng);
  const pool = podAddressPool(o.endpoints, rng);
  let nextPod = 0;
  let nextClusterIP = 100;
  const services: ModelService[] = plans.map((plan) => {
    const ports = portsFor(plan, rng);
    const endpoints: ModelEndpoint[] = [];
    const podPrefix = `${plan.name}-${randomSuffix(rng, 9)}`;
    for (let i = 0; i < plan.endpointCount; i++) {
      const slot = pool[nextPod++] as number;
      if (plan.name === 'kubernetes') {
        endpoints.push({ ip: '10.0.0.2', ready: true, podName: 'kube-apiserver', nodeName: 'control-plane', zone: 'zone-a' });
        continue;
      }
      const mayBeUnready = plan.role !== 'headless';
      const ready = !(mayBeUnready && rng.next() < o.unreadyFraction);
      const podName = plan.stateful ? `${plan.name}-${i}` : `${podPrefix}-${randomSuffix(rng, 5)}`;
      endpoints.push(podEndpoint(slot, podName, ready, plan.stateful ? podName : undefined));
    }
    let clusterIP: string | undefined;
    if (plan.role === 'clusterip') {
      if (plan.name === 'kubernetes') clusterIP = '10.96.0.1';
      else if (plan.name === 'kube-dns') clusterIP = '10.96.0.10';
      else clusterIP = ipv4FromInt(SERVICE_CIDR_BASE + nextClusterIP++);
    }
    const base = { namespace: plan.namespace, name: plan.name, role: plan.role, ports, endpoints };
    return clusterIP === undefined ? base : { ...base, clusterIP };
  });
  const model: ClusterModel = { zone: CLUSTER_ZONE, namespaces, services };
  return { options: o, model, objects: renderObjects(model, o.maxEndpointsPerSlice, rng) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string', default: 'default' },
      services: { type: 'string' },
      endpoints: { type: 'string' },
      'large-headless': { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'string' },
    },
  });
  const preset = values.scale === 'large' ? SCALES.large : SCALES.default;
  const opts: ClusterOptions = {
    ...preset,
    ...(values.services ? { services: Number(values.services) } : {}),
    ...(values.endpoints ? { endpoints: Number(values.endpoints) } : {}),
    ...(values['large-headless'] ? { largeHeadless: Number(values['large-headless']) } : {}),
    ...(values.seed ? { seed: Number(values.seed) } : {}),
  };
  if (!values.out && !values.json) {
    console.error('usage: node bench/gen-cluster.ts [--scale default|large] [--services N --endpoints M] --out DIR [--json FILE]');
    process.exit(2);
  }
  const cluster = generateCluster(opts);
  if (values.out) {
    const files = await writeManifests(values.out, cluster.objects);
    console.log(`wrote ${cluster.objects.length} objects to ${files.length} files in ${values.out}`);
  }
  if (values.json) {
    await writeFile(values.json, JSON.stringify(cluster.objects));
    console.log(`wrote ${cluster.objects.length} objects as JSON to ${values.json}`);
  }
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
