// Starts the DNS listeners: UDP and TCP on every listen address, sharing one dispatcher.
import type { Logger } from '../logger.js';
import type { Dispatcher } from './dispatcher.js';
import { RateLimitedLog } from './ratelimit.js';
import { ResponseRateLimiter, type RrlOptions, type RrlStats } from './rrl.js';
import { TcpListener, type TcpLimits, type TcpStats } from './tcp.js';
import { UdpListener } from './udp.js';

export interface ListenAddress {
  host: string;
  port: number;
}

export interface DnsServerOptions {
  listen: readonly ListenAddress[];
  dispatcher: Dispatcher;
  logger: Logger;
  /** SO_REUSEPORT on every socket, for several processes serving one port. */
  reusePort?: boolean;
  /** Idle TCP connections are closed after this long (default 30 s); tcp.idleTimeoutMs wins when both are set. */
  tcpIdleTimeoutMs?: number;
  /** Connection cap, idle timeout and per-connection in-flight limit of every TCP listener. */
  tcp?: TcpLimits;
  /** UDP response-rate limiting per client prefix, shared by every UDP listener; absent: off. */
  rrl?: RrlOptions;
}

/** What the listeners have refused or cut, summed over every listen address. */
export interface DnsServerStats {
  readonly tcp: TcpStats;
  /** null when response-rate limiting is off. */
  readonly rrl: RrlStats | null;
}

export interface DnsServers {
  readonly addresses: { host: string; port: number; transport: 'udp' | 'tcp' }[];
  stats(): DnsServerStats;
  /** Stops accepting, lets in-flight answers finish, resolves when every socket is closed. */
  close(): Promise<void>;
}

/** With port 0, how many fresh UDP ports to try before giving up on finding the same TCP port free. */
const SAME_PORT_ATTEMPTS = 8;

interface Pair {
  udp: UdpListener;
  tcp: TcpListener;
}

async function listenPair(
  address: ListenAddress, options: DnsServerOptions, log: RateLimitedLog, rrl: ResponseRateLimiter | undefined,
): Promise<Pair> {
  const common = { host: address.host, dispatcher: options.dispatcher, log, reusePort: options.reusePort };
  const udpOptions = { ...common, ...(rrl !== undefined ? { rrl } : {}) };
  const tcpOptions = { ...common, idleTimeoutMs: options.tcpIdleTimeoutMs, ...options.tcp };
  if (address.port !== 0) {
    const udp = await UdpListener.listen({ ...udpOptions, port: address.port });
    try {
      return { udp, tcp: await TcpListener.listen({ ...tcpOptions, port: address.port }) };
    } catch (err) {
      await udp.close();
      throw err;
    }
  }
  // Port 0: let UDP pick, then take the same number for TCP, so callers learn a single port.
  for (let attempt = 1; ; attempt++) {
    const udp = await UdpListener.listen({ ...udpOptions, port: 0 });
    try {
      return { udp, tcp: await TcpListener.listen({ ...tcpOptions, port: udp.port }) };
    } catch (err) {
      await udp.close();
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= SAME_PORT_ATTEMPTS) throw err;
    }
  }
}

export async function startDnsServers(options: DnsServerOptions): Promise<DnsServers> {
  const log = new RateLimitedLog(options.logger);
  const rrl = options.rrl !== undefined ? new ResponseRateLimiter(options.rrl) : undefined;
  const pairs: Pair[] = [];
  const closeAll = async (): Promise<void> => {
    await Promise.all(pairs.flatMap((pair) => [pair.udp.close(), pair.tcp.close()]));
  };
  try {
    for (const address of options.listen) pairs.push(await listenPair(address, options, log, rrl));
  } catch (err) {
    await closeAll();
    throw err;
  }
  const addresses = pairs.flatMap((pair) => [
    { host: pair.udp.host, port: pair.udp.port, transport: 'udp' as const },
    { host: pair.tcp.host, port: pair.tcp.port, transport: 'tcp' as const },
  ]);
  let closing: Promise<void> | null = null;
  return {
    addresses,
    stats: () => ({ tcp: sumTcpStats(pairs.map((pair) => pair.tcp.stats())), rrl: rrl?.stats() ?? null }),
    close: () => (closing ??= closeAll()),
  };
}

function sumTcpStats(all: readonly TcpStats[]): TcpStats {
  const sum = { open: 0, rejected: 0, evicted: 0, timedOut: 0, bufferedBytes: 0 };
  for (const stats of all) {
    sum.open += stats.open;
    sum.rejected += stats.rejected;
    sum.evicted += stats.evicted;
    sum.timedOut += stats.timedOut;
    sum.bufferedBytes += stats.bufferedBytes;
  }
  return sum;
}
