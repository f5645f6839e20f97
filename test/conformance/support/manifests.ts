// Expectations from CoreDNS plugin/kubernetes tests, Apache-2.0, via shared/reference/conformance:
// the JSON's mock clusters turned into the real manifests `kubectl apply -f` takes (Namespace,
// Service, EndpointSlice, Pod), written to a temporary directory for the built server to serve.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Case, Fixture, FixturePort, FixtureSlice } from '../../unit/resolve/helpers/coredns-cases.js';

type Manifest = Record<string, unknown>;

interface FixtureEndpoint {
  addresses: string[];
  conditions?: { ready?: boolean };
  hostname?: string;
  zone?: string;
  targetRef?: { kind: string; name: string };
}

function ports(list: readonly FixturePort[]): Manifest[] {
  return list.map((p) => ({ ...(p.name ? { name: p.name } : {}), protocol: p.protocol.toUpperCase(), port: p.port }));
}

function namespaceManifest(name: string): Manifest {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

function serviceManifest(s: Fixture['services'][number]): Manifest {
  const metadata = { name: s.name, namespace: s.namespace };
  if (s.type === 'ExternalName') {
    return { apiVersion: 'v1', kind: 'Service', metadata, spec: { type: 'ExternalName', externalName: s.externalName, ports: ports(s.ports) } };
  }
  const ips = s.clusterIPs ?? [];
  const spec = ips[0] === 'None'
    ? { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], ports: ports(s.ports) }
    : { type: 'ClusterIP', clusterIP: ips[0], clusterIPs: ips, ports: ports(s.ports) };
  return { apiVersion: 'v1', kind: 'Service', metadata, spec };
}

function endpointManifest(e: FixtureEndpoint, addresses: string[]): Manifest {
  return {
    addresses,
    conditions: { ready: e.conditions?.ready ?? true },
    ...(e.hostname !== undefined ? { hostname: e.hostname } : {}),
    ...(e.zone !== undefined ? { zone: e.zone } : {}),
    ...(e.targetRef !== undefined ? { targetRef: e.targetRef } : {}),
  };
}

/**
 * The mock's slices may mix address families (a real cluster keeps one slice per family), so a mixed
 * slice becomes an IPv4 slice under its own name and an IPv6 slice named `<name>-ipv6`, in that order.
 */
function sliceManifests(s: FixtureSlice): Manifest[] {
  const families = [
    { type: 'IPv4', suffix: '', keep: (a: string) => !isIPv6(a) },
    { type: 'IPv6', suffix: '-ipv6', keep: (a: string) => isIPv6(a) },
  ];
  const endpoints = s.endpoints as FixtureEndpoint[];
  const present = families.filter((f) => endpoints.some((e) => e.addresses.some(f.keep)));
  const wanted = present.length === 0 ? families.slice(0, 1) : present;
  return wanted.map((family, i) => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${s.name}${i === 0 ? '' : family.suffix}`, namespace: s.namespace, labels: s.labels },
    addressType: family.type,
    ports: ports(s.ports ?? []),
    endpoints: endpoints
      .map((e) => ({ e, addresses: e.addresses.filter(family.keep) }))
      .filter(({ addresses }) => addresses.length > 0)
      .map(({ e, addresses }) => endpointManifest(e, addresses)),
  }));
}

function podManifest(p: Fixture['pods'][number] & { labels?: Record<string, string> }): Manifest {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: p.name, namespace: p.namespace, ...(p.labels ? { labels: p.labels } : {}) },
    status: { phase: 'Running', podIP: p.podIP },
  };
}

/** The namespace label of `<…>.<ns>.svc|pod.<zone>` names (lower case), for the zones given. */
function namespaceOf(qname: string, zones: readonly string[]): string | null {
  const labels = qname.toLowerCase().replace(/\.$/, '').split('.');
  for (const zone of zones) {
    const zoneLabels = zone.toLowerCase().replace(/\.$/, '').split('.');
    const rest = labels.length - zoneLabels.length;
    if (rest < 2 || labels.slice(rest).join('.') !== zoneLabels.join('.')) continue;
    const tree = labels[rest - 1];
    if (tree === 'svc' || tree === 'pod') return labels[rest - 2] ?? null;
  }
  return null;
}

/**
 * Namespaces that exist: the fixture's examples, those its objects live in and those the cases ask
 * about (the mock says every namespace exists but the listed absent ones).
 */
export function namespacesFor(fixture: Fixture, cases: readonly Case[], zones: readonly string[]): string[] {
  const names = new Set<string>(fixture.namespaces.present_examples ?? []);
  for (const s of fixture.services) names.add(s.namespace);
  for (const s of fixture.endpointSlices) names.add(s.namespace);
  for (const p of fixture.pods) names.add(p.namespace);
  for (const c of cases) {
    const ns = namespaceOf(c.qname, zones);
    if (ns !== null) names.add(ns);
  }
  for (const absent of fixture.namespaces.absent ?? []) names.delete(absent);
  return [...names].sort();
}

/** Every object of the fixture as manifests, namespaces first. */
export function fixtureManifests(fixture: Fixture, namespaces: readonly string[]): Manifest[] {
  return [
    ...namespaces.map(namespaceManifest),
    ...fixture.services.map(serviceManifest),
    ...fixture.endpointSlices.flatMap(sliceManifests),
    ...fixture.pods.map(podManifest),
  ];
}

export function toYaml(manifests: readonly Manifest[]): string {
  return manifests.map((m) => stringify(m)).join('---\n');
}

export interface ManifestDir {
  readonly path: string;
  remove(): void;
}

/** Writes `files` (name → YAML) into a fresh temporary directory. */
export function writeManifestDir(files: Record<string, string>): ManifestDir {
  const path = mkdtempSync(join(tmpdir(), 'svcdns-conformance-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(path, name), text);
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
