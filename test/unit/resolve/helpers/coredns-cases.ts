// Expectations from CoreDNS plugin/kubernetes tests, Apache-2.0, via shared/reference/conformance.
// Builds the JSON's fixture clusters as slim objects in a ZoneIndex, a ClusterResolver configured
// like each suite, and compares answers the way CoreDNS's tests do (sections as multisets).
import { readFileSync } from 'node:fs';
import type {
  ClusterObject, ObjectKind, ServiceKind, ServicePort, SlimEndpointSlice, SlimService,
} from '../../../../src/cluster/types.js';
import { Rcode, RRClass, RRType, type Answer, type Question, type ResourceRecord, type UpstreamLookup } from '../../../../src/resolve/message.js';
import { ClusterResolver, type PodMode, type ResolverOptions } from '../../../../src/resolve/resolver.js';
import { ZoneIndex } from '../../../../src/zone/index.js';

export interface FixturePort { name?: string; protocol: string; port: number }
export interface FixtureService {
  namespace: string; name: string; type: string; clusterIPs?: string[]; ports: FixturePort[]; externalName?: string;
}
export interface FixtureSlice {
  namespace: string; name: string; labels: Record<string, string>; ports: FixturePort[] | null;
  endpoints: { addresses: string[]; conditions?: { ready?: boolean }; hostname?: string; zone?: string }[];
}
export interface Fixture {
  namespaces: { rule: string; absent?: string[]; present_examples?: string[] };
  services: FixtureService[];
  endpointSlices: FixtureSlice[];
  pods: { namespace: string; name: string; podIP: string }[];
}
export interface SuiteConfig {
  zones: string[]; ttl: number; pods: PodMode; namespaces: string[]; fallthrough: string[] | null;
  ignore_empty_service: boolean; endpoint_pod_names: boolean; noendpoints: boolean; synced: boolean;
  local_ips?: string[]; zonal?: boolean;
}
export interface Suite { id: string; fixture: string; config: SuiteConfig }
export interface ExpectedRecord {
  name: string; type: string; ttl: number | string; rdata: Record<string, unknown>;
}
export interface Case {
  id: string; suite: string; qname: string; qtype: string; rcode: string;
  answer: ExpectedRecord[]; ns: ExpectedRecord[]; extra: ExpectedRecord[]; truncated?: boolean;
  upstream_lookup?: { answer: ExpectedRecord[]; truncated?: boolean };
}
export interface CaseFile {
  fixture: Record<string, Fixture>;
  suites: Suite[];
  cases: Case[];
  endpoint_hostname_cases: {
    cases: { ip: string; hostname: string | null; targetRefPodName: string | null; endpoint_pod_names: boolean; expected: string }[];
  };
  zone_transfer: {
    fixture: string; ordered: boolean;
    config: { zones: string[]; namespaces: string[]; local_ips: string[]; ttl: number };
    records: (ExpectedRecord & { literal?: string })[];
  };
  parse_cases: {
    valid: { query: string; zone: string; multicluster: boolean; zonal: boolean; parsed: Record<string, string> }[];
    invalid_without_options: string[];
    invalid_even_with_zonal: { query: string; multicluster: boolean }[];
  };
}

export function loadCaseFile(): CaseFile {
  const url = new URL('../fixtures/coredns-unit-cases.json', import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as CaseFile;
}

const stripDot = (name: string): string => name.replace(/\.$/, '');

function slimPorts(ports: readonly FixturePort[]): ServicePort[] {
  return ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol.toUpperCase() }));
}

export function slimService(s: FixtureService): SlimService {
  const headless = s.clusterIPs?.[0] === 'None';
  const kind: ServiceKind = s.type === 'ExternalName' ? 'ExternalName' : headless ? 'Headless' : 'ClusterIP';
  return {
    namespace: s.namespace,
    name: s.name,
    kind,
    clusterIPs: kind === 'ClusterIP' ? (s.clusterIPs ?? []) : [],
    ...(s.externalName !== undefined ? { externalName: stripDot(s.externalName.toLowerCase()) } : {}),
    ports: slimPorts(s.ports),
    hasSelector: kind !== 'ExternalName',
  };
}

