// Build: tsc compiles src/, test/ and scripts/ into dist/; esbuild makes the one-file wrapper.
// `--coverage` (scripts/coverage.mjs) adds inline source maps to both, so c8 reports src/*.ts lines;
// the bundle's map names its sources by absolute URL, so a copy of it (bin/emqx-<v> in a test
// root) still maps back to src/.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { rmSync, existsSync, chmodSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const dist = join(root, 'dist');
const coverage = process.argv.includes('--coverage');
// dist/exe (npm run build:exe, slow to make) is kept; everything else is made anew.
mkdirSync(dist, { recursive: true });
for (const name of readdirSync(dist)) if (name !== 'exe') rmSync(join(dist, name), { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.json'), ...(coverage ? ['--inlineSourceMap'] : [])], {
  stdio: 'inherit',
  cwd: root,
});

const entry = join(root, 'src/cli/emqx-bundle.ts');
if (existsSync(entry)) {
  const esbuild = await import('esbuild');
  const out = join(dist, 'emqx.cjs');
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: out,
    banner: { js: "#!/usr/bin/env node\n// @emqx-relup/wrapper: one-file build of the emqx-relup wrapper" },
    // package.json is the one source of the version; the bundle runs far from it (bin/emqx-<v>).
    define: { __EMQX_RELUP_VERSION__: JSON.stringify(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version) },
    // src/tool-version.ts reads package.json via import.meta.url only when the define is absent
    // (the tsc build); that branch is dead code here.
    logOverride: { 'empty-import-meta': 'silent' },
    legalComments: 'none',
    logLevel: 'warning',
    ...(coverage ? { sourcemap: 'inline', sourceRoot: pathToFileURL(dist).href + '/' } : {}),
  });
  chmodSync(out, 0o755);
}
