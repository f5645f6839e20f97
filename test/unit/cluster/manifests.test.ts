import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseManifests } from '../../../src/cluster/manifest-parse.js';
import { ManifestSource } from '../../../src/cluster/manifests.js';
import type { ClusterSink } from '../../../src/cluster/source.js';
import type { ClusterObject, ObjectKind } from '../../../src/cluster/types.js';
import { createLogger } from '../../../src/logger.js';

const NAMESPACE = 'apiVersion: v1\nkind: Namespace\nmetadata: { name: kiada }\n';
const quote = (ip = '10.96.161.97', name = 'quote') =>
  `apiVersion: v1\nkind: Service\nmetadata: { name: ${name}, namespace: kiada }\nspec: { clusterIP: ${ip}, ports: [{ name: http, port: 80 }] }\n`;
const SLICE = `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: quote-1, namespace: kiada, labels: { kubernetes.io/service-name: quote } }
addressType: IPv4
endpoints: [{ addresses: [10.244.2.9] }]
`;

function names(objects: readonly ClusterObject[] | undefined): string[] {
  return (objects ?? []).map((o) => ('namespace' in o.obj && o.obj.namespace ? `${o.obj.namespace}/${o.obj.name}` : o.obj.name));
}

describe('parseManifests', () => {
  it('reads multi-document YAML, skipping empty documents', () => {
    const outcome = parseManifests([{ name: 'a.yaml', text: `---\n${NAMESPACE}---\n${quote()}---\n${SLICE}---\n` }]);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(names(outcome.set.objects.get('service'))).toEqual(['kiada/quote']);
    expect(names(outcome.set.objects.get('endpointslice'))).toEqual(['kiada/quote-1']);
    expect(names(outcome.set.objects.get('namespace'))).toEqual(['kiada']);
  });

  it('reads the items of a kind: List, and JSON', () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [
      { kind: 'Service', metadata: { name: 'a', namespace: 'x' }, spec: { clusterIP: '10.0.0.1' } },
      { kind: 'ServiceList', items: [{ kind: 'Service', metadata: { name: 'b', namespace: 'x' }, spec: { clusterIP: 'None' } }] },
    ] };
    const outcome = parseManifests([{ name: 'l.json', text: JSON.stringify(list) }]);
    expect(outcome.ok && names(outcome.set.objects.get('service'))).toEqual(['x/a', 'x/b']);
  });

  it('implies namespaces that objects name but nobody declares, and notes it', () => {
    const outcome = parseManifests([{ name: 'a.yaml', text: quote() }]);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.set.objects.get('namespace')).toEqual([{ kind: 'namespace', obj: { name: 'kiada', labels: {} } }]);
    expect(outcome.set.notes.join('\n')).toContain('namespace kiada implied');
  });

  it('ignores other kinds (Deployment, ConfigMap) with a note', () => {
    const outcome = parseManifests([{ name: 'a.yaml', text: 'kind: Deployment\nmetadata: { name: d }\n---\nkind: ConfigMap\nmetadata: { name: c }\n' }]);
    expect(outcome.ok && outcome.set.notes).toEqual([
      'a.yaml document 1: Deployment ignored (not used by DNS)', 'a.yaml document 2: ConfigMap ignored (not used by DNS)',
    ]);
  });

  it('names the file and document of a YAML syntax error', () => {
    const outcome = parseManifests([{ name: 'ok.yaml', text: NAMESPACE }, { name: 'bad.yaml', text: `${quote()}---\nkind: Service\nspec: [\n` }]);
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error).toMatch(/^bad\.yaml document 2: /);
  });

  it('names the file, document and item of a bad object', () => {
    const text = 'kind: List\nitems:\n  - kind: Service\n    metadata: { name: ok }\n  - kind: Service\n    metadata: { name: bad, namespace: kiada }\n    spec: { clusterIP: 300.1.1.1 }\n';
    const outcome = parseManifests([{ name: 'x.yaml', text: `${NAMESPACE}---\n${text}` }]);
    expect(!outcome.ok && outcome.error).toBe('x.yaml document 2, item 2: Service kiada/bad: spec.clusterIPs[0] "300.1.1.1" is not an IP address');
  });

  it('rejects a document that is not an object or has no kind', () => {
    expect(parseManifests([{ name: 'a.yaml', text: '- 1\n- 2\n' }])).toEqual({ ok: false, error: 'a.yaml document 1: not a Kubernetes object' });
    expect(parseManifests([{ name: 'a.yaml', text: 'metadata: { name: x }\n' }])).toEqual({ ok: false, error: 'a.yaml document 1: no kind' });
  });

  it('warns when an object is defined twice and keeps the later one', () => {
    const outcome = parseManifests([{ name: 'a.yaml', text: `${quote('10.0.0.1')}---\n${quote('10.0.0.2')}` }]);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.set.warnings[0]).toMatch(/a\.yaml document 2: Service kiada\/quote defined again/);
    const svc = outcome.set.objects.get('service')![0]!;
    expect(svc.kind === 'service' && svc.obj.clusterIPs).toEqual(['10.0.0.2']);
  });

  it('skips EndpointSlices without a service-name label', () => {
    const outcome = parseManifests([{ name: 'a.yaml', text: SLICE.replace('labels: { kubernetes.io/service-name: quote }', 'labels: {}') }]);
    expect(outcome.ok && outcome.set.objects.get('endpointslice')).toEqual([]);
  });
});

