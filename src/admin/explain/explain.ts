// /debug/explain: why the answer to (name, type) is what it is. The name is read the way the resolver
// reads it (zone, then the name grammar), the facts come from the zone index's public lookups and the
// exclusions tap, and the answer itself comes from the real resolver on a synthetic question, so the
// explanation can never disagree with what a client gets.
import type { Client, Question, Resolver } from '../../resolve/message.js';
import { RRClass } from '../../resolve/message.js';
import { parseClusterName, type ClusterName } from '../../resolve/name-grammar.js';
import { podLabelToIP } from '../../resolve/pods.js';
import { ZoneTable } from '../../resolve/zones.js';
import type { ZoneIndex } from '../../zone/index.js';
import { addressFromReverse } from '../../zone/reverse.js';
import { typeName } from '../metrics/labels.js';
import type { Exclusions } from './exclusions.js';
import { presentAnswer, type PresentedAnswer } from './present.js';
import { endpointFacts, serviceFacts, sliceFacts, type EndpointFacts, type ServiceFacts, type SliceFacts } from './service.js';

export interface ExplainSettings {
  /** Authoritative zones as the resolver holds them (reverse zones expanded), lower case. */
  readonly zones: readonly string[];
  /** --namespaces; [] = all. */
  readonly namespaces: readonly string[];
  readonly noEndpoints: boolean;
  readonly pods: 'disabled' | 'insecure' | 'verified';
  readonly ignoreEmptyService: boolean;
  /** Whether names outside the zones are forwarded (false: REFUSED). */
  readonly forwarding: boolean;
}

export interface ExplainDeps {
  readonly zone: Pick<ZoneIndex, 'service' | 'namespaceExists' | 'clusterIPOwners' | 'endpointOwners' | 'hasPod' | 'synced'>;
  /** The resolver in use now (after reloads). */
  readonly resolver: () => Resolver;
  readonly exclusions: Exclusions;
  readonly settings: () => ExplainSettings;
}

export interface Explanation {
  readonly question: { readonly name: string; readonly type: string };
  readonly zone: string | null;
  readonly synced: boolean;
  readonly shape: ClusterName | { readonly kind: 'reverse'; readonly address: string | null } | { readonly kind: 'outside' };
  readonly namespace?: { readonly name: string; readonly exists: boolean; readonly allowed: boolean; readonly exposed: boolean };
  readonly service?: ServiceFacts | null;
  readonly slices?: readonly SliceFacts[];
  readonly endpoints?: EndpointFacts;
  readonly pod?: { readonly address: string | null; readonly mode: ExplainSettings['pods']; readonly podExists?: boolean };
  readonly owners?: { readonly clusterIP: readonly string[]; readonly endpoint: readonly string[] };
  /** The real answer; null when the name goes to the forwarder (or is refused). */
  readonly answer: PresentedAnswer | null;
  readonly notes: readonly string[];
}

/** A name as a client would send it (with or without the trailing dot) → labels, or null when invalid. */
export function splitName(name: string): string[] | null {
  const trimmed = name.trim().replace(/\.$/, '');
  if (trimmed === '') return [];
  const labels = trimmed.split('.');
  if (trimmed.length > 253 || labels.some((l) => l === '' || l.length > 63)) return null;
  return labels;
}

const CLIENT: Client = { address: '127.0.0.1', port: 0, transport: 'udp' };

