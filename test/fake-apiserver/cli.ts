// Entry point: `node --experimental-strip-types test/fake-apiserver/cli.ts [--manifests PATH]...`
// Prints {"url":…,"kubeconfig":…} on one line and serves until SIGINT/SIGTERM.
//
// The modules import each other as './x.js' (the project's convention, which vitest and tsc resolve);
// under plain type stripping Node looks for those literally, so a resolve hook maps them to the .ts files.
import { registerHooks } from 'node:module';
import { tmpdir } from 'node:os';

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (err) {
      if (!specifier.startsWith('.') || !specifier.endsWith('.js')) throw err;
      return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
    }
  },
});

const { main } = await import('./main.js');
process.exitCode = await main(process.argv.slice(2), tmpdir());