/** A sink that records every call, for asserting what the source delivered. */
class RecordingSink implements ClusterSink {
  readonly calls: string[] = [];
  readonly state = new Map<ObjectKind, readonly ClusterObject[]>();
  upsert(object: ClusterObject): void { this.calls.push(`upsert ${object.kind}`); }
  remove(kind: ObjectKind): void { this.calls.push(`remove ${kind}`); }
  replace(kind: ObjectKind, objects: readonly ClusterObject[]): void {
    this.calls.push(`replace ${kind} ${objects.length}`);
    this.state.set(kind, objects);
  }
  markSynced(kind: ObjectKind): void { this.calls.push(`synced ${kind}`); }
}

function capturingLogger() {
  const lines: { level: string; msg: string; error?: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger('debug', stream), lines };
}

/** Waits (bounded) until `check` holds, polling every 20 ms. */
async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('ManifestSource', () => {
  let dir: string;
  let source: ManifestSource | null = null;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'svcdns-manifests-'));
  });
  afterEach(async () => {
    await source?.stop();
    source = null;
    rmSync(dir, { recursive: true, force: true });
  });

  function start(path: string, opts: { pollMs?: number; kinds?: ObjectKind[]; watch?: boolean; compactHeap?: () => void } = {}) {
    const { logger, lines } = capturingLogger();
    const sink = new RecordingSink();
    source = new ManifestSource({
      path, logger, debounceMs: 20, pollMs: opts.pollMs ?? 100, watch: opts.watch ?? true,
      ...(opts.kinds ? { kinds: opts.kinds } : {}), ...(opts.compactHeap ? { compactHeap: opts.compactHeap } : {}),
    });
    return { sink, lines, started: source.start(sink) };
  }

  it('delivers every kind with replace, then marks each synced', async () => {
    writeFileSync(join(dir, 'a.yaml'), `${NAMESPACE}---\n${quote()}---\n${SLICE}`);
    const { sink, started } = start(dir);
    await started;
    expect(sink.calls).toEqual([
      'replace service 1', 'replace endpointslice 1', 'replace namespace 1',
      'synced service', 'synced endpointslice', 'synced namespace',
    ]);
    expect(source!.status()).toMatchObject({ name: 'manifests', synced: true, connected: true });
  });

  it('compacts the heap after each load it applies, not after one it rejects', async () => {
    writeFileSync(join(dir, 'a.yaml'), quote());
    let compactions = 0;
    const { sink, started } = start(dir, { compactHeap: () => compactions++ });
    await started;
    // Once the load's own call has returned (its file texts and parse result are garbage by then).
    await eventually(() => compactions === 1);
    writeFileSync(join(dir, 'a.yaml'), quote('10.0.0.9'));
    await eventually(() => compactions === 2);
    writeFileSync(join(dir, 'a.yaml'), 'kind: Service\nmetadata: [not, a, map]\n');
    await eventually(() => source!.status().connected === false);
    expect(compactions).toBe(2);
    expect(names(sink.state.get('service'))).toEqual(['kiada/quote']);
  });

  it('delivers pods only when asked for them', async () => {
    writeFileSync(join(dir, 'p.yaml'), 'kind: Pod\nmetadata: { name: p, namespace: kiada }\nstatus: { podIP: 10.0.0.1 }\n');
    const { sink, started } = start(dir, { kinds: ['service', 'namespace', 'pod'] });
    await started;
    expect(sink.calls).toEqual(['replace service 0', 'replace namespace 1', 'replace pod 1', 'synced service', 'synced namespace', 'synced pod']);
  });

  it('reads *.yaml, *.yml and *.json recursively in sorted order, skipping hidden entries', async () => {
    mkdirSync(join(dir, 'sub'));
    mkdirSync(join(dir, '..data'));
    writeFileSync(join(dir, 'b.yml'), quote('10.0.0.2', 'b'));
    writeFileSync(join(dir, 'sub', 'a.json'), JSON.stringify({ kind: 'Service', metadata: { name: 'a', namespace: 'kiada' }, spec: { clusterIP: '10.0.0.1' } }));
    writeFileSync(join(dir, 'notes.txt'), 'not a manifest');
    writeFileSync(join(dir, '..data', 'c.yaml'), quote('10.0.0.3', 'c'));
    symlinkSync(join(dir, 'b.yml'), join(dir, 'link.yaml'));
    const { sink, started } = start(dir);
    await started;
    // link.yaml repeats b: the same object twice is allowed (the later one wins).
    expect(names(sink.state.get('service'))).toEqual(['kiada/b', 'kiada/a']);
  });

  it('reads a single file', async () => {
    const file = join(dir, 'one.yaml');
    writeFileSync(file, quote());
    const { sink, started } = start(file);
    await started;
    expect(names(sink.state.get('service'))).toEqual(['kiada/quote']);
  });

  it('re-reads when a file changes, is added or is removed', async () => {
    writeFileSync(join(dir, 'a.yaml'), quote());
    const { sink, started } = start(dir);
    await started;
    writeFileSync(join(dir, 'b.yaml'), quote('10.0.0.9', 'extra'));
    await eventually(() => names(sink.state.get('service')).includes('kiada/extra'));
    unlinkSync(join(dir, 'b.yaml'));
    await eventually(() => !names(sink.state.get('service')).includes('kiada/extra'));
    expect(sink.calls.filter((c) => c.startsWith('synced'))).toHaveLength(3); // synced once per kind, not per reload
  });

  it('keeps the last good state when a manifest goes bad, logging file and document, and recovers', async () => {
    writeFileSync(join(dir, 'a.yaml'), quote());
    const { sink, lines, started } = start(dir);
    await started;
    const replacesBefore = sink.calls.length;
    writeFileSync(join(dir, 'a.yaml'), `${quote()}---\nkind: Service\nmetadata: { name: broken, namespace: kiada }\nspec: { clusterIP: nope }\n`);
    await eventually(() => lines.some((l) => l.level === 'error'));
    const logged = lines.find((l) => l.level === 'error')!;
    expect(logged.error).toMatch(/^a\.yaml document 2: Service kiada\/broken: spec.clusterIPs\[0\] "nope" is not an IP address/);
    expect(logged.msg).toContain('last good state');
    expect(sink.calls.length).toBe(replacesBefore); // nothing partial applied
    expect(source!.status()).toMatchObject({ synced: true, connected: false });

    writeFileSync(join(dir, 'a.yaml'), quote('10.0.0.5'));
    await eventually(() => source!.status().connected);
    const svc = sink.state.get('service')![0]!;
    expect(svc.kind === 'service' && svc.obj.clusterIPs).toEqual(['10.0.0.5']);
  });

  it('reports a bad manifest at start without syncing, and syncs once it is fixed', async () => {
    writeFileSync(join(dir, 'a.yaml'), 'kind: Service\nspec: [\n');
    const { sink, started } = start(dir);
    await started;
    expect(sink.calls).toEqual([]);
    expect(source!.status()).toMatchObject({ synced: false, connected: false });
    writeFileSync(join(dir, 'a.yaml'), quote());
    await eventually(() => source!.status().synced);
    expect(names(sink.state.get('service'))).toEqual(['kiada/quote']);
  });

  it('notices changes by polling when no watch event arrives', async () => {
    writeFileSync(join(dir, 'a.yaml'), quote());
    const { sink, started } = start(join(dir, 'a.yaml'), { pollMs: 50, watch: false });
    await started;
    writeFileSync(join(dir, 'a.yaml'), quote('10.0.0.77'));
    await eventually(() => {
      const svc = sink.state.get('service')?.[0];
      return svc?.kind === 'service' && svc.obj.clusterIPs[0] === '10.0.0.77';
    });
  });

  it('reports a missing path as not connected', async () => {
    const { started } = start(join(dir, 'missing'));
    await started;
    expect(source!.status()).toMatchObject({ synced: false, connected: false });
    expect(source!.status().detail).toMatch(/cannot read/);
  });
});
