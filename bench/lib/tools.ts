// Checks for the external programs the benchmark drives, with the exact command to install each.
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

export class MissingToolError extends Error {}

/** Throws a MissingToolError naming the Debian package when `command` is not on PATH. */
export function requireCommand(command: string, debianPackage: string, purpose: string): void {
  if (hasCommand(command)) return;
  throw new MissingToolError(`${command} is needed ${purpose} but is not installed: apt-get install -y ${debianPackage}`);
}

/**
 * For the comparison servers: installs the package with apt when running as root (saying so), otherwise
 * says how to install it. Bounded in time like everything else the benchmark runs.
 */
export async function ensurePackage(command: string, debianPackage: string): Promise<void> {
  if (hasCommand(command)) return;
  if (process.getuid?.() !== 0) {
    throw new MissingToolError(`${command} is not installed; as root run: apt-get install -y ${debianPackage}`);
  }
  console.log(`${command} is missing: running apt-get install -y ${debianPackage}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    await run('apt-get', ['install', '-y', '--no-install-recommends', debianPackage], { env, timeout: 300_000 });
  } catch {
    await run('apt-get', ['update'], { env, timeout: 300_000 });
    await run('apt-get', ['install', '-y', '--no-install-recommends', debianPackage], { env, timeout: 300_000 });
  }
  if (!hasCommand(command)) throw new MissingToolError(`apt-get install -y ${debianPackage} did not provide ${command}`);
}

export async function commandVersion(command: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, [...args], { timeout: 5000 });
    return (stdout || stderr).split('\n').find((l) => l.trim() !== '')?.trim() ?? 'unknown';
  } catch (err) {
    // Some tools (nsd -v) print the version and exit non-zero.
    const out = err as { stdout?: string; stderr?: string };
    return (out.stdout || out.stderr || 'unknown').split('\n')[0]?.trim() ?? 'unknown';
  }
}
