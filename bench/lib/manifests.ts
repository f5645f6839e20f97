// Writes API objects as a few large multi-document YAML files, the way a `kubectl get -o yaml` dump
// or a GitOps directory looks, so the manifests source parses realistic input.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { KubeObject } from './model.ts';

const OBJECTS_PER_FILE = 2000;

function fileGroup(kind: string): string {
  if (kind === 'Namespace') return '00-namespaces';
  if (kind === 'Service') return '10-services';
  return '20-endpointslices';
}

/** Writes `objects` under `dir`; returns the file paths written. */
export async function writeManifests(dir: string, objects: readonly KubeObject[]): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const groups = new Map<string, KubeObject[]>();
  for (const obj of objects) {
    const group = fileGroup(obj.kind);
    const list = groups.get(group) ?? [];
    list.push(obj);
    groups.set(group, list);
  }
  const written: string[] = [];
  for (const [group, list] of groups) {
    for (let part = 0; part * OBJECTS_PER_FILE < list.length; part++) {
      const chunk = list.slice(part * OBJECTS_PER_FILE, (part + 1) * OBJECTS_PER_FILE);
      const path = join(dir, `${group}-${String(part).padStart(3, '0')}.yaml`);
      const text = chunk.map((obj) => stringify(obj, { lineWidth: 0 })).join('---\n');
      await writeFile(path, text);
      written.push(path);
    }
  }
  return written;
}
