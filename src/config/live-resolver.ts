// A resolver that can be replaced while the server runs (a reloaded --ttl or --fallthrough builds a
// new one), and the generations the answer cache checks: the zone's, with an epoch that also moves on
// every replacement, so answers built by the old resolver stop being served at once.
import type { Answer, Client, Generations, NameShapes, Question, Resolver } from '../resolve/message.js';

export class LiveResolver implements Resolver, Generations {
  private replacements = 0;

  constructor(private resolver: Resolver, private readonly zone: Generations) {}

  get current(): Resolver {
    return this.resolver;
  }

  resolve(q: Question, client: Client): Answer | Promise<Answer> | null {
    return this.resolver.resolve(q, client);
  }

  get nameShapes(): NameShapes | null {
    return this.resolver.nameShapes ?? null;
  }

  generation(key: string): number {
    return this.zone.generation(key);
  }

  /** Both parts only grow, so the sum changes whenever either does. */
  get epoch(): number {
    return this.zone.epoch + this.replacements;
  }

  /** The same sum for the zone's version (Generations.version); absent when the zone has none. */
  get version(): number | undefined {
    const zone = this.zone.version;
    return zone === undefined ? undefined : zone + this.replacements;
  }

  replace(resolver: Resolver): void {
    this.resolver = resolver;
    this.replacements++;
  }
}
