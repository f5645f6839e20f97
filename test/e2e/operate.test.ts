// Operating the real server: /metrics after real dig traffic (CoreDNS names, counts by rcode,
// histogram buckets, programming latency), /debug/explain for a headless service with a not-ready
// and an IPv6 endpoint, and --log-queries.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMetrics, sum, types } from '../admin/metrics-text.js';
import { dig, type DigResult } from '../helpers/dig.js';
import { startServer, type RunningServer } from '../helpers/server.js';

const dir = mkdtempSync(join(tmpdir(), 'svcdns-operate-'));
let server: RunningServer;
const ask = (name: string, type = 'A', options: string[] = []): Promise<DigResult> => dig(name, type, { port: server.port, options });

async function admin(path: string): Promise<{ status: number; text: string; contentType: string }> {
  const res = await fetch(`http://127.0.0.1:${server.adminPort}${path}`);
  return { status: res.status, text: await res.text(), contentType: res.headers.get('content-type') ?? '' };
}

const SERVICES = `apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec: { clusterIP: 10.96.0.20, selector: { app: web }, ports: [{ name: http, port: 80, protocol: TCP }] }
---
apiVersion: v1
kind: Service
metadata: { name: db, namespace: shop }
spec: { clusterIP: None, selector: { app: db }, ports: [{ name: pg, port: 5432, protocol: TCP }] }
`;

function dbSlices(triggerTime?: string, extraReady = false): string {
  const annotation = triggerTime ? `, annotations: { endpoints.kubernetes.io/last-change-trigger-time: "${triggerTime}" }` : '';
  return `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: db-v4, namespace: shop, labels: { kubernetes.io/service-name: db }${annotation} }
addressType: IPv4
ports: [{ name: pg, port: 5432, protocol: TCP }]
endpoints:
  - addresses: [10.1.0.1]
    hostname: db-0
  - addresses: [10.1.0.2]
    conditions: { ready: ${extraReady} }
    targetRef: { kind: Pod, name: db-1 }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: db-v6, namespace: shop, labels: { kubernetes.io/service-name: db } }
addressType: IPv6
ports: [{ name: pg, port: 5432, protocol: TCP }]
endpoints:
  - addresses: ["fd00::1:1"]
`;
}

beforeAll(async () => {
  writeFileSync(join(dir, 'services.yaml'), SERVICES);
  writeFileSync(join(dir, 'slices.yaml'), dbSlices());
  server = await startServer(['--manifests', dir, '--log-queries']);
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('/metrics after dig traffic', () => {
  let samples: ReturnType<typeof parseMetrics>;
  let text: string;

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) expect((await ask('web.shop.svc.cluster.local')).status).toBe('NOERROR');
    for (let i = 0; i < 2; i++) expect((await ask('nope.shop.svc.cluster.local')).status).toBe('NXDOMAIN');
    expect((await ask('db.shop.svc.cluster.local', 'AAAA', ['+tcp'])).status).toBe('NOERROR');
    expect((await ask('_pg._tcp.db.shop.svc.cluster.local', 'SRV')).status).toBe('NOERROR');
    expect((await ask('outside.example', 'A')).status).toBe('REFUSED');
    const res = await admin('/metrics');
    expect(res.status).toBe(200);
    expect(res.contentType).toContain('text/plain; version=0.0.4');
    text = res.text;
    samples = parseMetrics(text);
  });

  it('coredns_dns_requests_total counts every query by zone, proto, family and type', () => {
    expect(sum(samples, 'coredns_dns_requests_total')).toBe(8);
    expect(sum(samples, 'coredns_dns_requests_total', { zone: 'cluster.local.', type: 'A', proto: 'udp', family: '1' })).toBe(5);
    expect(sum(samples, 'coredns_dns_requests_total', { type: 'AAAA', proto: 'tcp' })).toBe(1);
    expect(sum(samples, 'coredns_dns_requests_total', { type: 'SRV' })).toBe(1);
    expect(sum(samples, 'coredns_dns_requests_total', { zone: '.' })).toBe(1);
  });

  it('coredns_dns_responses_total counts by rcode; repeats are answered by the cache', () => {
    expect(sum(samples, 'coredns_dns_responses_total', { rcode: 'NOERROR' })).toBe(5);
    expect(sum(samples, 'coredns_dns_responses_total', { rcode: 'NXDOMAIN' })).toBe(2);
    expect(sum(samples, 'coredns_dns_responses_total', { rcode: 'REFUSED' })).toBe(1);
    expect(sum(samples, 'coredns_dns_responses_total', { rcode: 'NOERROR', plugin: 'cache' })).toBe(2);
    expect(sum(samples, 'coredns_dns_responses_total', { rcode: 'NXDOMAIN', plugin: 'cache' })).toBe(1);
    expect(sum(samples, 'coredns_cache_hits_total', { type: 'denial' })).toBe(1);
    expect(sum(samples, 'coredns_cache_hits_total', { type: 'success' })).toBe(2);
  });

  it('the duration histogram has CoreDNS buckets and counts every query', () => {
    expect(types(text).get('coredns_dns_request_duration_seconds')).toBe('histogram');
    const buckets = samples.filter((s) => s.name === 'coredns_dns_request_duration_seconds_bucket' && s.labels['type'] === 'A' && s.labels['zone'] === 'cluster.local.');
    expect(buckets.map((b) => b.labels['le'])).toEqual([
      '0.00025', '0.0005', '0.001', '0.002', '0.004', '0.008', '0.016', '0.032', '0.064', '0.128', '0.256', '0.512', '1.024', '2.048', '4.096', '8.192', '+Inf',
    ]);
    expect(buckets.at(-1)?.value).toBe(5);
    // Cumulative: never decreasing.
    for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
    expect(sum(samples, 'coredns_dns_request_duration_seconds_count')).toBe(8);
    expect(sum(samples, 'coredns_dns_request_size_bytes_count')).toBe(8);
    expect(sum(samples, 'coredns_dns_response_size_bytes_count', { proto: 'tcp' })).toBe(1);
  });

  it('programming latency is exposed for every service kind, and source state and Node metrics are there', () => {
    for (const kind of ['cluster_ip', 'headless_with_selector', 'headless_without_selector']) {
      expect(samples.some((s) => s.name === 'coredns_kubernetes_dns_programming_duration_seconds_count' && s.labels['service_kind'] === kind)).toBe(true);
    }
    expect(sum(samples, 'svcdns_source_synced', { source: 'manifests' })).toBe(1);
    expect(sum(samples, 'svcdns_ready')).toBe(1);
    expect(sum(samples, 'svcdns_objects_held', { kind: 'service' })).toBe(2);
    expect(sum(samples, 'svcdns_objects_held', { kind: 'endpoint' })).toBe(2);
    expect(sum(samples, 'coredns_build_info')).toBe(1);
    expect(samples.some((s) => s.name === 'process_resident_memory_bytes')).toBe(true);
  });

  it('an endpoint change with a trigger time is recorded as programming latency of its service kind', async () => {
    writeFileSync(join(dir, 'slices.yaml'), dbSlices(new Date().toISOString(), true));
    const end = Date.now() + 10_000;
    let count = 0;
    while (count === 0 && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 100));
      count = sum(parseMetrics((await admin('/metrics')).text), 'coredns_kubernetes_dns_programming_duration_seconds_count', { service_kind: 'headless_with_selector' });
    }
    expect(count).toBe(1);
    writeFileSync(join(dir, 'slices.yaml'), dbSlices());
  });
});

