// The CLI's work: parse flags, load manifests, start the server, print where it is, serve until killed.
import { FakeApiServer } from './server.js';
import { readManifests } from './manifests.js';

const USAGE = 'usage: cli.ts [--port N] [--host ADDR] [--kubeconfig PATH] [--token T] [--bookmark-interval-ms N] ' +
  '[--watch-timeout-seconds N] [--manifests PATH]... [PATH]...';

interface CliOptions {
  port: number;
  host: string;
  kubeconfig: string;
  token: string | undefined;
  bookmarkIntervalMs: number | undefined;
  watchTimeoutSeconds: number | undefined;
  manifests: string[];
}

type CliParse = { ok: true; options: CliOptions } | { ok: false; error: string };

export function parseCliArgs(argv: readonly string[], tmpdir: string): CliParse {
  const options: CliOptions = {
    port: 0, host: '127.0.0.1', kubeconfig: `${tmpdir}/svcdns-fake-apiserver-${process.pid}.kubeconfig`,
    token: undefined, bookmarkIntervalMs: undefined, watchTimeoutSeconds: undefined, manifests: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) { options.manifests.push(arg); continue; }
    const value = argv[++i];
    if (value === undefined) return { ok: false, error: `${arg} needs a value\n${USAGE}` };
    const number = Number(value);
    switch (arg) {
      case '--port': options.port = number; break;
      case '--host': options.host = value; break;
      case '--kubeconfig': options.kubeconfig = value; break;
      case '--token': options.token = value; break;
      case '--bookmark-interval-ms': options.bookmarkIntervalMs = number; break;
      case '--watch-timeout-seconds': options.watchTimeoutSeconds = number; break;
      case '--manifests': options.manifests.push(value); break;
      default: return { ok: false, error: `unknown flag ${arg}\n${USAGE}` };
    }
    if (['--port', '--bookmark-interval-ms', '--watch-timeout-seconds'].includes(arg) && !Number.isInteger(number)) {
      return { ok: false, error: `${arg} must be an integer` };
    }
  }
  return { ok: true, options };
}

export async function main(argv: readonly string[], tmpdir: string): Promise<number> {
  const parsed = parseCliArgs(argv, tmpdir);
  if (!parsed.ok) {
    process.stderr.write(`${parsed.error}\n`);
    return 2;
  }
  const { options } = parsed;
  const manifests = readManifests(options.manifests);
  if (!manifests.ok) {
    process.stderr.write(`${manifests.error}\n`);
    return 2;
  }
  for (const skipped of manifests.value.skipped) process.stderr.write(`skipped (kind not served): ${skipped}\n`);
  const server = await FakeApiServer.start({
    host: options.host, port: options.port, token: options.token, objects: manifests.value.objects,
    bookmarkIntervalMs: options.bookmarkIntervalMs, watchTimeoutSeconds: options.watchTimeoutSeconds,
  });
  const kubeconfig = server.kubeconfig(options.kubeconfig);
  process.stdout.write(`${JSON.stringify({ url: server.url, kubeconfig, resourceVersion: server.resourceVersion })}\n`);
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
  });
  await server.close();
  return 0;
}
