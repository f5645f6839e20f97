// Which namespaces exist. With a Namespace watch (a required kind) the watched set is the truth, as
// in CoreDNS; without one (e.g. manifests that hold no Namespace objects) a namespace exists while
// it holds at least one Service, so `<ns>.svc` still tells real namespaces from search-path noise.
import type { SlimNamespace } from '../cluster/types.js';

export class NamespaceIndex {
  private readonly watched = new Map<string, Readonly<Record<string, string>>>();
  private readonly serviceCounts = new Map<string, number>();

  constructor(private readonly explicit: boolean) {}

  exists(namespace: string): boolean {
    return this.explicit ? this.watched.has(namespace) : this.serviceCounts.has(namespace);
  }

  get size(): number {
    return this.explicit ? this.watched.size : this.serviceCounts.size;
  }

  names(): IterableIterator<string> {
    return this.watched.keys();
  }

  /** Returns whether existence or labels changed. */
  upsert(ns: SlimNamespace): boolean {
    const name = ns.name.toLowerCase();
    const previous = this.watched.get(name);
    if (previous !== undefined && sameLabels(previous, ns.labels)) return false;
    this.watched.set(name, ns.labels);
    return this.explicit;
  }

  remove(name: string): boolean {
    return this.watched.delete(name.toLowerCase()) && this.explicit;
  }

  /** A Service appeared in (+1) or left (-1) `namespace`; returns whether existence changed. */
  countService(namespace: string, delta: 1 | -1): boolean {
    const count = (this.serviceCounts.get(namespace) ?? 0) + delta;
    if (count <= 0) this.serviceCounts.delete(namespace);
    else this.serviceCounts.set(namespace, count);
    return !this.explicit && (count === 0 || (count === 1 && delta === 1));
  }
}

function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) if (a[key] !== b[key]) return false;
  return true;
}
