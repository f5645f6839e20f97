// Reads YAML/JSON manifests (files or directories, multi-document, `kind: List`) as the fake's initial state.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { resourceInfo } from './resources.js';
import type { KubeObject } from './types.js';

export interface ManifestLoad {
  objects: KubeObject[];
  /** `file: kind/name` of documents whose kind the fake does not serve. */
  skipped: string[];
}

export type ManifestResult = { ok: true; value: ManifestLoad } | { ok: false; error: string };

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

export function readManifests(paths: readonly string[]): ManifestResult {
  const load: ManifestLoad = { objects: [], skipped: [] };
  for (const path of paths) {
    let files: string[];
    try {
      files = statSync(path).isDirectory()
        ? readdirSync(path).filter((f) => MANIFEST_FILE.test(f)).sort().map((f) => join(path, f))
        : [path];
    } catch (err) {
      return { ok: false, error: `${path}: ${(err as Error).message}` };
    }
    for (const file of files) {
      const result = readManifestFile(file, load);
      if (result !== undefined) return { ok: false, error: result };
    }
  }
  return { ok: true, value: load };
}

function readManifestFile(file: string, into: ManifestLoad): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return `${file}: ${(err as Error).message}`;
  }
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) return `${file}: ${doc.errors[0]?.message ?? 'invalid YAML'}`;
    collect(doc.toJS() as unknown, file, into);
  }
  return undefined;
}

function collect(value: unknown, file: string, into: ManifestLoad): void {
  if (value === null || typeof value !== 'object') return;
  const obj = value as Record<string, unknown>;
  if (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items)) {
    for (const item of obj.items) collect(item, file, into);
    return;
  }
  const metadata = obj.metadata as Record<string, unknown> | undefined;
  const label = `${file}: ${String(obj.kind)}/${String(metadata?.name)}`;
  if (typeof obj.kind !== 'string' || resourceInfo(obj.kind) === undefined || metadata === null || typeof metadata !== 'object') {
    into.skipped.push(label);
    return;
  }
  into.objects.push(obj as KubeObject);
}