export async function explain(deps: ExplainDeps, labels: readonly string[], type: number): Promise<Explanation> {
  const settings = deps.settings();
  const lower = labels.map((l) => l.toLowerCase());
  const question: Question = { labels, lower, type, class: RRClass.IN };
  const notes: string[] = [];
  const base = {
    question: { name: `${labels.join('.')}.`, type: typeName(type) },
    synced: deps.zone.synced,
  };
  if (!deps.zone.synced) notes.push('the cluster source has not synced yet: names that do not exist are SERVFAIL, not NXDOMAIN');

  const answer = await runResolver(deps.resolver(), question, notes);
  // The facts first, the answer and the notes last, as a reader goes through them.
  const done = (facts: Omit<Explanation, 'question' | 'synced' | 'answer' | 'notes'>): Explanation => ({ ...base, ...facts, answer, notes });
  const zone = new ZoneTable(settings.zones).match(lower);
  if (zone === undefined) {
    notes.push(settings.forwarding
      ? 'outside the authoritative zones: the forwarder answers it from the upstream servers'
      : 'outside the authoritative zones and no upstream is configured: REFUSED');
    return done({ zone: null, shape: { kind: 'outside' } });
  }
  const zoneName = `${zone.name}.`;
  const rest = lower.length - zone.labels.length;
  if (zone.reverse) {
    const address = rest === 0 ? null : addressFromReverse(lower);
    const owners = address === null ? undefined : {
      clusterIP: deps.zone.clusterIPOwners(address).map((s) => `${s.name}.${s.namespace}`),
      endpoint: deps.zone.endpointOwners(address).map((o) => `${o.label}.${o.service}.${o.namespace}`),
    };
    if (address === null && rest > 0) notes.push('not a complete reverse name of an address');
    return done({ zone: zoneName, shape: { kind: 'reverse', address }, ...(owners ? { owners } : {}) });
  }

  const shape = parseClusterName(lower, rest);
  const result = { zone: zoneName, shape };
  if (shape.kind === 'invalid') notes.push('the name does not fit the cluster DNS schema (<svc>.<ns>.svc, <ep>.<svc>.<ns>.svc, _<port>._<proto>.<svc>.<ns>.svc, <ip>.<ns>.pod)');
  if (!('namespace' in shape)) return done(result);

  const namespace = namespaceFacts(deps, settings, shape.namespace, notes);
  if (shape.kind === 'pod') return done({ ...result, namespace, pod: podFacts(deps, settings, shape.namespace, shape.label, notes) });
  if (shape.kind !== 'service') return done({ ...result, namespace });

  const view = deps.zone.service(shape.namespace, shape.service);
  if (view === undefined) {
    notes.push(`no service ${shape.service} in namespace ${shape.namespace}`);
    return done({ ...result, namespace, service: null });
  }
  if (view.service === undefined) notes.push('EndpointSlices name this service, but the Service object itself is not known: the name is NXDOMAIN');
  if (view.service?.kind === 'Headless' && view.readyCount === 0) notes.push('a headless service with no ready endpoint is NXDOMAIN');
  if (view.service?.kind === 'ClusterIP' && view.readyCount === 0 && settings.ignoreEmptyService) notes.push('--ignore-empty-service: a service with no ready endpoint is NXDOMAIN');
  const endpoints = endpointFacts(view, view.service, shape, type, { namespaceAllowed: namespace.allowed, noEndpoints: settings.noEndpoints }, deps.exclusions);
  return done({
    ...result, namespace,
    service: view.service === undefined ? null : serviceFacts(view.service),
    slices: sliceFacts(view),
    endpoints,
  });
}

async function runResolver(resolver: Resolver, question: Question, notes: string[]): Promise<PresentedAnswer | null> {
  try {
    const answer = await resolver.resolve(question, CLIENT);
    return answer === null ? null : presentAnswer(answer);
  } catch (err) {
    notes.push(`the resolver failed (the client gets SERVFAIL): ${err instanceof Error ? err.message : String(err)}`);
    return null;
  }
}

function namespaceFacts(deps: ExplainDeps, settings: ExplainSettings, name: string, notes: string[]): NonNullable<Explanation['namespace']> {
  const exists = deps.zone.namespaceExists(name);
  const allowed = settings.namespaces.length === 0 || settings.namespaces.includes(name);
  if (!allowed) notes.push(`namespace ${name} is not exposed: --namespaces lists only ${settings.namespaces.join(', ')}`);
  else if (!exists) notes.push(`namespace ${name} does not exist (no Namespace object, or no service in it)`);
  return { name, exists, allowed, exposed: exists && allowed };
}

function podFacts(deps: ExplainDeps, settings: ExplainSettings, namespace: string, label: string, notes: string[]): NonNullable<Explanation['pod']> {
  const address = podLabelToIP(label);
  if (settings.pods === 'disabled') notes.push('pod records are disabled (--pods disabled)');
  if (address === null) notes.push(`${label} is not an address written with dashes`);
  if (settings.pods !== 'verified' || address === null) return { address, mode: settings.pods };
  const podExists = deps.zone.hasPod(namespace, address);
  if (!podExists) notes.push(`--pods verified: no pod in ${namespace} has the address ${address}`);
  return { address, mode: settings.pods, podExists };
}
