// Lets Node's type stripping run these sources as they are: the modules import each other as './x.js'
// (the project's convention, resolved by tsc and vitest), which plain Node would look for literally.
// Use: `node --experimental-strip-types --import ./test/fake-apiserver/register-ts.ts your-script.ts`.
import { registerHooks } from 'node:module';

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
