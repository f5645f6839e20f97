// The over-the-wire share of the fuzz run, against the built server as a child process: datagrams in
// bounded bursts (each burst followed by a probe that must be answered, so the server is seen alive
// all along), and framed hostile messages and raw garbage over many TCP connections. Afterwards
// the server answers a normal question correctly, its memory has stayed bounded and its log shows
// no exception that escaped. The corpus of packets that once broke something is replayed too.
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addresses, dig } from '../helpers/dig.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { writeCluster, WEB_IP } from '../robust/support/cluster.js';
import { escapedErrors, frame, FrameReader, openTcp, rssOf, sleep, tcpExchange, udpExchange } from '../robust/support/net.js';
import { buildQuery, nextPacket, Rng } from './packets.js';
import { checkMessage, replyProblem } from './verify.js';

const UDP_PACKETS = 100_000;
const UDP_BURST = 100;
const TCP_CONNECTIONS = 320;
const TCP_MESSAGES_PER_CONNECTION = 160;
const TCP_PARALLEL = 12;
/** Resident memory may grow this much over the whole run (heap growth to its working size, caches). */
const RSS_GROWTH_BOUND = 64 * 1024 * 1024;

interface CorpusEntry {
  name: string;
  hex: string;
  /** 'drop': no reply; otherwise the rcode name of the reply. */
  expect: 'drop' | 'NOERROR' | 'FORMERR' | 'NXDOMAIN' | 'NOTIMP' | 'REFUSED' | 'BADVERS';
  why: string;
}

const RCODES: Record<string, number> = { NOERROR: 0, FORMERR: 1, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, BADVERS: 0 };

const corpus = JSON.parse(readFileSync(new URL('./corpus/regressions.json', import.meta.url), 'utf8')) as CorpusEntry[];

const dir = mkdtempSync(join(tmpdir(), 'svcdns-wirefuzz-'));
let server: RunningServer;
let rssAtStart = 0;

const PROBE = buildQuery({ id: 0x7777, name: 'web.default.svc.cluster.local' });

function isWebAnswer(reply: Buffer | null): boolean {
  return reply !== null && reply.readUInt16BE(0) === 0x7777 && (reply[3]! & 0x0f) === 0 && reply.readUInt16BE(6) === 1
    && reply.subarray(-4).equals(Buffer.from(WEB_IP.split('.').map(Number)));
}

