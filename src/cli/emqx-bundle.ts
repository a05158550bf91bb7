// Entry of the one-file wrapper (dist/emqx.cjs, built by esbuild), which a release carries as
// bin/emqx-<v>; its name and place tell it its version and root.
import { codeExit } from '../errors.js';
import { runWrapper } from './emqx-run.js';

runWrapper(process.argv.slice(2), process.argv[1] ?? 'emqx').then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`emqx: error: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = codeExit.INTERNAL;
  },
);
