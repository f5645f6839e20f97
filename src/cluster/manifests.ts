// The manifests cluster source: serves the objects in a YAML/JSON file or directory and re-reads them
// when they change. fs.watch gives quick reloads; a slow poll of file times and sizes covers the
// filesystems where fs.watch stays silent (network mounts, some container overlays). A bad manifest
// is logged with its file and document number, and the last good state keeps serving: a half-applied
// edit would be worse than a stale one.
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { basename, dirname } from 'node:path';
import type { Logger } from '../logger.js';
import type { ClusterSink, ClusterSource, SourceStatus } from './source.js';
import type { ObjectKind } from './types.js';
import { listingSignature, listManifestFiles, readManifestFiles } from './manifest-files.js';
import { parseManifests, type ManifestFile } from './manifest-parse.js';

export interface ManifestSourceOptions {
  /** A manifest file or a directory of them. */
  readonly path: string;
  readonly logger: Logger;
  /** Kinds to deliver; pods only when a mode needs them. Default: services, slices, namespaces. */
  readonly kinds?: readonly ObjectKind[];
  /** Quiet time after a change notification before re-reading (editors write in several steps). */
  readonly debounceMs?: number;
  /** Interval of the fallback poll; 0 disables it. */
  readonly pollMs?: number;
  /** Use fs.watch for quick reloads (default true); the poll runs either way. */
  readonly watch?: boolean;
  /** Run after each load that was applied, to give its garbage back (src/heap.ts); null or absent: never. */
  readonly compactHeap?: (() => void) | null;
}

export class ManifestSource implements ClusterSource {
  readonly kinds: readonly ObjectKind[];
  private readonly path: string;
  private readonly log: Logger;
  private readonly debounceMs: number;
  private readonly pollMs: number;
  private readonly useWatch: boolean;
  private readonly compactHeap: (() => void) | null;
  private sink: ClusterSink | null = null;
  private watcher: FSWatcher | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private debounceTimer: NodeJS.Timeout | null = null;
  private compaction: NodeJS.Immediate | null = null;
  private running: Promise<void> | null = null;
  private again: 'no' | 'poll' | 'force' = 'no';
  private stopped = false;
  private lastSignature: string | null = null;
  /** Hash of the file contents last applied, and of the last contents that failed to parse. */
  private appliedContent: string | null = null;
  private rejectedContent: string | null = null;
  private lastError: string | null = null;
  private synced = false;
  private connected = false;
  private detail = 'not read yet';

  constructor(options: ManifestSourceOptions) {
    this.path = options.path;
    this.log = options.logger.child({ source: 'manifests' });
    this.kinds = options.kinds ?? ['service', 'endpointslice', 'namespace'];
    this.debounceMs = options.debounceMs ?? 100;
    this.pollMs = options.pollMs ?? 2000;
    this.useWatch = options.watch ?? true;
    this.compactHeap = options.compactHeap ?? null;
  }

  async start(sink: ClusterSink): Promise<void> {
    this.sink = sink;
    await this.reload(true);
    if (this.stopped) return;
    if (this.useWatch) await this.startWatching();
    if (this.pollMs > 0) {
      this.pollTimer = setInterval(() => void this.reload(false), this.pollMs);
      this.pollTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watcher?.close();
    this.watcher = null;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.debounceTimer) clearTimeout(this.debounceTimer);
    if (this.compaction) clearImmediate(this.compaction);
    await this.running;
  }

  status(): SourceStatus {
    return { name: 'manifests', synced: this.synced, connected: this.connected, detail: this.detail };
  }

  private async startWatching(): Promise<void> {
    try {
      const isDir = (await stat(this.path)).isDirectory();
      // A single file is watched through its directory: editors replace files by renaming over them,
      // which ends a watch on the file itself.
      const target = isDir ? this.path : dirname(this.path);
      const name = basename(this.path);
      this.watcher = watch(target, { recursive: isDir, persistent: false }, (_event, file) => {
        if (isDir || file === null || file === name) this.scheduleReload();
      });
      this.watcher.on('error', (err) => {
        this.log.debug({ err: err.message }, 'file watch failed; polling continues');
        this.watcher?.close();
        this.watcher = null;
      });
    } catch (err) {
      this.log.debug({ err: err instanceof Error ? err.message : String(err) }, 'cannot watch manifests; polling only');
    }
  }

