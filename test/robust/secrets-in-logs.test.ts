// No secrets in logs: errors carrying credentials (an HTTP client's request headers, a kubeconfig
// user, a message quoting a header) are logged with the credentials replaced, the rest kept.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { scrubSecrets } from '../../src/redact.js';

function capture(): { lines: () => string; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { lines: () => chunks.join(''), stream };
}

describe('secrets in logs', () => {
  it('errors are logged without Authorization headers, tokens, keys or Bearer values in messages', () => {
    const out = capture();
    const log = createLogger('debug', out.stream);
    const err = Object.assign(new Error('request to https://10.0.0.1/api failed: Authorization: Bearer eyJhbGciOi.secret-one'), {
      code: 401,
      headers: { authorization: 'Bearer secret-two', 'content-type': 'application/json' },
      options: { headers: { Authorization: 'Bearer secret-three' }, user: { token: 'secret-four', 'client-key-data': 'secret-five' } },
      cause: { config: { password: 'secret-six' } },
    });
    log.error({ err }, 'list failed');
    log.warn({ error: { headers: { 'proxy-authorization': 'Basic c2VjcmV0LXNldmVu' } } }, 'watch failed');
    const text = out.lines();
    for (const secret of ['secret-one', 'secret-two', 'secret-three', 'secret-four', 'secret-five', 'secret-six', 'c2VjcmV0LXNldmVu']) {
      expect(text).not.toContain(secret);
    }
    // What helps debugging stays: the message shape, the code, harmless headers.
    expect(text).toContain('request to https://10.0.0.1/api failed: Authorization: Bearer [redacted]');
    expect(text).toContain('"code":401');
    expect(text).toContain('application/json');
  });

  it('leaves lines without errors untouched (query logs pay nothing)', () => {
    const out = capture();
    createLogger('info', out.stream).info({ qname: 'web.default.svc.cluster.local', token: 'not-an-error-field' }, 'query');
    expect(out.lines()).toContain('not-an-error-field');
  });

  it('survives cycles and deep nesting', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a['self'] = a;
    let deep: Record<string, unknown> = { token: 'deep-secret' };
    for (let i = 0; i < 20; i++) deep = { inner: deep };
    const scrubbed = JSON.stringify(scrubSecrets({ a, deep }));
    expect(scrubbed).toContain('[omitted]');
    expect(scrubbed).not.toContain('deep-secret');
  });
});
