// Manifest text (what `kubectl apply -f` takes: multi-document YAML or JSON, `kind: List`) into the
// complete set of slim objects it describes, or the first error, named by file and document number.
// Pure: the caller reads the files and does the logging.
//
// Documents are read one at a time and turned into slim objects at once, so only one document's
// syntax tree is alive at any moment. Parsing a whole multi-megabyte file into documents first
// (parseAllDocuments) kept every document's tree alive together: 3.5 MB of EndpointSlices took the
// V8 heap to over 200 MB, and the process kept that memory after the trees were gone.
import { Composer, LineCounter, Parser, type Document } from 'yaml';
import { toSlimEndpointSlice, toSlimNamespace, toSlimPod, toSlimService, type Converted } from './convert.js';
import { objectKey, type ClusterObject, type ObjectKind } from './types.js';

export interface ManifestFile {
  /** As shown in messages (relative to the manifests root when it is a directory). */
  readonly name: string;
  readonly text: string;
}

export interface ManifestSet {
  /** Every object per kind, namespaces implied by other objects included. */
  readonly objects: ReadonlyMap<ObjectKind, readonly ClusterObject[]>;
  /** Things worth a debug line: ignored kinds, skipped objects, implied namespaces. */
  readonly notes: readonly string[];
  /** Things worth a warning: duplicates, services a real cluster would give an IP that these lack. */
  readonly warnings: readonly string[];
}

export type ManifestOutcome = { readonly ok: true; readonly set: ManifestSet } | { readonly ok: false; readonly error: string };

const CONVERTERS: Readonly<Record<string, { kind: ObjectKind; convert: (raw: unknown) => Converted<ClusterObject['obj']> }>> = {
  Service: { kind: 'service', convert: toSlimService },
  EndpointSlice: { kind: 'endpointslice', convert: toSlimEndpointSlice },
  Namespace: { kind: 'namespace', convert: toSlimNamespace },
  Pod: { kind: 'pod', convert: toSlimPod },
};

/** Unwinds the walk over documents at the first problem; its message names file and document. */
class ManifestError extends Error {}

interface Collector {
  readonly byKey: Map<string, ClusterObject>;
  readonly notes: string[];
  readonly warnings: string[];
}

function collect(raw: unknown, where: string, into: Collector): void {
  if (raw === null || raw === undefined) return; // an empty document, e.g. a trailing `---`
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ManifestError(`${where}: not a Kubernetes object`);
  const { kind, items } = raw as { kind?: unknown; items?: unknown };
  if (typeof kind !== 'string' || kind === '') throw new ManifestError(`${where}: no kind`);
  if (kind === 'List' || kind.endsWith('List')) {
    if (!Array.isArray(items)) throw new ManifestError(`${where}: ${kind} without items`);
    items.forEach((item: unknown, i) => collect(item, `${where}, item ${i + 1}`, into));
    return;
  }
  const converter = CONVERTERS[kind];
  if (!converter) {
    into.notes.push(`${where}: ${kind} ignored (not used by DNS)`);
    return;
  }
  const result = converter.convert(raw);
  if (result.status === 'error') throw new ManifestError(`${where}: ${result.error}`);
  if (result.status === 'skip') {
    into.notes.push(`${where}: ${result.reason}, skipped`);
    return;
  }
  const object = { kind: converter.kind, obj: result.value } as ClusterObject;
  const key = `${object.kind}:${objectKey('namespace' in object.obj ? object.obj.namespace : undefined, object.obj.name)}`;
  if (into.byKey.has(key)) into.warnings.push(`${where}: ${kind} ${key.slice(key.indexOf(':') + 1)} defined again; the later one wins`);
  if (object.kind === 'service' && object.obj.kind === 'ClusterIP' && object.obj.clusterIPs.length === 0) {
    into.warnings.push(`${where}: Service ${object.obj.namespace}/${object.obj.name} has no clusterIP; its A and AAAA questions get empty answers`);
  }
  into.byKey.set(key, object);
}

/** First line of an error message (YAML's pretty errors add context lines). */
function firstLine(message: string): string {
  return message.split('\n')[0]!;
}

/** The same plain value with freshly allocated strings (see documentValue); undefined stays undefined. */
function detach(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value)) as unknown;
}

/** A document's plain value; a syntax error is a ManifestError naming file, document, line and column. */
function documentValue(doc: Document.Parsed, where: string, lines: LineCounter): unknown {
  const problem = doc.errors[0];
  if (problem) {
    const { line, col } = lines.linePos(problem.pos[0]);
    throw new ManifestError(`${where}: ${firstLine(problem.message)} at line ${line}, column ${col}`);
  }
  try {
    // The parser's strings are slices of the file's text, and one kept slice keeps the whole text
    // alive (55 MB at 10,000 services). A JSON round trip gives the slim records strings of their own.
    return detach(doc.toJS({ maxAliasCount: 1000 }) as unknown);
  } catch (err) {
    throw new ManifestError(`${where}: ${err instanceof Error ? firstLine(err.message) : String(err)}`);
  }
}

/**
 * A file that is JSON as a whole (kubectl's other format) skips the YAML parser: JSON.parse is many
 * times faster and builds nothing but the value. Anything JSON.parse rejects goes to YAML, which
 * also reads JSON and reports errors with a position.
 */
function jsonValue(text: string): { ok: true; value: unknown } | { ok: false } {
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function collectFile(file: ManifestFile, into: Collector): void {
  const json = jsonValue(file.text);
  if (json.ok) {
    collect(json.value, `${file.name} document 1`, into);
    return;
  }
  const lines = new LineCounter();
  const composer = new Composer();
  let number = 0;
  for (const doc of composer.compose(new Parser(lines.addNewLine).parse(file.text))) {
    number++;
    collect(documentValue(doc, `${file.name} document ${number}`, lines), `${file.name} document ${number}`, into);
  }
}

/** Namespaces named by objects but not declared are added, so a manifest set needs no Namespace objects. */
function implyNamespaces(byKey: Map<string, ClusterObject>, notes: string[]): void {
  const declared = new Set<string>();
  const named = new Set<string>();
  for (const object of byKey.values()) {
    if (object.kind === 'namespace') declared.add(object.obj.name);
    else named.add(object.obj.namespace);
  }
  for (const name of named) {
    if (declared.has(name)) continue;
    notes.push(`namespace ${name} implied (used by objects, not declared)`);
    byKey.set(`namespace:${name}`, { kind: 'namespace', obj: { name, labels: {} } });
  }
}

export function parseManifests(files: readonly ManifestFile[]): ManifestOutcome {
  const into: Collector = { byKey: new Map(), notes: [], warnings: [] };
  try {
    for (const file of files) collectFile(file, into);
  } catch (err) {
    // Only ManifestError is expected; anything else from the YAML library must not escape either.
    return { ok: false, error: err instanceof Error ? err.message.split('\n')[0]! : String(err) };
  }
  implyNamespaces(into.byKey, into.notes);
  const objects = new Map<ObjectKind, ClusterObject[]>([['service', []], ['endpointslice', []], ['namespace', []], ['pod', []]]);
  for (const object of into.byKey.values()) objects.get(object.kind)!.push(object);
  return { ok: true, set: { objects, notes: into.notes, warnings: into.warnings } };
}
