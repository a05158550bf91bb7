// Entry of the single executable (scripts/build-exe.mjs): node's SEA runs this with argv[1] set to
// the name it was called by. It is kept tiny: the tool itself is the SEA asset app.cjs, compiled
// only when needed (compiling it is most of a cold start), so a bare `--version` answers at once.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pickApplet } from './applet.js';
import { toolVersion } from '../tool-version.js';

type App = typeof import('./exe-app.js');

/** A bare name was found on PATH, as the shell did: the wrapper's place tells it its root. */
function invokedPath(name: string): string {
  if (name.includes('/')) return name;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir || '.', name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* not in this directory */
    }
  }
  return process.execPath;
}

async function loadApp(): Promise<App> {
  const [{ getAsset }, { compileFunction }, { createRequire }] = await Promise.all([import('node:sea'), import('node:vm'), import('node:module')]);
  const module = { exports: {} as App };
  // Like a CommonJS module; the bundle requires only node's built-in modules.
  const body = compileFunction(getAsset('app.cjs', 'utf8'), ['exports', 'require', 'module'], { filename: 'emqx-relup:app.cjs' });
  body(module.exports, createRequire(import.meta.url), module);
  return module.exports;
}

const invoked = process.argv[1] ?? process.execPath;
const { applet, args } = pickApplet(invoked, process.argv.slice(2));
if (args.length === 1 && args[0] === '--version') {
  // Both applets answer a lone --version with the tool's version, as their own parsers would.
  process.stdout.write(toolVersion() + '\n');
} else {
  loadApp()
    .then((app) => (applet === 'emqx' ? app.runWrapper(args, invokedPath(invoked)) : app.relupMain(args)))
    .then(
      (code) => {
        process.exitCode = code;
      },
      (e: unknown) => {
        process.stderr.write(`${applet}: error: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
        process.exitCode = 79;
      },
    );
}
