// Finding and reading the manifest files under a path: a single file, or every *.yaml, *.yml and
// *.json below a directory, in a stable sorted order. Hidden entries are skipped, which also keeps the
// `..data` links of a mounted ConfigMap from being read twice.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import type { ManifestFile } from './manifest-parse.js';

const EXTENSIONS = ['.yaml', '.yml', '.json'];
const MAX_DEPTH = 32;

export interface FoundFile {
  readonly path: string;
  /** Relative to the root directory, '/'-separated; the base name when the root is a file. */
  readonly name: string;
  readonly mtimeMs: number;
  readonly size: number;
}

export type Listing = { readonly ok: true; readonly files: readonly FoundFile[] } | { readonly ok: false; readonly error: string };

function isManifestName(name: string): boolean {
  return !name.startsWith('.') && EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext));
}

async function walk(root: string, dir: string, depth: number, out: FoundFile[]): Promise<void> {
  if (depth > MAX_DEPTH) return;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    // Follow symbolic links (ConfigMap mounts are made of them); a dangling one is skipped.
    const info = entry.isSymbolicLink() ? await stat(path).catch(() => null) : await stat(path);
    if (!info) continue;
    if (info.isDirectory()) await walk(root, path, depth + 1, out);
    else if (info.isFile() && isManifestName(entry.name)) {
      out.push({ path, name: relative(root, path).split(sep).join('/'), mtimeMs: info.mtimeMs, size: info.size });
    }
  }
}

export async function listManifestFiles(root: string): Promise<Listing> {
  try {
    const info = await stat(root);
    if (info.isFile()) return { ok: true, files: [{ path: root, name: basename(root), mtimeMs: info.mtimeMs, size: info.size }] };
    const files: FoundFile[] = [];
    await walk(root, root, 0, files);
    files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { ok: true, files };
  } catch (err) {
    return { ok: false, error: `cannot read ${root}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Cheap change detection for polling: names, times and sizes. */
export function listingSignature(files: readonly FoundFile[]): string {
  return files.map((f) => `${f.name}\0${f.mtimeMs}\0${f.size}`).join('\n');
}

export async function readManifestFiles(files: readonly FoundFile[]): Promise<{ ok: true; files: ManifestFile[] } | { ok: false; error: string }> {
  try {
    const texts = await Promise.all(files.map((f) => readFile(f.path, 'utf8')));
    return { ok: true, files: files.map((f, i) => ({ name: f.name, text: texts[i]! })) };
  } catch (err) {
    return { ok: false, error: `cannot read manifests: ${err instanceof Error ? err.message : String(err)}` };
  }
}
