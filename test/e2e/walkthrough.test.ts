// The Kubernetes DNS walkthrough, asked of the real server with the real dig, over the bundled
// examples/ (served by default: no --manifests flag is given).
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addresses, dig, type DigResult } from '../helpers/dig.js';
import { startServer, type RunningServer } from '../helpers/server.js';

const run = promisify(execFile);
const ZONE = 'cluster.local';
const QUOTE_PODS = ['10.244.2.9', '10.244.2.10', '10.244.2.8', '10.244.1.10'];
const HTTPENV_PODS = ['10.244.1.4', '10.244.2.5', '10.244.1.5', '10.244.2.6', '10.244.1.6'];

let server: RunningServer;
const ask = (name: string, type = 'A', options: string[] = []): Promise<DigResult> => dig(name, type, { port: server.port, options });

beforeAll(async () => {
  server = await startServer(['--upstream', 'none']);
});
afterAll(async () => {
  await server?.stop();
});

/** A minimal standard query (RD clear), as bytes. */
function query(id: number, name: string, type: number): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(1, 4); // QDCOUNT
  const labels = name.split('.').flatMap((l) => [Buffer.from([l.length]), Buffer.from(l, 'ascii')]);
  const tail = Buffer.alloc(5);
  tail.writeUInt16BE(type, 1);
  tail.writeUInt16BE(1, 3);
  return Buffer.concat([header, ...labels, tail]);
}

/** Sends every query in one write on one TCP connection; resolves with the replies in arrival order. */
function overOneTcpConnection(port: number, queries: Buffer[]): Promise<Buffer[]> {
  return new Promise((done, fail) => {
    const replies: Buffer[] = [];
    let pending = Buffer.alloc(0);
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(Buffer.concat(queries.flatMap((q) => [Buffer.from([q.length >> 8, q.length & 0xff]), q])));
    });
    const timer = setTimeout(() => {
      socket.destroy();
      fail(new Error(`only ${replies.length} of ${queries.length} replies`));
    }, 5000);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        replies.push(pending.subarray(2, 2 + pending.readUInt16BE(0)));
        pending = pending.subarray(2 + pending.readUInt16BE(0));
      }
      if (replies.length === queries.length) {
        clearTimeout(timer);
        socket.end();
        done(replies);
      }
    });
    socket.on('error', fail);
  });
}

/** `next` is `previous` moved along by exactly one position (either direction, but the same every time). */
function rotationStep(previous: string[], next: string[]): 'left' | 'right' | null {
  const left = [...previous.slice(1), previous[0]!];
  const right = [previous.at(-1)!, ...previous.slice(0, -1)];
  if (JSON.stringify(next) === JSON.stringify(left)) return 'left';
  if (JSON.stringify(next) === JSON.stringify(right)) return 'right';
  return null;
}

describe('ClusterIP services', () => {
  it('quote.kiada resolves to one A record, its cluster IP, authoritatively', async () => {
    const r = await ask(`quote.kiada.svc.${ZONE}`);
    expect(r.status).toBe('NOERROR');
    expect(r.flags).toContain('aa');
    expect(r.answer).toEqual([{ name: `quote.kiada.svc.${ZONE}.`, ttl: 5, class: 'IN', type: 'A', data: '10.96.161.97' }]);
  });

  it('nslookup -port=N prints the one address of quote', async () => {
    const { stdout } = await run('nslookup', [`-port=${server.port}`, `quote.kiada.svc.${ZONE}`, '127.0.0.1'], { timeout: 20_000 });
    const answered = stdout.split('\n').filter((l) => /^Address:\s/.test(l) && !l.includes('#'));
    expect(answered).toEqual(['Address: 10.96.161.97']);
  });

  it('httpenv and kubernetes in the default namespace resolve to their cluster IPs', async () => {
    expect(addresses(await ask(`httpenv.default.svc.${ZONE}`))).toEqual(['10.108.189.10']);
    expect(addresses(await ask(`kubernetes.default.svc.${ZONE}`))).toEqual(['10.96.0.1']);
  });

  it('AAAA of an IPv4-only service is NODATA: NOERROR, no answer, the SOA in authority', async () => {
    const r = await ask(`quote.kiada.svc.${ZONE}`, 'AAAA');
    expect(r.status).toBe('NOERROR');
    expect(r.answer).toEqual([]);
    expect(r.authority.map((a) => [a.name, a.type])).toEqual([[`${ZONE}.`, 'SOA']]);
  });
});

describe('headless services', () => {
  it('quote-headless resolves to the four ready pods', async () => {
    const r = await ask(`quote-headless.kiada.svc.${ZONE}`);
    expect(r.status).toBe('NOERROR');
    expect(r.flags).toContain('aa');
    expect(addresses(r).sort()).toEqual([...QUOTE_PODS].sort());
  });

  it('rotates the order by one position per query (round-robin, not a shuffle)', async () => {
    const orders: string[][] = [];
    for (let i = 0; i < 6; i++) orders.push(addresses(await ask(`quote-headless.kiada.svc.${ZONE}`)));
    const steps = orders.slice(1).map((order, i) => rotationStep(orders[i]!, order));
    expect(steps.every((s) => s !== null && s === steps[0])).toBe(true);
    // Four addresses: after four queries the order comes back.
    expect(orders[4]).toEqual(orders[0]);
  });

  it('httpenv-headless resolves to its five pods', async () => {
    expect(addresses(await ask(`httpenv-headless.default.svc.${ZONE}`)).sort()).toEqual([...HTTPENV_PODS].sort());
  });

  it('a headless service without a selector answers its hand-written endpoints', async () => {
    expect(addresses(await ask(`external-db.kiada.svc.${ZONE}`)).sort()).toEqual(['192.168.50.11', '192.168.50.12']);
  });
});

