// Which upstreams to try, in order: those believed healthy; an upstream that keeps failing is marked
// down and skipped until a background probe (`. NS`, as CoreDNS's forward health check) gets any reply.
import { RRType } from '../message.js';
import { UdpChannel, describe, type ExchangeResult, type Upstream } from './transport.js';
import { buildQuery, readQuestion } from './wire.js';
import type { ForwardLogger } from './logger.js';

export interface UpstreamStatus {
  readonly upstream: Upstream;
  readonly healthy: boolean;
  readonly consecutiveFailures: number;
}

class UpstreamState {
  failures = 0;
  down = false;
  probing = false;
  readonly channel: UdpChannel;

  constructor(readonly upstream: Upstream) {
    this.channel = new UdpChannel(upstream);
  }
}

export interface HealthOptions {
  readonly upstreams: readonly Upstream[];
  /** Consecutive failures before an upstream is skipped. */
  readonly maxFails: number;
  readonly intervalMs: number;
  readonly probeTimeoutMs: number;
  readonly logger: ForwardLogger;
}

export class UpstreamPool {
  private readonly states: UpstreamState[];
  private readonly timer: NodeJS.Timeout | null;
  private readonly options: HealthOptions;

  constructor(options: HealthOptions) {
    this.options = options;
    this.states = options.upstreams.map((u) => new UpstreamState(u));
    this.timer = options.intervalMs > 0 ? setInterval(() => this.probeDown(), options.intervalMs) : null;
    this.timer?.unref();
  }

  get upstreams(): readonly Upstream[] {
    return this.states.map((s) => s.upstream);
  }

  /** Healthy upstreams in configured order; all of them when none is (never skip everything). */
  candidates(): UdpChannel[] {
    const up = this.states.filter((s) => !s.down);
    return (up.length > 0 ? up : this.states).map((s) => s.channel);
  }

  channelFor(upstream: Upstream): UdpChannel | null {
    return this.states.find((s) => s.upstream === upstream)?.channel ?? null;
  }

  succeeded(channel: UdpChannel): void {
    const state = this.stateOf(channel);
    if (state === undefined) return;
    state.failures = 0;
    if (state.down) {
      state.down = false;
      this.options.logger.info({ upstream: describe(state.upstream) }, 'upstream answers again');
    }
  }

  failed(channel: UdpChannel, result: ExchangeResult): void {
    const state = this.stateOf(channel);
    if (state === undefined || result.ok) return;
    state.failures++;
    if (!state.down && state.failures >= this.options.maxFails) {
      state.down = true;
      this.options.logger.warn(
        { upstream: describe(state.upstream), failure: result.failure, detail: result.detail },
        'upstream marked down; probing it in the background',
      );
    }
  }

  status(): UpstreamStatus[] {
    return this.states.map((s) => ({ upstream: s.upstream, healthy: !s.down, consecutiveFailures: s.failures }));
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    for (const s of this.states) s.channel.close();
  }

  private stateOf(channel: UdpChannel): UpstreamState | undefined {
    return this.states.find((s) => s.channel === channel);
  }

  private probeDown(): void {
    for (const state of this.states) {
      if (!state.down || state.probing) continue;
      state.probing = true;
      void this.probe(state).finally(() => {
        state.probing = false;
      });
    }
  }

  /** Any reply at all, whatever its rcode, shows the upstream is there (a root NS is REFUSED by many). */
  private async probe(state: UpstreamState): Promise<void> {
    const query = buildQuery('.', RRType.NS, { recursionDesired: false, edns: false });
    const asked = query === null ? null : readQuestion(query);
    if (query === null || asked === null) return;
    const result = await state.channel.exchange(query, asked, this.options.probeTimeoutMs);
    if (result.ok) this.succeeded(state.channel);
  }
}