  private scheduleReload(): void {
    if (this.stopped) return;
    if (this.debounceTimer) clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => void this.reload(true), this.debounceMs);
    this.debounceTimer.unref();
  }

  /** One re-read at a time; a request during a read runs once more after it. `force` skips the stat shortcut. */
  private reload(force: boolean): Promise<void> {
    if (this.running) {
      if (force || this.again === 'no') this.again = force ? 'force' : 'poll';
      return this.running;
    }
    this.running = (async () => {
      try {
        await this.readOnce(force);
      } catch (err) {
        // Nothing in a read should throw; if it does, keep serving and say so.
        this.fail(`unexpected error reading manifests: ${err instanceof Error ? err.message : String(err)}`);
      }
      this.running = null;
      const next = this.again;
      this.again = 'no';
      if (next !== 'no' && !this.stopped) await this.reload(next === 'force');
    })();
    return this.running;
  }

  private async readOnce(force: boolean): Promise<void> {
    const listing = await listManifestFiles(this.path);
    if (this.stopped) return;
    if (!listing.ok) return this.fail(listing.error);
    const signature = listingSignature(listing.files);
    if (!force && signature === this.lastSignature) return;
    this.lastSignature = signature;

    const read = await readManifestFiles(listing.files);
    if (this.stopped) return;
    if (!read.ok) {
      this.lastSignature = null; // a file vanished between listing and reading: look again next poll
      return this.fail(read.error);
    }
    const content = contentHash(read.files);
    if (content === this.appliedContent) return this.recovered();
    if (content === this.rejectedContent) return;
    this.apply(read.files, content);
  }

  /** The files are back to what is being served (a bad edit reverted, a mount readable again). */
  private recovered(): void {
    if (this.connected) return;
    this.connected = true;
    this.lastError = null;
    this.detail = 'serving the last good manifests';
    this.log.info({ path: this.path }, 'manifests readable again; unchanged from what is served');
  }

  private apply(files: readonly ManifestFile[], content: string): void {
    const outcome = parseManifests(files);
    if (!outcome.ok) {
      this.rejectedContent = content;
      return this.fail(outcome.error);
    }
    this.appliedContent = content;
    this.rejectedContent = null;
    const { objects, notes, warnings } = outcome.set;
    for (const note of notes) this.log.debug(note);
    for (const warning of warnings) this.log.warn(warning);
    if (files.length === 0) this.log.warn({ path: this.path }, 'no manifest files (*.yaml, *.yml, *.json) found');

    const sink = this.sink!;
    for (const kind of this.kinds) sink.replace(kind, objects.get(kind) ?? []);
    if (!this.synced) {
      for (const kind of this.kinds) sink.markSynced(kind);
      this.synced = true;
    }
    const counts = Object.fromEntries(this.kinds.map((k) => [k, objects.get(k)?.length ?? 0]));
    this.connected = true;
    this.lastError = null;
    this.detail = `${files.length} files`;
    this.log.info({ path: this.path, files: files.length, ...counts }, 'manifests loaded');
    // Not now: the file texts and the parse result are still referenced from this call and the reload
    // that made it, so a collection here could not free them (at 150,000 endpoints, some 80 MB of
    // the heap stayed until a later full collection, which under steady query load never came).
    if (this.compactHeap !== null && this.compaction === null) this.compaction = setImmediate(() => this.compact());
  }

  private compact(): void {
    this.compaction = null;
    if (this.compactHeap === null || this.stopped) return;
    try {
      this.compactHeap();
    } catch (err) {
      this.log.warn({ err }, 'could not compact the heap after loading the manifests');
    }
  }

  private fail(error: string): void {
    this.connected = false;
    this.detail = error;
    // The poll would repeat the same complaint every interval; say it once per distinct error.
    if (error === this.lastError) return;
    this.lastError = error;
    this.log.error({ error, path: this.path }, this.synced
      ? 'bad manifest: not applied, the last good state keeps serving'
      : 'bad manifest: nothing served until it is fixed');
  }
}

function contentHash(files: readonly ManifestFile[]): string {
  const hash = createHash('sha256');
  for (const f of files) hash.update(f.name).update('\0').update(f.text).update('\0');
  return hash.digest('hex');
}