describe('names without records', () => {
  it.each([[`kiada.svc.${ZONE}`], [`svc.${ZONE}`], [ZONE]])('%s is NODATA with the SOA', async (name) => {
    const r = await ask(name);
    expect(r.status).toBe('NOERROR');
    expect(r.flags).toContain('aa');
    expect(r.answer).toEqual([]);
    expect(r.authority.map((a) => a.type)).toEqual(['SOA']);
  });

  it('an unknown name under the zone is NXDOMAIN with the SOA', async () => {
    const r = await ask(`nope.kiada.svc.${ZONE}`);
    expect(r.status).toBe('NXDOMAIN');
    expect(r.flags).toContain('aa');
    expect(r.authority.map((a) => [a.name, a.type])).toEqual([[`${ZONE}.`, 'SOA']]);
  });

  it('a name outside the zones is REFUSED when there is no upstream', async () => {
    expect((await ask('example.com')).status).toBe('REFUSED');
  });
});

describe('apex', () => {
  it('answers the SOA of the zone', async () => {
    const r = await ask(ZONE, 'SOA');
    expect(r.status).toBe('NOERROR');
    expect(r.flags).toContain('aa');
    expect(r.answer).toHaveLength(1);
    expect(r.answer[0]).toMatchObject({ name: `${ZONE}.`, type: 'SOA' });
    expect(r.answer[0]!.data).toMatch(/^ns\.dns\.cluster\.local\. hostmaster\.cluster\.local\. \d+ /);
  });

  it('answers the NS of the zone, with the listen address as glue', async () => {
    const r = await ask(ZONE, 'NS');
    expect(r.answer.map((a) => [a.type, a.data])).toEqual([['NS', `ns.dns.${ZONE}.`]]);
    expect(r.additional.filter((a) => a.type === 'A').map((a) => a.data)).toEqual(['127.0.0.1']);
  });
});

describe('wire behaviour', () => {
  it('echoes the letter case of the question in the answer', async () => {
    const asked = 'QuOtE.KiAdA.sVc.ClUsTeR.lOcAl';
    const r = await ask(asked);
    expect(r.answer.map((a) => a.name)).toEqual([`${asked}.`]);
    expect(r.raw).toContain(`;${asked}.`);
  });

  it('answers over TCP (+tcp)', async () => {
    const r = await ask(`quote-headless.kiada.svc.${ZONE}`, 'A', ['+tcp']);
    expect(r.status).toBe('NOERROR');
    expect(addresses(r).sort()).toEqual([...QUOTE_PODS].sort());
    expect(r.raw).toMatch(/\(TCP\)/);
  });

  it('answers several queries sent on one TCP connection, each with its own ID', async () => {
    const replies = await overOneTcpConnection(server.port, [
      query(0x1111, `quote.kiada.svc.${ZONE}`, 1),
      query(0x2222, `quote-headless.kiada.svc.${ZONE}`, 1),
      query(0x3333, `nope.kiada.svc.${ZONE}`, 1),
    ]);
    const summary = replies.map((r) => ({ id: r.readUInt16BE(0), rcode: r[3]! & 0x0f, answers: r.readUInt16BE(6) }));
    expect(summary.sort((a, b) => a.id - b.id)).toEqual([
      { id: 0x1111, rcode: 0, answers: 1 },
      { id: 0x2222, rcode: 0, answers: 4 },
      { id: 0x3333, rcode: 3, answers: 0 },
    ]);
  });

  it('echoes EDNS with our UDP size, and leaves it out when the query has none', async () => {
    const withEdns = await ask(`quote.kiada.svc.${ZONE}`, 'A', ['+bufsize=4096']);
    expect(withEdns.edns).toEqual({ version: 0, flags: [], udp: 1232 });
    const without = await ask(`quote.kiada.svc.${ZONE}`, 'A', ['+noedns']);
    expect(without.edns).toBeNull();
    expect(addresses(without)).toEqual(['10.96.161.97']);
  });
});

describe('admin endpoints', () => {
  it('/health and /ready answer 200 OK once synced; other paths 404', async () => {
    const base = `http://127.0.0.1:${server.adminPort}`;
    const health = await fetch(`${base}/health`);
    expect([health.status, await health.text()]).toEqual([200, 'OK']);
    const ready = await fetch(`${base}/ready`);
    expect([ready.status, await ready.text()]).toEqual([200, 'OK']);
    expect((await fetch(`${base}/nothing-here`)).status).toBe(404);
  });
});

describe('pod records from the example Pods', () => {
  it('--pods verified answers a pod that exists and NXDOMAIN for an address no pod has', async () => {
    const verified = await startServer(['--pods', 'verified']);
    try {
      const found = await dig(`10-244-2-9.kiada.pod.${ZONE}`, 'A', { port: verified.port });
      expect(addresses(found)).toEqual(['10.244.2.9']);
      const missing = await dig(`10-244-9-9.kiada.pod.${ZONE}`, 'A', { port: verified.port });
      expect(missing.status).toBe('NXDOMAIN');
    } finally {
      expect(await verified.stop()).toBe(0);
    }
  });
});
