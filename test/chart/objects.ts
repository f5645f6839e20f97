// Typed views of the rendered objects the chart tests look into.
import type { IDaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import type { IService } from 'kubernetes-models/v1/Service';
import { parse } from 'yaml';
import { findAll, findOne, type Manifest } from './render.js';

export interface Workload {
  kind: 'Deployment' | 'DaemonSet';
  name: string;
  template: IPodTemplateSpec;
}

/** The one Deployment or DaemonSet running svcdns. */
export function workload(manifests: readonly Manifest[]): Workload {
  const found = [...findAll(manifests, 'Deployment'), ...findAll(manifests, 'DaemonSet')];
  if (found.length !== 1) throw new Error(`expected one Deployment or DaemonSet, found ${found.length}`);
  const object = found[0] as IDeployment | IDaemonSet;
  const template = object.spec?.template;
  if (!template) throw new Error(`${object.kind} has no pod template`);
  return { kind: object.kind, name: object.metadata?.name ?? '', template };
}

export function svcdnsContainer(manifests: readonly Manifest[]): IContainer {
  const container = workload(manifests).template.spec?.containers.find((c) => c.name === 'svcdns');
  if (!container) throw new Error('no svcdns container');
  return container;
}

export function containerPort(container: IContainer, name: string): { port: number; protocol: string } {
  const port = container.ports?.find((p) => p.name === name);
  if (!port) throw new Error(`container has no port named ${name}`);
  return { port: port.containerPort, protocol: port.protocol ?? 'TCP' };
}

/** The DNS Service (the chart's only Service). */
export function dnsService(manifests: readonly Manifest[]): IService {
  return findOne<IService>(manifests, 'Service');
}

export interface ConfigFile {
  text: string;
  values: Record<string, unknown>;
}

/** The svcdns config file as the ConfigMap carries it. */
export function configFile(manifests: readonly Manifest[]): ConfigFile {
  const text = findOne<IConfigMap>(manifests, 'ConfigMap').data?.['config.yaml'];
  if (text === undefined) throw new Error('ConfigMap has no config.yaml');
  return { text, values: parse(text) as Record<string, unknown> };
}

/** A server duration ("500ms", "5s", "1m30s", or bare seconds) in seconds. */
export function durationSeconds(value: unknown): number {
  const text = String(value);
  if (/^\d+$/.test(text)) return Number(text);
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)(ms|s|m|h)/g)) total += Number(amount) * (units[unit ?? 's'] ?? 1);
  return total;
}

/** Whether every key/value of a selector appears in the labels. */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

/** "group/resource" for every resource the ClusterRole grants, and each rule's verbs. */
export function grants(manifests: readonly Manifest[]): { resources: string[]; verbs: string[][] } {
  const rules = findOne<IClusterRole>(manifests, 'ClusterRole').rules ?? [];
  const resources = rules.flatMap((r) => (r.apiGroups ?? []).flatMap((g) => (r.resources ?? []).map((res) => `${g}/${res}`)));
  return { resources: resources.sort(), verbs: rules.map((r) => [...r.verbs].sort()) };
}
