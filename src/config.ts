// Flags and environment merged into one validated, frozen Config. One table below describes every flag
// (spelling, environment variable, default, help, parser); adding a flag is one entry there plus its
// field in FlagValues. A bad value is a ConfigError whose message is one line naming the flag.
import { existsSync } from 'node:fs';
import { delimiter, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkLabelSelector } from './cluster/kubernetes/label-selector.js';
import type { LogLevel } from './logger.js';
import { DEFAULT_ALLOW_RECURSION, formatCidr, parseCidr } from './resolve/forward/acl.js';
import type { ForwardingSettings } from './resolve/forward/setup.js';
import { zonesFromArgs } from './resolve/options.js';
import { formatCidr as formatTransferCidr, parseTransferCidr } from './wire/transfer.js';
import {
  list, listOf, maybe, optional, rawFor, readSpec, splitList, toggle, value, type FlagSpec, type RawValue,
} from './config/flags.js';
import { ConfigFileError, readConfigFile } from './config/file.js';
import { argvError, helpText, markBareOptionals } from './config/usage.js';
import {
  InvalidValue, isCidrZone, parseChoice, parseDuration, parseIP, parsePositiveDuration, parseListenAddress, parseNamespace,
  parseUpstreamAddress, parseWholeNumber, parseZone, type HostPort,
} from './config/values.js';

export type { HostPort };

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export type PodsMode = 'disabled' | 'insecure' | 'verified';

export type SourceConfig =
  /** `embedded`: no source was configured, so the bundled examples are served. */
  | { readonly kind: 'manifests'; readonly path: string; readonly embedded: boolean }
  /** kubeconfig null: in-cluster service account. */
  | { readonly kind: 'kubernetes'; readonly kubeconfig: string | null; readonly context: string | null };

export type UpstreamConfig =
  /** The servers in /etc/resolv.conf. */
  | { readonly kind: 'system' }
  /** No forwarding: names outside the zones are REFUSED. */
  | { readonly kind: 'none' }
  | { readonly kind: 'servers'; readonly servers: readonly HostPort[] };

export interface Config {
  readonly source: SourceConfig;
  readonly listen: readonly HostPort[];
  /** null when disabled (`--admin none`). */
  readonly admin: HostPort | null;
  /** Lower case, no trailing dot; CIDRs as given (canonical address) for reverse zones. */
  readonly zones: readonly string[];
  readonly ttl: number;
  readonly pods: PodsMode;
  readonly upstream: UpstreamConfig;
  /** Only these namespaces are served; empty means all. */
  readonly namespaces: readonly string[];
  /** --namespace-labels: only namespaces whose labels match this selector are served; null: all. */
  readonly namespaceLabels: string | null;
  /** --labels: only Services, EndpointSlices and Pods matching this selector are watched; null: all. */
  readonly labels: string | null;
  readonly endpointPodNames: boolean;
  readonly ignoreEmptyService: boolean;
  readonly noEndpoints: boolean;
  /** null: off; []: every zone; otherwise the zones whose NXDOMAIN goes to the forwarder. */
  readonly fallthrough: readonly string[] | null;
  readonly startupTimeoutMs: number;
  /** After SIGTERM/SIGINT: /ready is 503 and answering goes on this long before the listeners close. */
  readonly lameduckMs: number;
  readonly logLevel: LogLevel;
  /** One log line per answered query (--log-queries). */
  readonly logQueries: boolean;
  /** The --config file, re-read on change; null without one. */
  readonly configFile: string | null;
  /** This replica's own address, for NS glue; null when not given. */
  readonly podIP: string | null;
  readonly maxUdpSize: number;
  readonly cacheEntries: number;
  /** Processes answering DNS, sharing the ports with SO_REUSEPORT (--workers); 1: this process alone. */
  readonly workers: number;
  /** Clients (CIDRs) that may transfer the zones over TCP (--transfer-to); empty: nobody. */
  readonly transferTo: readonly string[];
  /** Topology-zone names `<zone>.(pin|prefer)._zone.<svc>.<ns>.svc.<zone>` (--zonal). */
  readonly zonal: boolean;
  /** Open TCP connections at most (--tcp-max-conns). */
  readonly tcpMaxConnections: number;
  /** A TCP connection without a complete query for this long is closed (--tcp-idle-timeout). */
  readonly tcpIdleTimeoutMs: number;
  /** UDP response-rate limiting per client prefix (--rrl, --rrl-slip); null when off. */
  readonly rrl: { readonly ratePerSecond: number; readonly slip: number } | null;
  /** Forwarder settings (--resolv-conf, --forward-timeout, --max-concurrent, --cache-max-ttl, ...). */
  readonly forward: ForwardingSettings;
}

