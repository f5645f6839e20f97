// Entry point: `node --experimental-strip-types test/fake-apiserver/cli.ts [--manifests PATH]...`
// Prints {"url":…,"kubeconfig":…,"resourceVersion":…} on one line and serves until SIGINT/SIGTERM.
import { tmpdir } from 'node:os';

// Installed before anything else is imported; held in a variable so tsc does not resolve the '.ts' specifier.
const resolveHook = './register-ts.ts';
await import(resolveHook);
const { main } = await import('./main.js');
process.exitCode = await main(process.argv.slice(2), tmpdir());
