// Forwarding as main wires it: the upstreams (from the flags or resolv.conf), the forwarder with its
// cache, the recursion gate the dispatcher calls, and the loop detector whose probe the gate stops.
import type { Forwarder, UpstreamLookup } from '../message.js';
import { AddressSet, formatCidr } from './acl.js';
import { UpstreamForwarder, type ForwarderStats } from './forwarder.js';
import { RecursionGate, type GateStats } from './gate.js';
import type { ForwardLogger } from './logger.js';
import { LoopDetector, type LoopCheck } from './loop.js';
import { readResolvConf } from './resolv-conf.js';
import { describe, type Upstream } from './transport.js';

export type UpstreamChoice =
  /** The nameservers of the resolv.conf file. */
  | { readonly kind: 'system' }
  /** No forwarding at all: names outside the zones are REFUSED by the dispatcher. */
  | { readonly kind: 'none' }
  | { readonly kind: 'servers'; readonly servers: readonly Upstream[] };

/** The forwarding flags, as config.ts delivers them. */
export interface ForwardingSettings {
  /** Read for `nameserver` lines when the upstream choice is `system`. */
  readonly resolvConf: string;
  readonly timeoutMs: number;
  readonly maxConcurrent: number;
  /** Seconds. */
  readonly cacheMaxTtl: number;
  /** Seconds. */
  readonly negativeMaxTtl: number;
  /** 0: off. */
  readonly serveStaleMs: number;
  /** CIDRs of the clients allowed recursion. */
  readonly allowRecursion: readonly string[];
}

export interface ForwardingOptions extends ForwardingSettings {
  readonly upstream: UpstreamChoice;
  readonly logger: ForwardLogger;
}

export type ForwardingSetup =
  /** `forwarding` is null with `--upstream none`. */
  | { readonly ok: true; readonly forwarding: Forwarding | null }
  /** One line for the user: which file or value is wrong and what to do. */
  | { readonly ok: false; readonly error: string };

export class Forwarding {
  /** For the dispatcher: names outside the zones, NXDOMAIN in --fallthrough zones. */
  readonly gate: Forwarder & { stats(): GateStats };
  private readonly upstreamForwarder: UpstreamForwarder;
  private readonly detector = new LoopDetector();

  constructor(upstreamForwarder: UpstreamForwarder, allowed: AddressSet) {
    this.upstreamForwarder = upstreamForwarder;
    this.gate = new RecursionGate({ forwarder: upstreamForwarder, allowed, probes: this.detector });
  }

  /** For the resolver: ExternalName targets outside the zones (not subject to the client ACL: no client names them). */
  get lookup(): UpstreamLookup {
    return this.upstreamForwarder;
  }

  get upstreams(): readonly Upstream[] {
    return this.upstreamForwarder.upstreams;
  }

  /** Sends our probe to each upstream; call once the DNS listeners answer, so a looped probe can arrive. */
  checkLoop(): Promise<LoopCheck> {
    return this.detector.check(this.upstreamForwarder);
  }

  stats(): ForwarderStats & GateStats {
    return { ...this.upstreamForwarder.stats(), ...this.gate.stats() };
  }

  close(): void {
    this.upstreamForwarder.close();
  }
}

/** The upstreams for `choice`; resolv.conf problems are one-line errors. */
export async function upstreamsFor(
  choice: Exclude<UpstreamChoice, { kind: 'none' }>,
  resolvConf: string,
  logger: ForwardLogger,
): Promise<{ ok: true; upstreams: readonly Upstream[] } | { ok: false; error: string }> {
  if (choice.kind === 'servers') return { ok: true, upstreams: choice.servers };
  const read = await readResolvConf(resolvConf);
  if (!read.ok) return read;
  for (const warning of read.warnings) logger.warn({ file: resolvConf }, warning);
  return { ok: true, upstreams: read.upstreams };
}

export async function setUpForwarding(options: ForwardingOptions): Promise<ForwardingSetup> {
  if (options.upstream.kind === 'none') return { ok: true, forwarding: null };
  let allowed: AddressSet;
  try {
    allowed = AddressSet.parse(options.allowRecursion);
  } catch (err) {
    return { ok: false, error: `--allow-recursion: ${err instanceof Error ? err.message : String(err)}` };
  }
  const found = await upstreamsFor(options.upstream, options.resolvConf, options.logger);
  if (!found.ok) return found;
  const forwarder = new UpstreamForwarder({
    upstreams: found.upstreams,
    timeoutMs: options.timeoutMs,
    maxConcurrent: options.maxConcurrent,
    cacheMaxTtl: options.cacheMaxTtl,
    negativeMaxTtl: options.negativeMaxTtl,
    serveStaleMs: options.serveStaleMs,
    logger: options.logger,
  });
  options.logger.info({
    upstreams: found.upstreams.map(describe),
    from: options.upstream.kind === 'system' ? options.resolvConf : '--upstream',
    allowRecursion: allowed.cidrs.map(formatCidr),
  }, 'forwarding names outside the zones');
  return { ok: true, forwarding: new Forwarding(forwarder, allowed) };
}
