// Renders the chart with `helm template`, parses the manifests and checks them against the
// Kubernetes OpenAPI schemas that kubernetes-models ships.
import { parseAllDocuments } from 'yaml';
import { chartDir, type Helm } from './helm.js';

export const releaseName = 'svcdns';
export const releaseNamespace = 'kube-system';
/** The oldest Kubernetes the chart supports (Chart.yaml kubeVersion). */
export const kubeVersion = '1.25.0';

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface RenderOptions {
  values?: object;
  apiVersions?: readonly string[];
}

export class HelmFailure extends Error {
  constructor(readonly args: readonly string[], readonly stderr: string) {
    super(`helm ${args.join(' ')} failed:\n${stderr}`);
  }
}

export function templateArgs(helm: Helm, options: RenderOptions = {}): string[] {
  const args = ['template', releaseName, chartDir, '--namespace', releaseNamespace, '--kube-version', kubeVersion];
  for (const api of options.apiVersions ?? []) args.push('--api-versions', api);
  if (options.values) args.push('-f', helm.valuesFile(options.values));
  return args;
}

export function parseManifests(text: string): Manifest[] {
  const manifests: Manifest[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors[0]?.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    const m = value as Partial<Manifest>;
    if (typeof m.apiVersion !== 'string' || typeof m.kind !== 'string' || typeof m.metadata?.name !== 'string') {
      throw new Error(`rendered document without apiVersion/kind/metadata.name: ${JSON.stringify(value).slice(0, 200)}`);
    }
    manifests.push(m as Manifest);
  }
  return manifests;
}

/** Renders the chart, throwing HelmFailure with helm's message when it refuses. */
export async function render(helm: Helm, options: RenderOptions = {}): Promise<Manifest[]> {
  const args = templateArgs(helm, options);
  const result = await helm.run(args);
  if (result.code !== 0) throw new HelmFailure(args, result.stderr);
  return parseManifests(result.stdout);
}

/** API versions the chart may emit; kubernetes-models also models removed ones, so pin them here. */
export const allowedApiVersions: ReadonlySet<string> = new Set([
  'v1',
  'apps/v1',
  'rbac.authorization.k8s.io/v1',
  'policy/v1',
  'autoscaling/v2',
  'monitoring.coreos.com/v1',
]);

/** Custom resources have no model in kubernetes-models; their tests assert their shape directly. */
export const customResourceKinds: ReadonlySet<string> = new Set(['monitoring.coreos.com/v1/ServiceMonitor']);

type Validatable = new (data: unknown) => { validate(): void };

function modelModulePath(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? `kubernetes-models/${apiVersion}` : `kubernetes-models/${apiVersion.slice(0, slash)}/${apiVersion.slice(slash + 1)}`;
}

/** Validates one manifest against its schema; returns the problem, or null when it is valid. */
export async function schemaProblem(manifest: Manifest): Promise<string | null> {
  const id = `${manifest.apiVersion} ${manifest.kind} ${manifest.metadata.name}`;
  if (!allowedApiVersions.has(manifest.apiVersion)) return `${id}: API version not allowed`;
  if (customResourceKinds.has(`${manifest.apiVersion}/${manifest.kind}`)) return null;
  let module: Record<string, unknown>;
  try {
    module = (await import(modelModulePath(manifest.apiVersion))) as Record<string, unknown>;
  } catch {
    return `${id}: no schema for this API version`;
  }
  const model = module[manifest.kind];
  if (typeof model !== 'function') return `${id}: no schema for this kind`;
  try {
    new (model as Validatable)(manifest).validate();
    return null;
  } catch (error) {
    return `${id}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

export async function schemaProblems(manifests: readonly Manifest[]): Promise<string[]> {
  const problems = await Promise.all(manifests.map(schemaProblem));
  return problems.filter((p): p is string => p !== null);
}

export function findAll(manifests: readonly Manifest[], kind: string): Manifest[] {
  return manifests.filter((m) => m.kind === kind);
}

/** The single manifest of a kind, typed as the caller's model interface. */
export function findOne<T>(manifests: readonly Manifest[], kind: string): T {
  const found = findAll(manifests, kind);
  if (found.length !== 1) throw new Error(`expected exactly one ${kind}, found ${found.length}`);
  return found[0] as T;
}
