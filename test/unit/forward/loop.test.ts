// The loop detector: recognises its own probe, and blames the upstream that sent it back.
import { describe, expect, it } from 'vitest';
import { LoopDetector, type LoopProbeTarget } from '../../../src/resolve/forward/loop.js';
import { RRType } from '../../../src/resolve/message.js';
import { message } from './support.js';

const query = (name: string, type: number): Buffer => message({ name, type });

describe('LoopDetector', () => {
  it('has a random two-label probe name, different for each detector', () => {
    const a = new LoopDetector();
    expect(a.probeName).toMatch(/^\d+\.\d+$/);
    expect(new LoopDetector().probeName).not.toBe(a.probeName);
  });

  it('sees only its own probe name asked as HINFO', () => {
    const d = new LoopDetector();
    expect(d.seen(query(d.probeName, RRType.HINFO))).toBe(true);
    expect(d.seen(query(d.probeName, RRType.A))).toBe(false);
    expect(d.seen(query(`x.${d.probeName}`, RRType.HINFO))).toBe(false);
    expect(d.seen(query('www.example.com', RRType.HINFO))).toBe(false);
    // Compared on the wire: a trailing dot spells the same name, a truncated message none.
    expect(d.seen(query(`${d.probeName}.`, RRType.HINFO))).toBe(true);
    expect(d.seen(Buffer.alloc(5))).toBe(false);
  });

  it('reports a loop naming the upstream whose probe came back to us', async () => {
    const d = new LoopDetector();
    const upstreams = [{ host: '192.0.2.53', port: 53 }, { host: '127.0.0.1', port: 1053 }];
    const target: LoopProbeTarget = {
      upstreams,
      probe: async (upstream, name, type) => {
        expect(type).toBe(RRType.HINFO);
        // The second upstream is ourselves: the probe arrives at our front door.
        if (upstream.port === 1053) return d.seen(query(name, type)) ? { rcode: 2 } : { rcode: 0 };
        return { rcode: 3 };
      },
    };
    const result = await d.check(target);
    expect(result.loop).toBe(true);
    expect(result.upstream).toEqual(upstreams[1]);
    expect(result.detail).toContain('127.0.0.1:1053');
    expect(result.detail).toContain(d.probeName);
  });

  it('reports no loop when no probe comes back, with what each upstream answered', async () => {
    const d = new LoopDetector();
    const target: LoopProbeTarget = {
      upstreams: [{ host: '192.0.2.53', port: 53 }, { host: '2001:db8::53', port: 53 }],
      probe: async (upstream) => (upstream.port === 53 && upstream.host.includes(':') ? null : { rcode: 3 }),
    };
    expect(await d.check(target)).toEqual({ loop: false, detail: 'no forwarding loop (192.0.2.53:53: rcode 3, [2001:db8::53]:53: no reply)' });
  });
});
