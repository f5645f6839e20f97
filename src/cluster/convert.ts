// Plain Kubernetes API JSON (from manifests or from the API server) into the slim records DNS needs.
// Never throws: every converter returns the record, a reason to skip the object (as CoreDNS would
// ignore it), or an error naming the field that is wrong.
import type {
  ServiceKind, ServicePort, SlimEndpoint, SlimEndpointSlice, SlimNamespace, SlimPod, SlimService,
} from './types.js';
import { canonicalIP, ipFamily } from './ip.js';

export type Converted<T> =
  | { readonly status: 'ok'; readonly value: T }
  /** Valid, but nothing DNS uses (a slice without its service label, a pod without an IP yet). */
  | { readonly status: 'skip'; readonly reason: string }
  | { readonly status: 'error'; readonly error: string };

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const TRIGGER_TIME_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time';

/** Thrown only inside this module, to unwind from deep field checks; converters catch it. */
class FieldError extends Error {}

type Obj = Readonly<Record<string, unknown>>;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function obj(value: unknown, path: string): Obj {
  if (value === undefined || value === null) return {};
  if (!isObj(value)) throw new FieldError(`${path} is not an object`);
  return value;
}

function arr(value: unknown, path: string): readonly unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new FieldError(`${path} is not a list`);
  return value;
}

function str(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new FieldError(`${path} is not a string`);
  return value;
}

function requiredStr(value: unknown, path: string): string {
  const s = str(value, path);
  if (s === undefined || s === '') throw new FieldError(`${path} is missing`);
  return s;
}

function stringMap(value: unknown, path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(value, path))) {
    // Kubernetes requires string values; YAML turns `version: 2` into a number, which kubectl rejects.
    if (typeof v !== 'string') throw new FieldError(`${path}.${k} is not a string`);
    out[k] = v;
  }
  return out;
}

function ip(value: unknown, path: string): string {
  const text = requiredStr(value, path);
  const canonical = canonicalIP(text);
  if (canonical === null) throw new FieldError(`${path} "${text}" is not an IP address`);
  return canonical;
}

function metadata(raw: Obj, namespaced: boolean): { name: string; namespace: string; meta: Obj } {
  const meta = obj(raw['metadata'], 'metadata');
  const name = requiredStr(meta['name'], 'metadata.name');
  // kubectl puts objects without a namespace into `default`; the API server always sends one.
  const namespace = namespaced ? (str(meta['namespace'], 'metadata.namespace') || 'default') : '';
  return { name, namespace, meta };
}

function port(raw: unknown, path: string, requirePort: boolean): ServicePort | null {
  const p = obj(raw, path);
  const number = p['port'];
  if (number === undefined || number === null) {
    // An EndpointSlice port without a number means "all ports"; it names no SRV target.
    if (requirePort) throw new FieldError(`${path}.port is missing`);
    return null;
  }
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 1 || number > 65535) {
    throw new FieldError(`${path}.port ${JSON.stringify(number)} is not a port number (1-65535)`);
  }
  const protocol = (str(p['protocol'], `${path}.protocol`) ?? 'TCP').toUpperCase();
  if (!['TCP', 'UDP', 'SCTP'].includes(protocol)) throw new FieldError(`${path}.protocol "${protocol}" is not TCP, UDP or SCTP`);
  return { name: str(p['name'], `${path}.name`) ?? '', port: number, protocol };
}