describe('/debug/explain', () => {
  interface Explained {
    zone: string;
    shape: { kind: string };
    endpoints: { answered: { address: string }[]; leftOut: { addresses: string[]; reason: string }[] };
    answer: { rcode: string; answer: string[] };
  }
  const explain = async (name: string, type: string): Promise<Explained> => {
    const res = await admin(`/debug/explain?name=${encodeURIComponent(name)}&type=${type}`);
    expect(res.status).toBe(200);
    expect(res.contentType).toBe('application/json');
    return JSON.parse(res.text) as Explained;
  };

  it('A at a headless service: the ready IPv4 endpoint is answered; the not-ready and the IPv6 endpoints are left out, with reasons', async () => {
    const until = Date.now() + 10_000;
    let e = await explain('db.shop.svc.cluster.local', 'A');
    while (e.endpoints.leftOut.every((l) => l.reason !== 'not ready') && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      e = await explain('db.shop.svc.cluster.local', 'A');
    }
    expect(e.zone).toBe('cluster.local.');
    expect(e.shape.kind).toBe('service');
    expect(e.endpoints.answered.map((a) => a.address)).toEqual(['10.1.0.1']);
    expect(e.endpoints.leftOut).toEqual(expect.arrayContaining([
      expect.objectContaining({ addresses: ['10.1.0.2'], reason: 'not ready' }),
      expect.objectContaining({ addresses: ['fd00::1:1'], reason: 'other address family' }),
    ]));
    expect(e.answer.rcode).toBe('NOERROR');
    expect(e.answer.answer).toEqual(['db.shop.svc.cluster.local. 5 IN A 10.1.0.1']);
    // What dig gets agrees with the explanation.
    expect((await ask('db.shop.svc.cluster.local')).answer.map((r) => r.data)).toEqual(['10.1.0.1']);
  });

  it('AAAA at the same service answers the IPv6 endpoint', async () => {
    const e = await explain('db.shop.svc.cluster.local', 'AAAA');
    expect(e.endpoints.answered.map((a) => a.address)).toEqual(['fd00::1:1']);
    expect(e.answer.answer).toEqual(['db.shop.svc.cluster.local. 5 IN AAAA fd00::1:1']);
  });

  it('a missing name or an unknown type is a 400 with a reason', async () => {
    expect((await admin('/debug/explain')).status).toBe(400);
    const res = await admin('/debug/explain?name=db.shop.svc.cluster.local&type=NOPE');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toEqual({ error: expect.stringContaining('"NOPE" is not a DNS type') });
  });
});

describe('--log-queries', () => {
  it('logs one line per answered query with the name as asked, type and rcode', async () => {
    await ask('Web.Shop.svc.cluster.local', 'A');
    const line = await server.waitForLog((l) => l.msg === 'query' && l['name'] === 'Web.Shop.svc.cluster.local.');
    expect(line).toMatchObject({ level: 'info', type: 'A', rcode: 'NOERROR', proto: 'udp', client: '127.0.0.1' });
  });
});
