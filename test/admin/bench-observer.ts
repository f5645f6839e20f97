// Micro-benchmark (not a test): what the query observer costs per query on the hottest path, a cache
// hit in the dispatcher. Three dispatchers answer the same query from their caches: without an
// observer, with the metrics observer (QueryStats), and with what main wires (QueryStats plus a
// disabled --log-queries logger). Rounds alternate so drift hits all three alike; medians reported.
//
// Run (after nothing else, on an idle machine):
//   node --experimental-transform-types --import ./test/fake-apiserver/register-ts.ts test/admin/bench-observer.ts
import { pino } from 'pino';
import { QueryStats } from '../../src/admin/metrics/query-stats.js';
import { QueryLog, metricsThenLog } from '../../src/admin/query-log.js';
import type { Answer, Client, Generations, Question } from '../../src/resolve/message.js';
import { Dispatcher, type QueryObserver } from '../../src/wire/dispatcher.js';

const ROUNDS = 7;
const PER_ROUND = 500_000;

function query(name: string): Buffer {
  const labels = name.split('.');
  const parts = [Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0])];
  for (const label of labels) parts.push(Buffer.from([label.length]), Buffer.from(label, 'latin1'));
  parts.push(Buffer.from([0, 0, 1, 0, 1]));
  return Buffer.concat(parts);
}

const generations: Generations = { epoch: 1, generation: () => 1 };
const answer = (q: Question): Answer => ({
  rcode: 0, authoritative: true, dependsOn: ['svc'],
  answer: [{ name: q.labels.join('.'), ttl: 5, data: { type: 1, address: '10.96.0.20' } }], authority: [], additional: [],
});
const silent = pino({ level: 'silent' });

function dispatcher(observer: QueryObserver | undefined): Dispatcher {
  return new Dispatcher({ resolver: { resolve: answer }, generations, logger: silent, ...(observer ? { observer } : {}) });
}

const variants: [string, Dispatcher][] = [
  ['no observer', dispatcher(undefined)],
  ['metrics observer', dispatcher(new QueryStats(['cluster.local', 'in-addr.arpa', 'ip6.arpa']))],
  ['metrics + query log off', dispatcher(metricsThenLog(new QueryStats(['cluster.local']), new QueryLog(silent, false)))],
];
const packet = query('web.shop.svc.cluster.local');
const client: Client = { address: '10.0.0.7', port: 40000, transport: 'udp' };

function round(d: Dispatcher, n: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) d.handle(packet, client);
  return Number(process.hrtime.bigint() - start) / n;
}

for (const [, d] of variants) round(d, 200_000); // warm-up: JIT and the cache entry
const results = new Map<string, number[]>(variants.map(([name]) => [name, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, d] of variants) results.get(name)!.push(round(d, PER_ROUND));
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = median(results.get('no observer')!);
for (const [name, xs] of results) {
  const m = median(xs);
  console.log(`${name.padEnd(26)} ${m.toFixed(0).padStart(5)} ns/query  (+${(m - base).toFixed(0)} ns, ${((m / base - 1) * 100).toFixed(1)}%)`);
}
