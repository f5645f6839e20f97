// What one resource has delivered to the sink: every key held with the resourceVersion it was applied
// at. Turning a raw object into an upsert or a removal happens here, so that a list, a relist and a
// watch event all follow the same rules, and a sink that throws never breaks the loop feeding it.
import type { Logger } from '../../logger.js';
import type { ClusterSink } from '../source.js';
import type { ClusterObject } from '../types.js';
import { keyOf, namespaceOf, rawIdentity, rawResourceVersion, type ResourceSpec } from './resources.js';

export interface HeldHooks {
  /** Whether objects of this namespace are exposed (--namespaces, --namespace-labels). */
  accepts(namespace: string): boolean;
  /** A key started (true) or stopped (false) being held; only once `announce` is on. */
  onHeldChange?(key: string, held: boolean): void;
}

/** One list in progress, fed page by page. */
export interface ListApplication {
  add(raw: unknown): void;
  /** The list is complete: apply what is pending, and remove what was held but not listed. */
  finish(): void;
}

export class HeldObjects {
  /** Key → resourceVersion of every object delivered to the sink. */
  private readonly held = new Map<string, string>();
  /** Report holds and drops to onHeldChange (after the first sync: the first list is not a change). */
  announce = false;
  /** Objects that did not convert (logged and skipped). */
  rejected = 0;

  constructor(
    private readonly spec: ResourceSpec,
    private readonly sink: ClusterSink,
    private readonly hooks: HeldHooks,
    private readonly log: Logger,
  ) {}

  get size(): number {
    return this.held.size;
  }

  has(key: string): boolean {
    return this.held.has(key);
  }

  /**
   * Starts applying a list. An item held at its very resourceVersion is unchanged and skipped (a relist
   * after a 410 is mostly the same objects). `atomic`: nothing reaches the sink before the last page,
   * then every change at once, so answers never mix the old and the new state (a relist while serving);
   * otherwise each page is applied as it comes (the first list: less memory, nothing served yet).
   */
  beginList(atomic: boolean): ListApplication {
    const seen = new Set<string>();
    const pending: { object: ClusterObject; resourceVersion: string | undefined }[] = [];
    return {
      add: (raw) => {
        const resourceVersion = rawResourceVersion(raw);
        const identity = rawIdentity(this.spec.kind, raw);
        if (identity !== null && resourceVersion !== undefined && this.held.get(identity.key) === resourceVersion) {
          seen.add(identity.key);
          return;
        }
        const object = this.convert(raw);
        if (object === null) return;
        seen.add(keyOf(object));
        if (atomic) pending.push({ object, resourceVersion });
        else this.hold(object, resourceVersion);
      },
      finish: () => {
        for (const { object, resourceVersion } of pending) this.hold(object, resourceVersion);
        for (const key of [...this.held.keys()]) if (!seen.has(key)) this.drop(key);
      },
    };
  }

  /** An ADDED or MODIFIED object: held if it converts and is exposed, otherwise whatever was held goes. */
  applyWatched(raw: unknown): void {
    const converted = this.convert(raw);
    if (converted !== null) this.hold(converted, rawResourceVersion(raw));
    else this.dropRaw(raw);
  }

  /** A DELETED object, or one that is no longer exposed. */
  dropRaw(raw: unknown): void {
    const identity = rawIdentity(this.spec.kind, raw);
    if (identity !== null) this.drop(identity.key);
  }

  dropNamespace(namespace: string): void {
    const prefix = `${namespace}/`;
    for (const key of [...this.held.keys()]) if (key.startsWith(prefix)) this.drop(key);
  }

  markSynced(): void {
    this.safely('markSynced', () => this.sink.markSynced(this.spec.kind));
  }

  /** The slim object if it converts and is exposed; null otherwise (logged when malformed). */
  private convert(raw: unknown): ClusterObject | null {
    const converted = this.spec.convert(raw);
    if (converted.status === 'error') {
      this.rejected++;
      this.log.warn({ error: converted.error }, 'object skipped: it does not convert');
      return null;
    }
    if (converted.status === 'skip') return null;
    return this.hooks.accepts(namespaceOf(converted.value)) ? converted.value : null;
  }

  private hold(object: ClusterObject, resourceVersion: string | undefined): void {
    const key = keyOf(object);
    this.safely('upsert', () => this.sink.upsert(object));
    const isNew = !this.held.has(key);
    this.held.set(key, resourceVersion ?? '');
    if (isNew && this.announce) this.hooks.onHeldChange?.(key, true);
  }

  private drop(key: string): void {
    if (!this.held.delete(key)) return;
    const slash = key.indexOf('/');
    const namespace = slash === -1 ? undefined : key.slice(0, slash);
    const name = slash === -1 ? key : key.slice(slash + 1);
    this.safely('remove', () => this.sink.remove(this.spec.kind, namespace, name));
    if (this.announce) this.hooks.onHeldChange?.(key, false);
  }

  private safely(operation: string, action: () => void): void {
    try {
      action();
    } catch (err) {
      this.log.error({ err, operation }, 'the zone could not apply a cluster event');
    }
  }
}
