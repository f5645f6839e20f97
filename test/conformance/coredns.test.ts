// Expectations from CoreDNS plugin/kubernetes tests, Apache-2.0, via shared/reference/conformance:
// every case of every suite asked over the wire. Each suite's mock cluster becomes manifests, the
// built server serves them configured like the suite, and each case is asked over UDP (TCP when the
// reply is truncated and the case does not expect that) and compared as CoreDNS compares it. The
// first case of each suite is asked with dig as well. One `N passed, M failed` line per suite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig } from '../helpers/dig.js';
import { loadCaseFile, type Case } from '../unit/resolve/helpers/coredns-cases.js';
import { askTcp, UdpClient, type Reply } from './support/client.js';
import { caseProblems, typeNumber } from './support/compare.js';
import { digAsPacket } from './support/dig-reply.js';
import { serveSuite, type ServedSuite } from './support/suite-server.js';
import { startUpstreamStub, type StubRecord, type UpstreamStub } from './support/upstream-stub.js';

const file = loadCaseFile();

/** MCS-API names (ServiceImports, cluster-id labels): an optional feature we do not serve. */
const NOT_SUPPORTED: Readonly<Record<string, string>> = {
  'unit/handler/multicluster': 'optional MCS-API suite, not supported (docs/compatibility.md)',
};

const suites = file.suites.filter((s) => NOT_SUPPORTED[s.id] === undefined);
const casesOf = (suiteId: string): Case[] => file.cases.filter((c) => c.suite === suiteId);
const summary: string[] = [];

afterAll(() => {
  for (const [id, why] of Object.entries(NOT_SUPPORTED)) summary.push(`${id}: ${casesOf(id).length} cases not run: ${why}`);
  console.log(`CoreDNS conformance over the wire\n${summary.join('\n')}`);
});

it('runs every suite of the data file except the optional ones listed as not supported', () => {
  const ran = new Set(suites.map((s) => s.id));
  for (const s of file.suites) expect(ran.has(s.id) || NOT_SUPPORTED[s.id] !== undefined, s.id).toBe(true);
  expect(suites.flatMap((s) => casesOf(s.id)).length).toBe(file.cases.length - casesOf('unit/handler/multicluster').length);
});

/** The upstream records the suite's cases stub, served by a real responder. */
function stubRecords(cases: readonly Case[]): StubRecord[] {
  return cases.flatMap((c) => (c.upstream_lookup?.answer ?? []).map((r) => ({ ...r, truncated: c.upstream_lookup?.truncated ?? false })));
}

describe.each(suites.map((s) => [s.id, s] as const))('%s', (suiteId) => {
  const cases = casesOf(suiteId);
  const counts = { passed: 0, failed: 0 };
  let served: ServedSuite;
  let client: UdpClient;
  let upstream: UpstreamStub | null = null;

  beforeAll(async () => {
    const records = stubRecords(cases);
    if (records.length > 0) upstream = await startUpstreamStub(records);
    served = await serveSuite(file, suiteId, cases, upstream !== null ? { upstreamPort: upstream.port } : {});
    client = new UdpClient('127.0.0.1', served.server.port);
  });

  afterAll(async () => {
    summary.push(`${suiteId}: ${counts.passed} passed, ${counts.failed} failed`);
    client?.close();
    await served?.stop();
    await upstream?.close();
  });

  async function ask(c: Case): Promise<Reply> {
    const type = typeNumber(c.qtype);
    const reply = await client.ask(c.qname, type);
    // A real client retries over TCP when a reply is cut; a case about truncation wants the cut reply.
    if (reply.packet.header.tc === 1 && c.truncated !== true) return askTcp('127.0.0.1', served.server.port, c.qname, type);
    return reply;
  }

  it.each(cases.map((c) => [`${c.id}: ${c.qname} ${c.qtype} → ${c.rcode}`, c] as const))('%s', async (_title, c) => {
    let problems: string[];
    try {
      problems = caseProblems(c, (await ask(c)).packet);
    } catch (err) {
      problems = [String(err)];
    }
    if (problems.length === 0) counts.passed++;
    else counts.failed++;
    expect(problems).toEqual([]);
  });

  const withDig = cases.find((c) => c.truncated === undefined);
  if (withDig !== undefined) {
    it(`asked with dig too: ${withDig.id} ${withDig.qname} ${withDig.qtype}`, async () => {
      const result = await dig(withDig.qname, withDig.qtype, { port: served.server.port });
      expect(caseProblems(withDig, digAsPacket(result))).toEqual([]);
      expect(result.flags).toContain('aa');
    });
  }
});
