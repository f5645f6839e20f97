// parseManifests reads documents one at a time (so a big file never has all its syntax trees alive
// at once) and JSON files with JSON.parse: the results must be what the whole-file YAML reading gave.
import { describe, expect, it } from 'vitest';
import { parseManifests, type ManifestSet } from '../../../src/cluster/manifest-parse.js';

const service = (i: number) => ({
  apiVersion: 'v1', kind: 'Service',
  metadata: { name: `svc-${i}`, namespace: 'bulk' },
  spec: { clusterIP: `10.96.${Math.floor(i / 250)}.${(i % 250) + 1}`, ports: [{ name: 'http', port: 80 }] },
});

function names(set: ManifestSet): string[] {
  return (set.objects.get('service') ?? []).map((o) => ('namespace' in o.obj ? `${o.obj.namespace}/${o.obj.name}` : o.obj.name));
}

function parsed(name: string, text: string): ManifestSet {
  const outcome = parseManifests([{ name, text }]);
  if (!outcome.ok) throw new Error(outcome.error);
  return outcome.set;
}

describe('parseManifests: document by document', () => {
  it('reads every document of a long multi-document file, in order', () => {
    const text = Array.from({ length: 500 }, (_, i) => `---\n${JSON.stringify(service(i))}\n`).join('');
    const set = parsed('bulk.yaml', text);
    expect(names(set)).toHaveLength(500);
    expect(names(set)[499]).toBe('bulk/svc-499');
  });

  it('names the document, line and column of a syntax error after good documents', () => {
    const text = `${JSON.stringify(service(1))}\n---\nkind: Service\nmetadata: { name: x\n`;
    const outcome = parseManifests([{ name: 'bad.yaml', text }]);
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error).toMatch(/^bad\.yaml document 2: .* at line \d+, column \d+$/);
  });

  it('keeps going past empty documents and comments', () => {
    const text = `# a comment\n---\n---\n${JSON.stringify(service(2))}\n---\n# only a comment\n`;
    expect(names(parsed('a.yaml', text))).toEqual(['bulk/svc-2']);
  });
});

describe('parseManifests: JSON', () => {
  it('reads a JSON List the same as its YAML form', () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [service(1), service(2)] };
    const fromJson = parsed('list.json', JSON.stringify(list, null, 2));
    const fromYaml = parsed('list.yaml', `kind: List\nitems:\n${[service(1), service(2)].map((s) => `  - ${JSON.stringify(s)}`).join('\n')}\n`);
    expect(names(fromJson)).toEqual(['bulk/svc-1', 'bulk/svc-2']);
    expect(fromJson.objects).toEqual(fromYaml.objects);
  });

  it('falls back to YAML for a file that only looks like JSON (flow style, unquoted keys)', () => {
    expect(names(parsed('flow.json', '{ kind: Service, metadata: { name: f, namespace: bulk }, spec: { clusterIP: 10.96.0.9 } }'))).toEqual(['bulk/f']);
  });

  it('reports a broken JSON file through the YAML reader, with its position', () => {
    const outcome = parseManifests([{ name: 'broken.json', text: '{"kind": "Service", "metadata": {"name": "x"' }]);
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error).toMatch(/^broken\.json document 1: .* at line 1, column \d+$/);
  });
});
