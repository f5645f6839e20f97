// Expectations from CoreDNS plugin/kubernetes tests, Apache-2.0, via shared/reference/conformance:
// every case of the suites we implement, run against the resolver over the same fixture clusters.
import { describe, expect, it } from 'vitest';
import { CLIENT, loadCaseFile, mismatches, question, resolverForCase } from './helpers/coredns-cases.js';

const file = loadCaseFile();
/** MCS-API (multicluster) names are an optional feature we do not serve (docs/compatibility.md). */
const OPTIONAL_SUITES = new Set(['unit/handler/multicluster']);
const cases = file.cases.filter((c) => !OPTIONAL_SUITES.has(c.suite));

describe('CoreDNS kubernetes-plugin unit expectations', () => {
  it('covers every non-optional suite of the data file', () => {
    const suites = new Set(cases.map((c) => c.suite));
    expect([...suites].sort()).toEqual(file.suites.map((s) => s.id).filter((id) => !OPTIONAL_SUITES.has(id)).sort());
    expect(cases.length).toBeGreaterThan(80);
  });

  it.each(cases.map((c) => [`${c.id} ${c.qname} ${c.qtype} → ${c.rcode}`, c] as const))('%s', async (_title, c) => {
    const { resolver } = resolverForCase(file, c);
    const answer = await resolver.resolve(question(c.qname, c.qtype), CLIENT);
    expect(mismatches(c, answer)).toEqual([]);
  });
});
