// Forwarding-loop detection at start-up, as CoreDNS's `loop` plugin: a query for a random name that
// only we know is sent to each upstream; if it ever reaches us again, that upstream forwards to us
// (resolv.conf points at svcdns itself, directly or through another resolver).
import { randomBytes } from 'node:crypto';
import { RRType } from '../message.js';
import { describe, type Upstream } from './transport.js';
import { encodeName, HEADER_SIZE, readQuestion, skipName } from './wire.js';

/** What the detector needs of a forwarder: its upstreams and a one-off query to one of them. */
export interface LoopProbeTarget {
  readonly upstreams: readonly Upstream[];
  probe(upstream: Upstream, name: string, type: number): Promise<{ rcode: number } | null>;
}

export interface LoopCheck {
  readonly loop: boolean;
  /** One line for the log: which upstream loops, or what every upstream answered. */
  readonly detail: string;
  /** The upstream that sent the probe back to us. */
  readonly upstream?: Upstream;
}

function randomLabel(): string {
  return randomBytes(8).readBigUInt64BE().toString();
}

export class LoopDetector {
  /** `<random>.<random>` (no trailing dot), asked as HINFO: nobody else ever asks for it. */
  readonly probeName: string;
  /** The probe's name in wire form as a latin1 string: WireQuestion.nameKey of the probe. */
  private readonly probeKey: string;
  private sightings = 0;

  constructor() {
    this.probeName = `${randomLabel()}.${randomLabel()}`;
    this.probeKey = encodeName(this.probeName)!.toString('latin1');
  }

  /**
   * Whether `query` is our probe coming back. To be called for every query about to be forwarded; when
   * it returns true, answer it (SERVFAIL) without forwarding, which breaks the loop. Only a HINFO
   * question has its name read.
   */
  seen(query: Buffer): boolean {
    const nameEnd = skipName(query, HEADER_SIZE, false);
    if (nameEnd === null || nameEnd + 2 > query.length || query.readUInt16BE(nameEnd) !== RRType.HINFO) return false;
    if (readQuestion(query)?.nameKey !== this.probeKey) return false;
    this.sightings++;
    return true;
  }

  /** Probes each upstream in turn; the listeners must already be answering so a looped probe can arrive. */
  async check(target: LoopProbeTarget): Promise<LoopCheck> {
    const outcomes: string[] = [];
    for (const upstream of target.upstreams) {
      const before = this.sightings;
      const reply = await target.probe(upstream, this.probeName, RRType.HINFO);
      if (this.sightings > before) {
        return {
          loop: true,
          upstream,
          detail: `forwarding loop: upstream ${describe(upstream)} sent our probe "${this.probeName}. HINFO" back to us; ` +
            'the resolv.conf (or --upstream) points at svcdns itself. Give real upstreams with --upstream',
        };
      }
      outcomes.push(`${describe(upstream)}: ${reply === null ? 'no reply' : `rcode ${reply.rcode}`}`);
    }
    return { loop: false, detail: `no forwarding loop (${outcomes.join(', ')})` };
  }
}