beforeAll(async () => {
  server = await startServer([
    '--manifests', writeCluster(dir), '--zone', 'cluster.local,10.0.0.0/8', '--pods', 'insecure', '--upstream', 'none',
    '--tcp-idle-timeout', '3s',
  ]);
  // Warm up (JIT, heap, answer cache) before taking the memory baseline.
  for (let i = 0; i < 200; i++) await udpExchange(server.port, PROBE, 500);
  rssAtStart = rssOf(server.process.pid!);
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Sends UDP_PACKETS hostile datagrams in bursts; after each burst a probe from another socket must be
 * answered. A burst stays well inside a default socket receive buffer (212 KB holds ~200 datagrams of
 * this size), so a lost probe means the server stalled, not that the kernel dropped it.
 */
async function udpFuzz(port: number): Promise<{ sent: number; replies: number; problems: string[]; probesLost: number }> {
  const rng = new Rng(0x5eed_0101);
  const fuzzSocket = createSocket('udp4');
  const probeSocket = createSocket('udp4');
  await Promise.all([fuzzSocket, probeSocket].map((s) => new Promise<void>((done) => s.bind(0, '127.0.0.1', () => done()))));
  // Every datagram gets the next ID of a running counter, so a reply's ID must be one of the last
  // few thousand sent (replies can lag several bursts behind the probe's, which has its own socket).
  let nextId = 0;
  const recentlySent = (id: number): boolean => ((nextId - id + 0x10000) & 0xffff) <= 5000;
  const problems: string[] = [];
  let replies = 0;
  fuzzSocket.on('message', (reply) => {
    replies++;
    if (problems.length >= 5) return;
    const shape = checkMessage(reply);
    if (typeof shape === 'string') problems.push(`malformed UDP reply: ${shape}: ${reply.toString('hex').slice(0, 400)}`);
    else if (!recentlySent(shape.id)) problems.push(`UDP reply to an ID never sent: ${reply.toString('hex').slice(0, 400)}`);
    else if (reply.length > 1232) problems.push(`UDP reply of ${reply.length} bytes`);
  });
  let probeWaiter: ((reply: Buffer) => void) | null = null;
  probeSocket.on('message', (reply) => probeWaiter?.(reply));
  let sent = 0;
  let probesLost = 0;
  try {
    while (sent < UDP_PACKETS) {
      for (let i = 0; i < UDP_BURST && sent < UDP_PACKETS; i++, sent++) {
        const { packet } = nextPacket(rng);
        if (packet.length >= 2) {
          nextId = (nextId + 1) & 0xffff;
          packet.writeUInt16BE(nextId, 0);
        }
        fuzzSocket.send(packet, port, '127.0.0.1');
      }
      const answered = await new Promise<boolean>((done) => {
        const timer = setTimeout(() => done(false), 2000);
        probeWaiter = (reply) => {
          if (!isWebAnswer(reply)) return;
          clearTimeout(timer);
          done(true);
        };
        probeSocket.send(PROBE, port, '127.0.0.1');
      });
      if (!answered) probesLost++;
    }
    await sleep(200);
  } finally {
    fuzzSocket.close();
    probeSocket.close();
  }
  return { sent, replies, problems, probesLost };
}

/** One TCP connection: framed hostile messages, then the probe, whose answer must come back. */
async function tcpConnectionFuzz(port: number, rng: Rng, index: number): Promise<{ messages: number; replies: number; problems: string[]; probeAnswered: boolean }> {
  const socket = await openTcp(port);
  const messages: Buffer[] = [];
  // Messages shorter than a header cannot be framed sensibly (the server closes such a stream), so
  // they are sent as they are only on every tenth connection, after the probe.
  while (messages.length < TCP_MESSAGES_PER_CONNECTION) {
    const { packet } = nextPacket(rng);
    if (packet.length < 12) continue;
    // A distinct ID per message, so each reply is checked against the query that caused it.
    const copy = Buffer.from(packet);
    copy.writeUInt16BE(messages.length, 0);
    messages.push(copy);
  }
  const byId = new Map<number, Buffer>();
  for (const m of messages) byId.set(m.readUInt16BE(0), m);
  const problems: string[] = [];
  let replies = 0;
  return new Promise((done) => {
    const reader = new FrameReader();
    let probeAnswered = false;
    // Raw garbage sent after the probe may happen to frame a message the server rightly answers,
    // with whatever ID the garbage held: replies after it are not checked against our queries.
    let garbageSent = false;
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      done({ messages: messages.length, replies, problems, probeAnswered });
    };
    const timer = setTimeout(finish, 10_000);
    socket.on('data', (chunk: Buffer) => {
      for (const reply of reader.push(chunk)) {
        if (isWebAnswer(reply)) {
          probeAnswered = true;
          if (index % 10 === 0) socket.write(Buffer.from([0, 3, 1, 2, 3])); // a frame too short to be DNS
          else if (index % 10 === 1) {
            garbageSent = true;
            socket.end(rng.bytes(300)); // raw garbage, no framing, then FIN
          }
          else socket.end();
          continue;
        }
        if (garbageSent) continue;
        replies++;
        const query = byId.get(reply.readUInt16BE(0));
        const problem = query === undefined ? 'TCP reply to an ID never sent' : replyProblem(query, reply, { address: '', port: 0, transport: 'tcp' });
        if (problem !== null && problems.length < 5) problems.push(`${problem}: query ${query?.toString('hex').slice(0, 400)}`);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', finish);
    socket.write(Buffer.concat([...messages.map(frame), frame(PROBE)]));
  });
}

async function tcpFuzz(port: number): Promise<{ messages: number; replies: number; problems: string[]; probesLost: number }> {
  const rng = new Rng(0x5eed_0202);
  const total = { messages: 0, replies: 0, problems: [] as string[], probesLost: 0 };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < TCP_CONNECTIONS) {
      const index = next++;
      const result = await tcpConnectionFuzz(port, rng, index);
      total.messages += result.messages;
      total.replies += result.replies;
      total.problems.push(...result.problems);
      if (!result.probeAnswered) total.probesLost++;
    }
  };
  await Promise.all(Array.from({ length: TCP_PARALLEL }, worker));
  return total;
}

describe('fuzz over the wire against the running server', () => {
  it(`survives ${UDP_PACKETS.toLocaleString('en')} hostile datagrams, answering a probe after every burst of ${UDP_BURST}`, async () => {
    const result = await udpFuzz(server.port);
    expect(result.problems).toEqual([]);
    expect(result.sent).toBe(UDP_PACKETS);
    // Most hostile datagrams get a reply (FORMERR and the like); the rest are dropped on purpose.
    expect(result.replies).toBeGreaterThan(UDP_PACKETS / 3);
    expect(result.probesLost).toBeLessThanOrEqual(2);
  });

  it(`survives ${(TCP_CONNECTIONS * TCP_MESSAGES_PER_CONNECTION).toLocaleString('en')} hostile messages over ${TCP_CONNECTIONS} TCP connections, with garbage streams`, async () => {
    const result = await tcpFuzz(server.port);
    expect(result.problems).toEqual([]);
    expect(result.probesLost).toBe(0);
    // Every framed message that is a query gets its answer on the same connection.
    expect(result.replies).toBeGreaterThan(result.messages / 2);
  });

  it('answers every packet of the regression corpus as recorded, over UDP and TCP', async () => {
    expect(corpus.length).toBeGreaterThan(10);
    for (const entry of corpus) {
      const packet = Buffer.from(entry.hex, 'hex');
      const udp = await udpExchange(server.port, packet, entry.expect === 'drop' ? 300 : 2000);
      if (entry.expect === 'drop') {
        expect(udp, entry.name).toBeNull();
        continue;
      }
      expect(udp, entry.name).not.toBeNull();
      expect(checkMessage(udp!), entry.name).toMatchObject({ rcode: RCODES[entry.expect] });
      if (packet.length >= 12) {
        const tcp = await tcpExchange(server.port, packet);
        expect(tcp, entry.name).not.toBeNull();
        expect(checkMessage(tcp!), entry.name).toMatchObject({ rcode: RCODES[entry.expect] });
      }
    }
  });

  it('afterwards answers a normal question correctly, with bounded memory and no escaped exception', async () => {
    const result = await dig('web.default.svc.cluster.local', 'A', { port: server.port });
    expect(result.status).toBe('NOERROR');
    expect(addresses(result)).toEqual([WEB_IP]);
    const tcp = await dig('big.default.svc.cluster.local', 'A', { port: server.port, options: ['+tcp'] });
    expect(addresses(tcp)).toHaveLength(100);
    const growth = rssOf(server.process.pid!) - rssAtStart;
    expect(growth).toBeLessThan(RSS_GROWTH_BOUND);
    expect(escapedErrors(server.records(), server.stderr())).toEqual([]);
  });
});