export function slimSlice(s: FixtureSlice): SlimEndpointSlice {
  const addresses = s.endpoints.flatMap((e) => e.addresses);
  return {
    namespace: s.namespace,
    name: s.name,
    serviceName: s.labels['kubernetes.io/service-name'] ?? '',
    // The mock mixes families in one slice; the index takes each address's family from the address.
    addressType: addresses.every((a) => a.includes(':')) && addresses.length > 0 ? 'IPv6' : 'IPv4',
    ports: s.ports === null || s.ports.length === 0 ? null : slimPorts(s.ports),
    endpoints: s.endpoints.map((e) => ({
      addresses: e.addresses,
      ready: e.conditions?.ready ?? true,
      ...(e.hostname !== undefined ? { hostname: e.hostname } : {}),
      ...(e.zone !== undefined ? { zone: e.zone } : {}),
    })),
  };
}

/** Namespaces that exist: the examples plus every namespace an object lives in, minus the absent ones. */
export function fixtureNamespaces(fixture: Fixture): string[] {
  const names = new Set<string>(fixture.namespaces.present_examples ?? []);
  for (const s of fixture.services) names.add(s.namespace);
  for (const s of fixture.endpointSlices) names.add(s.namespace);
  for (const p of fixture.pods) names.add(p.namespace);
  for (const absent of fixture.namespaces.absent ?? []) names.delete(absent);
  return [...names];
}

export function buildIndex(fixture: Fixture, config: SuiteConfig): ZoneIndex {
  const kinds: ObjectKind[] = ['service', 'endpointslice', 'namespace'];
  if (config.pods === 'verified') kinds.push('pod');
  const index = new ZoneIndex({ endpointPodNames: config.endpoint_pod_names, requiredKinds: kinds, now: () => 1_700_000_000_000 });
  const objects: ClusterObject[] = [
    ...fixtureNamespaces(fixture).map((name): ClusterObject => ({ kind: 'namespace', obj: { name, labels: {} } })),
    ...fixture.services.map((s): ClusterObject => ({ kind: 'service', obj: slimService(s) })),
    ...(config.noendpoints ? [] : fixture.endpointSlices.map((s): ClusterObject => ({ kind: 'endpointslice', obj: slimSlice(s) }))),
    ...(config.pods === 'verified'
      ? fixture.pods.map((p): ClusterObject => ({ kind: 'pod', obj: { namespace: p.namespace, name: p.name, podIP: p.podIP, active: true } }))
      : []),
  ];
  for (const object of objects) index.upsert(object);
  if (config.synced) for (const kind of kinds) index.markSynced(kind);
  return index;
}

export function toResourceRecord(r: ExpectedRecord): ResourceRecord {
  const name = stripDot(r.name);
  const ttl = typeof r.ttl === 'number' ? r.ttl : 0;
  switch (r.type) {
    case 'A': return { name, ttl, data: { type: RRType.A, address: String(r.rdata.address) } };
    case 'AAAA': return { name, ttl, data: { type: RRType.AAAA, address: String(r.rdata.address) } };
    case 'CNAME': return { name, ttl, data: { type: RRType.CNAME, target: stripDot(String(r.rdata.target)) } };
    default: throw new Error(`upstream stub cannot hold ${r.type}`);
  }
}

/** Upstream stub answering, per name, the case's upstream records owned by that name. */
export function upstreamFor(c: Case): UpstreamLookup | undefined {
  const stub = c.upstream_lookup;
  if (stub === undefined) return undefined;
  return {
    lookup: async (name) => ({
      rcode: Rcode.NOERROR,
      records: stub.answer.filter((r) => stripDot(r.name) === name).map(toResourceRecord),
      truncated: stub.truncated ?? false,
    }),
  };
}

export function resolverOptions(config: SuiteConfig, upstream?: UpstreamLookup): ResolverOptions {
  return {
    zones: config.zones.map(stripDot),
    ttl: config.ttl,
    pods: config.pods,
    namespaces: config.namespaces,
    ignoreEmptyService: config.ignore_empty_service,
    noEndpoints: config.noendpoints,
    fallthrough: config.fallthrough?.map(stripDot) ?? null,
    nsAddresses: config.local_ips ?? [],
    zonal: config.zonal ?? false,
    ...(upstream !== undefined ? { upstream } : {}),
  };
}

export function question(qname: string, qtype: string | number): Question {
  const labels = stripDot(qname).split('.').filter((l) => l !== '');
  const type = typeof qtype === 'number' ? qtype : (RRType as Record<string, number>)[qtype];
  if (type === undefined) throw new Error(`unknown type ${String(qtype)}`);
  return { labels, lower: labels.map((l) => l.toLowerCase()), type, class: RRClass.IN };
}

export const CLIENT = { address: '127.0.0.1', port: 5353, transport: 'udp' } as const;

