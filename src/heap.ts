// Gives the memory of a complete load back to the operating system. Loading a cluster (every Service
// and EndpointSlice listed, or the manifests parsed) makes a lot of garbage while keeping most of
// what it converts; V8 grows its young generation and old space to match and, in a busy server,
// never shrinks them again. Measured at 10k services / 150k endpoints, RSS stayed at ~330 MB after
// the first sync and ~360 MB after a relist, against ~190 MB once compacted; at 1,000 services from
// manifests, 177 MB against 100 MB. A young generation left at its largest also makes every scavenge
// under query load sweep some 30,000 received datagram buffers at once: pauses of 3 to 8 ms, against
// at most 2.5 ms once shrunk (`npm run bench`), at the same CPU per query. So after each complete load
// a source asks for one memory-reducing full collection ("last resort", as under memory pressure: a
// pause of some 50-500 ms, once per load, not per event). Node has no public call for it.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type GcFunction = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => unknown;

/**
 * A function running a memory-reducing full collection, or null when this runtime offers none.
 * `--expose-gc` set at run time exposes `gc` to contexts created afterwards, never to the main one.
 */
export function heapCompactor(): (() => void) | null {
  let gc: unknown;
  try {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc');
  } catch {
    return null;
  }
  if (typeof gc !== 'function') return null;
  const collect = gc as GcFunction;
  return () => {
    // Every page with free space is evacuated. V8's own choice moves at most some 12 MB, which at 10k
    // services left old space at 129 MB for 74 MB of objects; and every scavenge under query load
    // walks the list of old-generation pages: the extra pages cost ~50 ns a query at that scale.
    setFlagsFromString('--compact-on-every-full-gc');
    try {
      collect({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    } finally {
      setFlagsFromString('--no-compact-on-every-full-gc');
    }
  };
}
