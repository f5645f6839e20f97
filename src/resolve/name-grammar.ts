// The name grammar of a forward cluster zone, read right to left from the zone (behaviour §3.2):
//
//   <zone>                                   apex
//   svc.<zone> | pod.<zone>                  tree (NODATA)
//   dns-version.<zone>                       schema version TXT
//   ns.dns.<zone>                            our name server
//   <ns>.svc.<zone> | <ns>.pod.<zone>        namespace
//   <svc>.<ns>.svc.<zone>                    service
//   <ep>.<svc>.<ns>.svc.<zone>               endpoint
//   _<port>._<proto>.<svc>.<ns>.svc.<zone>   port and protocol (underscores optional)
//   <ip-dashed>.<ns>.pod.<zone>              pod
//   <topology-zone>.(pin|prefer)._zone.<svc>.<ns>.svc.<zone>   zonal (only with the `zonal` option;
//                                            the topology zone may span several labels)
//
// Anything else is invalid (NXDOMAIN), including three or more labels left of the service.

export type ClusterName =
  | { readonly kind: 'apex' }
  | { readonly kind: 'tree'; readonly tree: 'svc' | 'pod' }
  | { readonly kind: 'dns-version' }
  | { readonly kind: 'nameserver' }
  | { readonly kind: 'namespace'; readonly tree: 'svc' | 'pod'; readonly namespace: string }
  | ServiceName
  | { readonly kind: 'pod'; readonly namespace: string; readonly label: string }
  | ZonalName
  | { readonly kind: 'invalid' };

export type ZonalDirective = 'pin' | 'prefer';

/** `<topology-zone>.(pin|prefer)._zone.<svc>.<ns>.svc`: a headless service's endpoints in one zone. */
export interface ZonalName {
  readonly kind: 'zonal';
  readonly namespace: string;
  readonly service: string;
  readonly topologyZone: string;
  /** pin: only that zone's endpoints; prefer: those, or every endpoint when the zone has none. */
  readonly directive: ZonalDirective;
}

export interface ServiceName {
  readonly kind: 'service';
  readonly namespace: string;
  readonly service: string;
  /** Set for `<ep>.<svc>...` names. */
  readonly endpoint?: string;
  /** Set (possibly '' = any) for `_<port>._<proto>.<svc>...` names, without the underscore. */
  readonly port?: string;
  readonly protocol?: string;
}

const APEX: ClusterName = { kind: 'apex' };
const INVALID: ClusterName = { kind: 'invalid' };
const SVC_TREE: ClusterName = { kind: 'tree', tree: 'svc' };
const POD_TREE: ClusterName = { kind: 'tree', tree: 'pod' };
const DNS_VERSION: ClusterName = { kind: 'dns-version' };
const NAMESERVER: ClusterName = { kind: 'nameserver' };

/**
 * Parses the `rest` leftmost labels of `lower` (the labels standing left of the zone). `zonal`
 * admits the topology-zone shape; without it such a name is too long (invalid).
 */
export function parseClusterName(lower: readonly string[], rest: number, zonal = false): ClusterName {
  if (rest <= 0) return APEX;
  const label = (i: number): string => lower[i] ?? '';
  const tree = label(rest - 1);
  if (rest === 1) {
    if (tree === 'svc') return SVC_TREE;
    if (tree === 'pod') return POD_TREE;
    if (tree === 'dns-version') return DNS_VERSION;
    return INVALID;
  }
  if (rest === 2 && tree === 'dns' && label(0) === 'ns') return NAMESERVER;
  if (tree !== 'svc' && tree !== 'pod') return INVALID;
  const namespace = label(rest - 2);
  if (rest === 2) return { kind: 'namespace', tree, namespace };
  if (tree === 'pod') return rest === 3 ? { kind: 'pod', namespace, label: label(0) } : INVALID;
  const service = label(rest - 3);
  switch (rest) {
    case 3:
      return { kind: 'service', namespace, service };
    case 4:
      return { kind: 'service', namespace, service, endpoint: label(0) };
    case 5:
      return { kind: 'service', namespace, service, port: stripUnderscore(label(0)), protocol: stripUnderscore(label(1)) };
    default:
      return zonal ? parseZonal(lower, rest, namespace, service) : INVALID;
  }
}

/** `<topology-zone>.(pin|prefer)._zone.<svc>…`; the topology zone may span several labels. */
function parseZonal(lower: readonly string[], rest: number, namespace: string, service: string): ClusterName {
  const directive = lower[rest - 5];
  if (rest < 6 || lower[rest - 4] !== '_zone' || (directive !== 'pin' && directive !== 'prefer')) return INVALID;
  return { kind: 'zonal', namespace, service, topologyZone: lower.slice(0, rest - 5).join('.'), directive };
}

/** The label next to a forward zone, as far as the grammar tells names apart by it. */
export type TreeLabel = 'svc' | 'pod' | 'dns' | 'dns-version' | 'other';

/**
 * Whether every name with `rest` labels left of the zone, the nearest of them `tree`, parses as
 * invalid whatever those labels are: what parseClusterName decides from the count and that one
 * label alone. The search-path expansions of ndots:5 (`<svc>.<ns>.svc.<zone>.<ns>.svc.<zone>`,
 * `….<zone>.<zone>`) are all such names, so the wire layer can answer them without parsing them.
 */
export function invalidByShape(rest: number, tree: TreeLabel, zonal: boolean): boolean {
  switch (tree) {
    case 'svc':
      return rest > 5 && !zonal;
    case 'pod':
      return rest > 3;
    case 'dns-version':
      return rest > 1;
    case 'dns':
      // `ns.dns` is our name server: with two labels, which ones they are decides.
      return rest === 1 || rest > 2;
    case 'other':
      return rest > 0;
  }
}

function stripUnderscore(label: string): string {
  return label.startsWith('_') ? label.slice(1) : label;
}