const TYPE_NAMES = new Map(Object.entries(RRType).map(([name, value]) => [value as number, name]));

/** A record as comparable text: owner, TTL (omitted when `*`), type and the fields CoreDNS compares. */
function expectedText(r: ExpectedRecord): string {
  const d = r.rdata;
  const ttl = r.ttl === '*' ? '*' : String(r.ttl);
  const head = `${stripDot(r.name)} ${ttl} ${r.type}`;
  switch (r.type) {
    case 'A': case 'AAAA': return `${head} ${String(d.address)}`;
    case 'CNAME': return `${head} ${stripDot(String(d.target))}`;
    case 'PTR': return `${head} ${stripDot(String(d.ptr))}`;
    case 'NS': return `${head} ${stripDot(String(d.ns))}`;
    case 'TXT': return `${head} ${(d.txt as string[]).join(' ')}`;
    case 'SRV': return `${head} ${String(d.priority)} ${String(d.weight)} ${String(d.port)} ${stripDot(String(d.target))}`;
    case 'SOA':
      return `${head} ${stripDot(String(d.mname))} ${stripDot(String(d.rname))} ${String(d.refresh)} ${String(d.retry)} ${String(d.expire)} ${String(d.minimum)}`;
    default: return `${head} ?`;
  }
}

export function actualText(r: ResourceRecord, wildcardTtl: boolean): string {
  const d = r.data;
  const head = `${r.name} ${wildcardTtl ? '*' : String(r.ttl)} ${TYPE_NAMES.get(d.type) ?? String(d.type)}`;
  if ('address' in d) return `${head} ${d.address}`;
  if ('priority' in d) return `${head} ${d.priority} ${d.weight} ${d.port} ${d.target}`;
  if ('target' in d) return `${head} ${d.target}`;
  if ('strings' in d) return `${head} ${d.strings.join(' ')}`;
  if ('mname' in d) return `${head} ${d.mname} ${d.rname} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}`;
  return `${head} ?`;
}

function sectionMismatch(label: string, expected: readonly ExpectedRecord[], actual: readonly ResourceRecord[]): string[] {
  const want = expected.map(expectedText).sort();
  // TTL `*` marks a record from elsewhere (an upstream): its TTL is not compared.
  const wildcard = (rr: ResourceRecord): boolean =>
    expected.some((e) => e.ttl === '*' && stripDot(e.name) === rr.name && e.type === TYPE_NAMES.get(rr.data.type));
  const got = actual.map((rr) => actualText(rr, wildcard(rr))).sort();
  return JSON.stringify(want) === JSON.stringify(got) ? [] : [`${label}: expected ${JSON.stringify(want)} got ${JSON.stringify(got)}`];
}

/** Every difference between a case's expectation and an answer (empty = pass). */
export function mismatches(c: Case, answer: Answer | null): string[] {
  if (answer === null) return ['resolver returned null (not ours to answer)'];
  const problems: string[] = [];
  const rcode = Object.entries(Rcode).find(([, v]) => v === answer.rcode)?.[0];
  if (rcode !== c.rcode) problems.push(`rcode: expected ${c.rcode} got ${String(rcode)}`);
  problems.push(...sectionMismatch('answer', c.answer, answer.answer));
  problems.push(...sectionMismatch('authority', c.ns, answer.authority));
  problems.push(...sectionMismatch('additional', c.extra, answer.additional));
  if (c.truncated !== undefined && c.truncated !== (answer.truncated ?? false)) {
    problems.push(`truncated: expected ${String(c.truncated)}`);
  }
  // A CNAME must come before the records of the name it points to.
  answer.answer.forEach((rr, i) => {
    if (rr.data.type !== RRType.CNAME || !('target' in rr.data)) return;
    const target = rr.data.target;
    const before = answer.answer.slice(0, i).some((other) => other.name.toLowerCase() === target.toLowerCase());
    if (before) problems.push(`CNAME to ${target} comes after its target`);
  });
  return problems;
}

export function resolverForCase(file: CaseFile, c: Case): { index: ZoneIndex; resolver: ClusterResolver } {
  const suite = file.suites.find((s) => s.id === c.suite);
  if (suite === undefined) throw new Error(`no suite ${c.suite}`);
  const fixture = file.fixture[suite.fixture];
  if (fixture === undefined) throw new Error(`no fixture ${suite.fixture}`);
  const index = buildIndex(fixture, suite.config);
  return { index, resolver: new ClusterResolver(index, resolverOptions(suite.config, upstreamFor(c))) };
}