export type ConfigOutcome =
  | { readonly action: 'run'; readonly config: Config }
  | { readonly action: 'help'; readonly text: string }
  | { readonly action: 'version'; readonly text: string };

export interface ConfigContext {
  /** The manifests served when no cluster source is configured (the package's examples/). */
  readonly embeddedManifests: string;
  readonly version: string;
  /** Base for relative paths; defaults to process.cwd(). */
  readonly cwd?: string;
}

interface FlagValues {
  manifests: string | null;
  kubeconfig: string | null;
  context: string | null;
  listen: HostPort[];
  admin: HostPort | null;
  zone: string[];
  ttl: number;
  pods: PodsMode;
  upstream: UpstreamConfig;
  namespaces: string[];
  namespaceLabels: string | null;
  labels: string | null;
  endpointPodNames: boolean;
  ignoreEmptyService: boolean;
  noEndpoints: boolean;
  fallthrough: string[] | null;
  startupTimeout: number;
  lameduck: number;
  logLevel: LogLevel;
  logQueries: boolean;
  config: string | null;
  podIp: string | null;
  maxUdpSize: number;
  cacheEntries: number;
  workers: number;
  transferTo: string[];
  zonal: boolean;
  tcpMaxConns: number;
  tcpIdleTimeout: number;
  rrl: number;
  rrlSlip: number;
  resolvConf: string;
  forwardTimeout: number;
  maxConcurrent: number;
  cacheMaxTtl: number;
  negativeMaxTtl: number;
  serveStale: number;
  allowRecursion: string[];
  help: boolean;
  version: boolean;
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const PODS_MODES: readonly PodsMode[] = ['disabled', 'insecure', 'verified'];
const ALL_WORDS = new Set(['', '*', 'true', 'all']);

function readUpstream(texts: readonly string[] | undefined): UpstreamConfig {
  if (texts === undefined || texts.length === 0) return { kind: 'system' };
  if (texts.some((t) => t.toLowerCase() === 'none')) {
    if (texts.length > 1) throw new InvalidValue('"none" cannot be combined with upstream addresses');
    return { kind: 'none' };
  }
  return { kind: 'servers', servers: texts.map(parseUpstreamAddress) };
}

function readFallthrough(texts: readonly string[] | undefined): string[] | null {
  const text = texts?.at(-1);
  if (text === undefined || text.trim().toLowerCase() === 'false') return null;
  if (ALL_WORDS.has(text.trim().toLowerCase())) return [];
  return splitList(text).map(parseZone);
}

function readCidr(text: string): string {
  const cidr = parseCidr(text);
  if (cidr === null) throw new InvalidValue(`"${text}" is not a CIDR such as 10.0.0.0/8 or fd00::/8`);
  return formatCidr(cidr);
}

function readTransferCidr(text: string): string {
  const cidr = parseTransferCidr(text);
  if (cidr === null) throw new InvalidValue(`"${text}" is not an address or a CIDR such as 10.0.0.0/8 or fd00::/8`);
  return formatTransferCidr(cidr);
}

/** A label selector in the API server's spelling; null when empty (selects everything). */
function readSelector(text: string): string | null {
  const check = checkLabelSelector(text);
  if (!check.ok) throw new InvalidValue(check.error);
  return check.selector === '' ? null : check.selector;
}

function readPath(cwd: string) {
  return (text: string): string => {
    const path = resolve(cwd, text);
    if (!existsSync(path)) throw new InvalidValue(`"${text}" does not exist`);
    return path;
  };
}

function flagTable(cwd: string): { readonly [K in keyof FlagValues]: FlagSpec<FlagValues[K]> } {
  return {
    manifests: maybe({
      flag: 'manifests', metavar: 'PATH', defaultText: 'the bundled examples/ when no cluster is configured',
      help: 'Serve the Kubernetes objects in this YAML/JSON file or directory (re-read on change)',
      parse: readPath(cwd),
    }),
    kubeconfig: maybe({
      flag: 'kubeconfig', metavar: 'PATH', env: ['KUBECONFIG'],
      help: 'Watch the cluster this kubeconfig points at (in a pod: the service account is used)',
      // Several files joined by ':' as in KUBECONFIG; each relative path is taken from here.
      parse: (text) => text.split(delimiter).filter((p) => p.trim() !== '').map((p) => resolve(cwd, p.trim())).join(delimiter),
    }),
    context: maybe({ flag: 'context', metavar: 'NAME', defaultText: 'current context', help: 'kubeconfig context to use', parse: (t) => t.trim() }),
    listen: list({
      flag: 'listen', metavar: 'HOST:PORT', default: ['127.0.0.1:1053'],
      help: 'Answer DNS on UDP and TCP here (repeatable; IPv6 as [::1]:1053; port 0 picks a free port)',
      parse: parseListenAddress,
    }),
    admin: value({
      flag: 'admin', metavar: 'HOST:PORT', default: '127.0.0.1:8080',
      help: 'HTTP server for /health, /ready, /metrics and /debug/explain; "none" disables it',
      parse: (text) => (['none', 'off'].includes(text.trim().toLowerCase()) ? null : parseListenAddress(text)),
    }),
    zone: list({
      flag: 'zone', metavar: 'NAME|CIDR', default: ['cluster.local'],
      help: 'Authoritative zone (repeatable); a CIDR adds its reverse zone for PTR',
      parse: parseZone,
    }),
    ttl: value({
      flag: 'ttl', metavar: 'SECONDS', default: '5', help: 'TTL of every answer',
      parse: (text) => parseWholeNumber(text, 0, 3600, 'seconds'),
    }),
    pods: value({
      flag: 'pods', metavar: 'MODE', default: 'disabled',
      help: 'Pod records <a-b-c-d>.<ns>.pod.<zone>: disabled, insecure (any IP) or verified (a pod has it)',
      parse: (text) => parseChoice(text, PODS_MODES),
    }),
    upstream: listOf({
      flag: 'upstream', metavar: 'ADDR[:PORT]', defaultText: 'the nameservers of /etc/resolv.conf',
      help: 'Server for names outside the zones (repeatable); "none" refuses them',
      read: readUpstream,
    }),
    namespaces: list({
      flag: 'namespaces', metavar: 'NS,...', default: [], defaultText: 'all',
      help: 'Serve only these namespaces; the others are NXDOMAIN',
      parse: parseNamespace,
    }),
    namespaceLabels: maybe({
      flag: 'namespace-labels', metavar: 'SELECTOR', defaultText: 'all namespaces',
      help: 'Serve only namespaces whose labels match this selector (not with --namespaces)', parse: readSelector,
    }),
    labels: maybe({
      flag: 'labels', metavar: 'SELECTOR', defaultText: 'all objects',
      help: 'Watch only Services, EndpointSlices and Pods whose labels match this selector', parse: readSelector,
    }),
    endpointPodNames: toggle({ flag: 'endpoint-pod-names', help: 'Name endpoints without a hostname after their pod instead of their IP' }),
    ignoreEmptyService: toggle({ flag: 'ignore-empty-service', help: 'A ClusterIP service with no ready endpoint is NXDOMAIN' }),
    noEndpoints: toggle({ flag: 'no-endpoints', help: 'Do not read EndpointSlices: headless and endpoint names are NXDOMAIN' }),
    fallthrough: optional({
      flag: 'fallthrough', metavar: '[ZONES]', defaultText: 'off',
      help: 'Send NXDOMAIN answers of these zones (bare flag: all zones) to the upstream instead',
      read: readFallthrough,
    }),
    startupTimeout: value({
      flag: 'startup-timeout', metavar: 'DURATION', default: '5s',
      help: 'How long to wait for the first sync before reporting ready anyway (5s, 500ms, 1m)',
      parse: (text) => parseDuration(text, 3_600_000),
    }),
    lameduck: value({
      flag: 'lameduck', metavar: 'DURATION', default: '5s',
      help: 'After SIGTERM/SIGINT, /ready turns 503 and answering goes on this long before the listeners close',
      parse: (text) => parseDuration(text, 600_000),
    }),
    logLevel: value({
      flag: 'log-level', metavar: 'LEVEL', default: 'info',
      help: `Log level: ${LOG_LEVELS.join(', ')}`,
      parse: (text) => parseChoice(text, LOG_LEVELS),
    }),
    logQueries: toggle({ flag: 'log-queries', help: 'Log one line per answered query (client, name, type, rcode, duration)' }),
    config: maybe({
      flag: 'config', metavar: 'PATH',
      help: 'YAML file with the same settings as the flags, keys in camelCase (flags and environment win); re-read on change',
      parse: readPath(cwd),
    }),
    podIp: maybe({
      flag: 'pod-ip', metavar: 'IP', env: ['POD_IP'], defaultText: 'the --listen addresses',
      help: "This server's own address, answered for ns.dns.<zone>", parse: parseIP,
    }),
    maxUdpSize: value({
      flag: 'max-udp-size', metavar: 'BYTES', default: '1232',
      help: 'Largest UDP answer, and the EDNS size announced', parse: (text) => parseWholeNumber(text, 512, 65535, 'bytes'),
    }),
    cacheEntries: value({
      flag: 'cache-entries', metavar: 'N', default: '50000',
      help: 'Encoded answers kept for repeat questions (0 disables the cache)', parse: (text) => parseWholeNumber(text, 0, 10_000_000, 'entries'),
    }),
    workers: value({
      flag: 'workers', metavar: 'N', default: '1',
      help: 'Worker processes answering DNS on the same ports (SO_REUSEPORT), each with its own copy of the cluster; restarted if they die',
      parse: (text) => parseWholeNumber(text, 1, 64, 'workers'),
    }),
    resolvConf: value({
      flag: 'resolv-conf', metavar: 'PATH', default: '/etc/resolv.conf',
      help: 'Without --upstream, forward to the nameservers of this file', parse: (text) => resolve(cwd, text.trim()),
    }),
    forwardTimeout: value({
      flag: 'forward-timeout', metavar: 'DURATION', default: '2s', help: 'How long one upstream may take before the next is asked',
      parse: (text) => parsePositiveDuration(text, 60_000),
    }),
    maxConcurrent: value({
      flag: 'max-concurrent', metavar: 'N', default: '1000', help: 'Forwarded queries in flight at once; more are REFUSED',
      parse: (text) => parseWholeNumber(text, 1, 1_000_000, 'queries'),
    }),
    cacheMaxTtl: value({
      flag: 'cache-max-ttl', metavar: 'SECONDS', default: '30', help: 'Longest a forwarded answer is cached, and its largest TTL served',
      parse: (text) => parseWholeNumber(text, 1, 86_400, 'seconds'),
    }),
    negativeMaxTtl: value({
      flag: 'negative-max-ttl', metavar: 'SECONDS', default: '5', help: 'Longest a forwarded NXDOMAIN or NODATA is cached (at most its SOA minimum)',
      parse: (text) => parseWholeNumber(text, 1, 86_400, 'seconds'),
    }),
    serveStale: value({
      flag: 'serve-stale', metavar: 'DURATION', default: 'off', help: 'When every upstream fails, serve expired forwarded answers this long past expiry',
      parse: (text) => (['off', 'false', 'none'].includes(text.trim().toLowerCase()) ? 0 : parseDuration(text, 7 * 86_400_000)),
    }),
    allowRecursion: list({
      flag: 'allow-recursion', metavar: 'CIDR,...', default: DEFAULT_ALLOW_RECURSION,
      help: 'Clients that get forwarded answers; others are REFUSED for names outside the zones', parse: readCidr,
    }),
    tcpMaxConns: value({
      flag: 'tcp-max-conns', metavar: 'N', default: '1000',
      help: 'Open TCP connections at most; a new one beyond evicts the longest-quiet one (or is closed)',
      parse: (text) => parseWholeNumber(text, 1, 1_000_000, 'connections'),
    }),
    tcpIdleTimeout: value({
      flag: 'tcp-idle-timeout', metavar: 'DURATION', default: '30s',
      help: 'Close a TCP connection that completes no query (or leaves answers unread) this long',
      parse: (text) => parsePositiveDuration(text, 3_600_000),
    }),
    rrl: value({
      flag: 'rrl', metavar: 'RATE', default: '0',
      help: 'UDP answers per second per client /24 or /56 (0: no limit); over it answers are dropped or slipped',
      parse: (text) => parseWholeNumber(text, 0, 1_000_000, 'answers per second'),
    }),
    rrlSlip: value({
      flag: 'rrl-slip', metavar: 'N', default: '2',
      help: 'With --rrl, every Nth limited answer is sent truncated so real clients retry over TCP (0: drop all)',
      parse: (text) => parseWholeNumber(text, 0, 10, 'answers'),
    }),
    transferTo: list({
      flag: 'transfer-to', metavar: 'CIDR,...', default: [], defaultText: 'nobody',
      help: 'Clients allowed to transfer the cluster zone (AXFR, over TCP); others are REFUSED', parse: readTransferCidr,
    }),
    zonal: toggle({ flag: 'zonal', help: 'Answer <topology-zone>.pin|prefer._zone.<headless svc>.<ns>.svc.<zone> names' }),
    help: toggle({ flag: 'help', env: [], help: 'Print this help and exit' }),
    version: toggle({ flag: 'version', env: [], help: 'Print the version and exit' }),
  };
}

function fail(line: string): never {
  throw new ConfigError(line);
}

/** Parses argv (without node and script) and the environment into what main should do. */
export function parseConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  context: ConfigContext,
): ConfigOutcome {
  const cwd = context.cwd ?? process.cwd();
  const table = flagTable(cwd);
  const specs = Object.values(table) as FlagSpec<unknown>[];
  const options = Object.fromEntries(specs.map((s) => [s.flag, {
    type: s.arity === 'switch' ? ('boolean' as const) : ('string' as const),
    multiple: s.arity === 'list',
    ...(s.flag === 'help' ? { short: 'h' } : {}),
  }]));

  let parsed: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    parsed = parseArgs({ args: markBareOptionals(argv, specs), options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    fail(argvError(err, specs));
  }

  // Precedence: flag, then environment, then the config file, then the default.
  let fromFile: ReadonlyMap<string, RawValue> = new Map();
  const read = <K extends keyof FlagValues>(key: K): FlagValues[K] => {
    const spec = table[key];
    return readSpec(spec, rawFor(spec, parsed[spec.flag], env) ?? fromFile.get(spec.flag), fail);
  };

  if (read('help')) return { action: 'help', text: helpText(specs, context.version) };
  if (read('version')) return { action: 'version', text: `svcdns ${context.version}` };
  const configFile = read('config');
  if (configFile !== null) {
    try {
      fromFile = readConfigFile(configFile, specs);
    } catch (err) {
      if (err instanceof ConfigFileError) fail(err.message);
      throw err;
    }
  }

  const values = Object.fromEntries((Object.keys(table) as (keyof FlagValues)[]).map((k) => [k, read(k)])) as unknown as FlagValues;
  if (values.manifests !== null && parsed['kubeconfig'] !== undefined && parsed['manifests'] !== undefined) {
    fail('--manifests: cannot be combined with --kubeconfig (choose one cluster source)');
  }
  if (values.namespaceLabels !== null && values.namespaces.length > 0) {
    fail('--namespace-labels: cannot be combined with --namespaces (choose one)');
  }
  if (!values.zone.some((z) => !isCidrZone(z))) {
    fail(`--zone: at least one zone must be a DNS name, not only CIDRs (got ${values.zone.join(',')})`);
  }
  try {
    zonesFromArgs(values.zone); // the resolver's own reading of the zones must accept them too
  } catch (err) {
    fail(`--zone: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { action: 'run', config: deepFreeze(toConfig(values, env, context)) };
}

function chooseSource(values: FlagValues, env: Readonly<Record<string, string | undefined>>, context: ConfigContext): SourceConfig {
  if (values.manifests !== null) return { kind: 'manifests', path: values.manifests, embedded: false };
  if (values.kubeconfig !== null) return { kind: 'kubernetes', kubeconfig: values.kubeconfig, context: values.context };
  if (values.context !== null) {
    // A context alone names one in the default kubeconfig, as kubectl does.
    const home = env['HOME'];
    if (!home) fail('--context: no kubeconfig to take the context from (give --kubeconfig or set KUBECONFIG)');
    return { kind: 'kubernetes', kubeconfig: resolve(home, '.kube', 'config'), context: values.context };
  }
  if (env['KUBERNETES_SERVICE_HOST']) return { kind: 'kubernetes', kubeconfig: null, context: null };
  return { kind: 'manifests', path: context.embeddedManifests, embedded: true };
}

function toConfig(values: FlagValues, env: Readonly<Record<string, string | undefined>>, context: ConfigContext): Config {
  return {
    source: chooseSource(values, env, context),
    listen: dedupeHostPorts(values.listen),
    admin: values.admin,
    zones: [...new Set(values.zone)],
    ttl: values.ttl,
    pods: values.pods,
    upstream: values.upstream,
    namespaces: [...new Set(values.namespaces)],
    namespaceLabels: values.namespaceLabels,
    labels: values.labels,
    endpointPodNames: values.endpointPodNames,
    ignoreEmptyService: values.ignoreEmptyService,
    noEndpoints: values.noEndpoints,
    fallthrough: values.fallthrough,
    startupTimeoutMs: values.startupTimeout,
    lameduckMs: values.lameduck,
    logLevel: values.logLevel,
    logQueries: values.logQueries,
    configFile: values.config,
    podIP: values.podIp,
    maxUdpSize: values.maxUdpSize,
    cacheEntries: values.cacheEntries,
    workers: values.workers,
    transferTo: values.transferTo,
    zonal: values.zonal,
    tcpMaxConnections: values.tcpMaxConns,
    tcpIdleTimeoutMs: values.tcpIdleTimeout,
    rrl: values.rrl > 0 ? { ratePerSecond: values.rrl, slip: values.rrlSlip } : null,
    forward: {
      resolvConf: values.resolvConf, timeoutMs: values.forwardTimeout, maxConcurrent: values.maxConcurrent,
      cacheMaxTtl: values.cacheMaxTtl, negativeMaxTtl: values.negativeMaxTtl, serveStaleMs: values.serveStale,
      allowRecursion: values.allowRecursion,
    },
  };
}

function dedupeHostPorts(addresses: readonly HostPort[]): HostPort[] {
  const seen = new Set<string>();
  return addresses.filter((a) => {
    const key = `${a.host}|${a.port}`;
    // Port 0 twice means two distinct free ports, so keep those.
    if (a.port !== 0 && seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
