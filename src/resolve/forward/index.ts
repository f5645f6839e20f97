// The forwarder for names outside the cluster zones: what main wires in.
export { UpstreamForwarder, type UpstreamForwarderOptions, type ForwarderStats, type LookupResult } from './forwarder.js';
export { LoopDetector, type LoopCheck, type LoopProbeTarget } from './loop.js';
export { parseResolvConf, readResolvConf, type ResolvConfResult } from './resolv-conf.js';
export { STALE_TTL_SECONDS } from './cache.js';
export type { Upstream } from './transport.js';
export type { UpstreamStatus } from './health.js';
export type { ForwardLogger } from './logger.js';