function convert<T>(raw: unknown, what: string, build: (o: Obj) => Converted<T>): Converted<T> {
  if (!isObj(raw)) return { status: 'error', error: `${what} is not an object` };
  try {
    return build(raw);
  } catch (err) {
    if (err instanceof FieldError) return { status: 'error', error: `${what}${describe(raw)}: ${err.message}` };
    return { status: 'error', error: `${what}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** ` ns/name` as far as the metadata allows, for error messages. */
function describe(raw: Obj): string {
  const meta = isObj(raw['metadata']) ? raw['metadata'] : {};
  const name = typeof meta['name'] === 'string' ? meta['name'] : '';
  const namespace = typeof meta['namespace'] === 'string' ? `${meta['namespace']}/` : '';
  return name ? ` ${namespace}${name}` : '';
}

const SERVICE_TYPES = new Set(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']);

export function toSlimService(raw: unknown): Converted<SlimService> {
  return convert<SlimService>(raw, 'Service', (o) => {
    const { name, namespace } = metadata(o, true);
    const spec = obj(o['spec'], 'spec');
    const type = str(spec['type'], 'spec.type') ?? 'ClusterIP';
    if (!SERVICE_TYPES.has(type)) throw new FieldError(`spec.type "${type}" is not ClusterIP, NodePort, LoadBalancer or ExternalName`);
    const ports = arr(spec['ports'], 'spec.ports').map((p, i) => port(p, `spec.ports[${i}]`, true)!);
    const hasSelector = Object.keys(obj(spec['selector'], 'spec.selector')).length > 0;
    const base = { namespace, name, ports, hasSelector };

    if (type === 'ExternalName') {
      const target = requiredStr(spec['externalName'], 'spec.externalName').toLowerCase();
      return { status: 'ok', value: { ...base, kind: 'ExternalName', clusterIPs: [], externalName: target.replace(/\.$/, '') } };
    }
    const listed = arr(spec['clusterIPs'], 'spec.clusterIPs');
    const single = str(spec['clusterIP'], 'spec.clusterIP');
    const ips: readonly unknown[] = listed.length > 0 ? listed : single ? [single] : [];
    const kind: ServiceKind = ips[0] === 'None' ? 'Headless' : 'ClusterIP';
    const clusterIPs = kind === 'Headless' ? [] : ips.map((v, i) => ip(v, `spec.clusterIPs[${i}]`));
    return { status: 'ok', value: { ...base, kind, clusterIPs } };
  });
}

const ADDRESS_TYPES = new Set(['IPv4', 'IPv6', 'FQDN']);

function endpoint(raw: unknown, path: string, addressType: SlimEndpointSlice['addressType']): SlimEndpoint {
  const e = obj(raw, path);
  const addresses = arr(e['addresses'], `${path}.addresses`).map((a, i) => {
    const where = `${path}.addresses[${i}]`;
    if (addressType === 'FQDN') return requiredStr(a, where).toLowerCase();
    const address = ip(a, where);
    if (ipFamily(address) !== (addressType === 'IPv4' ? 4 : 6)) throw new FieldError(`${where} "${address}" is not an ${addressType} address`);
    return address;
  });
  const conditions = obj(e['conditions'], `${path}.conditions`);
  const ready = conditions['ready'];
  if (ready !== undefined && ready !== null && typeof ready !== 'boolean') throw new FieldError(`${path}.conditions.ready is not true or false`);
  const targetRef = obj(e['targetRef'], `${path}.targetRef`);
  const podName = str(targetRef['kind'], `${path}.targetRef.kind`) === 'Pod' ? str(targetRef['name'], `${path}.targetRef.name`) : undefined;
  const hostname = str(e['hostname'], `${path}.hostname`);
  const nodeName = str(e['nodeName'], `${path}.nodeName`);
  const zone = str(e['zone'], `${path}.zone`);
  return {
    addresses,
    ready: ready !== false,
    ...(hostname ? { hostname } : {}),
    ...(podName ? { podName } : {}),
    ...(nodeName ? { nodeName } : {}),
    ...(zone ? { zone } : {}),
  };
}

export function toSlimEndpointSlice(raw: unknown): Converted<SlimEndpointSlice> {
  return convert<SlimEndpointSlice>(raw, 'EndpointSlice', (o) => {
    const { name, namespace, meta } = metadata(o, true);
    const serviceName = stringMap(meta['labels'], 'metadata.labels')[SERVICE_NAME_LABEL];
    if (!serviceName) return { status: 'skip', reason: `EndpointSlice ${namespace}/${name} has no ${SERVICE_NAME_LABEL} label` };
    const addressType = requiredStr(o['addressType'], 'addressType');
    if (!ADDRESS_TYPES.has(addressType)) throw new FieldError(`addressType "${addressType}" is not IPv4, IPv6 or FQDN`);
    const type = addressType as SlimEndpointSlice['addressType'];
    const ports = o['ports'] === undefined || o['ports'] === null ? null
      : arr(o['ports'], 'ports').map((p, i) => port(p, `ports[${i}]`, false)).filter((p): p is ServicePort => p !== null);
    const endpoints = arr(o['endpoints'], 'endpoints').map((e, i) => endpoint(e, `endpoints[${i}]`, type));
    const triggerText = stringMap(meta['annotations'], 'metadata.annotations')[TRIGGER_TIME_ANNOTATION];
    const triggerTime = triggerText ? Date.parse(triggerText) : NaN;
    return {
      status: 'ok',
      value: { namespace, name, serviceName, addressType: type, ports, endpoints, ...(Number.isFinite(triggerTime) ? { triggerTime } : {}) },
    };
  });
}

export function toSlimNamespace(raw: unknown): Converted<SlimNamespace> {
  return convert(raw, 'Namespace', (o) => {
    const { name, meta } = metadata(o, false);
    return { status: 'ok', value: { name, labels: stringMap(meta['labels'], 'metadata.labels') } };
  });
}

const INACTIVE_PHASES = new Set(['Succeeded', 'Failed', 'Unknown']);

export function toSlimPod(raw: unknown): Converted<SlimPod> {
  return convert(raw, 'Pod', (o) => {
    const { name, namespace } = metadata(o, true);
    const status = obj(o['status'], 'status');
    const podIPText = str(status['podIP'], 'status.podIP');
    if (!podIPText) return { status: 'skip', reason: `Pod ${namespace}/${name} has no IP yet` };
    const podIP = ip(podIPText, 'status.podIP');
    const phase = str(status['phase'], 'status.phase') ?? 'Running';
    return { status: 'ok', value: { namespace, name, podIP, active: !INACTIVE_PHASES.has(phase) } };
  });
}
