// The CI audit step (.ci/audit.mjs) with a stand-in npm: it passes a clean report, fails on a high
// or critical advisory in a production dependency, and says "skipped" without failing when the
// registry has no audit endpoint.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const SCRIPT = resolve(import.meta.dirname, '../../.ci/audit.mjs');
const dir = mkdtempSync(join(tmpdir(), 'svcdns-audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the step with an npm that prints `json` and exits with `code`. */
function auditWith(json: unknown, code: number): { status: number | null; out: string } {
  const body = join(dir, `report-${code}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(body, JSON.stringify(json));
  const npm = join(dir, `npm-${Math.random().toString(36).slice(2)}`);
  writeFileSync(npm, `#!/bin/sh\n[ "$1 $2 $3 $4" = "audit --omit=dev --audit-level=high --json" ] || exit 99\ncat '${body}'\nexit ${code}\n`);
  chmodSync(npm, 0o755);
  const run = spawnSync(process.execPath, [SCRIPT], { env: { ...process.env, NPM: npm }, encoding: 'utf8' });
  return { status: run.status, out: run.stdout + run.stderr };
}

const metadata = (high: number, critical: number, moderate = 0): unknown => ({
  vulnerabilities: { info: 0, low: 0, moderate, high, critical, total: moderate + high + critical },
});

describe('CI audit step', () => {
  it('passes when production dependencies have no high or critical advisory', () => {
    const result = auditWith({ vulnerabilities: {}, metadata: metadata(0, 0, 2) }, 0);
    expect(result.status).toBe(0);
    expect(result.out).toMatch(/no high or critical advisories/);
  });

  it('fails and names the package when one has a high advisory', () => {
    const report = {
      vulnerabilities: {
        'some-lib': { severity: 'high', range: '<1.2.3', via: [{ title: 'Prototype pollution', url: 'https://example.test/GHSA-x' }] },
        'other-lib': { severity: 'moderate', range: '*', via: ['some-lib'] },
      },
      metadata: metadata(1, 0, 1),
    };
    const result = auditWith(report, 1);
    expect(result.status).toBe(1);
    expect(result.out).toMatch(/some-lib \(high, <1\.2\.3\): Prototype pollution/);
    expect(result.out).not.toMatch(/other-lib/);
  });

  it('reports a registry without the audit endpoint as skipped, without failing the run', () => {
    const result = auditWith({ message: '405 Method Not Allowed - POST https://registry.example/-/npm/v1/security/advisories/bulk', statusCode: 405 }, 1);
    expect(result.status).toBe(0);
    expect(result.out).toMatch(/could not run here \(405 Method Not Allowed.*SKIPPED, not passed/);
  });
});
