// `npm run build:exe`: dist/exe/emqx-relup-<version>-linux-<arch>, the whole tool as one Node
// single executable application (SEA) for hosts without Node. The Node binary is a pinned LTS
// from the npm registry's node-linux-<arch> package, checked against its pinned integrity; the
// SEA blob (made by that same Node) is injected with postject. Reproducible: same inputs, same
// bytes (no code cache: V8's is not byte-stable, see docs/hosts-without-node.md).
//   node scripts/build-exe.mjs [--arch x64,arm64] [--out DIR]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
const outArg = process.argv.indexOf('--out');
// --out DIR: elsewhere than dist/exe (the reproducibility test builds a second copy).
const out = outArg === -1 ? join(root, 'dist/exe') : process.argv[outArg + 1];
// Kept across `npm run build` (which spares dist/exe) and rebuilt by `npm ci` (under node_modules).
const cache = join(root, 'node_modules/.cache/emqx-relup-exe');

// The Node LTS inside the executables. Bump all three together (integrity: `npm view
// node-linux-<arch>@<v> dist.integrity`).
export const NODE_VERSION = '26.12.1';
export const NODE_PACKAGES = {
  x64: 'sha512-jk5LMAmgHlPlPMWpsUrSOqNaEZG+11UNd35hWQ+p5/XGaelWuTqJ69IcAy/5xtPPN4d5ZRBNOGB6gLMCh2kL9A==',
  arm64: 'sha512-8Oxs6Y7rDcKufVIM/zYRSwytj46WOrZk7yFCLTKDcs17bBjAeD9HMAqo97hMfMyxozIud0S4vZCs5WB/3iavNQ==',
};
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const hostArch = { x64: 'x64', arm64: 'arm64' }[process.arch];
const archArg = process.argv.indexOf('--arch');
const arches = archArg === -1 ? Object.keys(NODE_PACKAGES) : process.argv[archArg + 1].split(',');
for (const a of arches) {
  if (!(a in NODE_PACKAGES)) fail(`unknown --arch ${a} (use ${Object.keys(NODE_PACKAGES).join(', ')})`);
}
if (!hostArch) fail(`this machine is ${process.arch}: the blob must be made by the pinned Node of this machine's architecture (x64 or arm64)`);

function fail(msg) {
  process.stderr.write(`build:exe: ${msg}\n`);
  process.exit(1);
}

function integrity(file) {
  return 'sha512-' + createHash('sha512').update(readFileSync(file)).digest('base64');
}

/** bin/node of node-linux-<arch>@NODE_VERSION, fetched once with `npm pack` and verified. */
function nodeBinary(arch) {
  const dir = join(cache, `node-linux-${arch}-${NODE_VERSION}`);
  const bin = join(dir, 'package/bin/node');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const spec = `node-linux-${arch}@${NODE_VERSION}`;
  const tgz = join(dir, `node-linux-${arch}-${NODE_VERSION}.tgz`);
  try {
    execFileSync('npm', ['pack', '--silent', '--no-update-notifier', '--pack-destination', dir, spec], { stdio: ['ignore', 'ignore', 'inherit'] });
  } catch {
    fail(`could not fetch ${spec} from the npm registry (npm pack failed; see above)`);
  }
  if (integrity(tgz) !== NODE_PACKAGES[arch]) {
    rmSync(dir, { recursive: true, force: true });
    fail(`${spec} does not match its pinned integrity in scripts/build-exe.mjs`);
  }
  execFileSync('tar', ['-xzf', tgz, '-C', dir, 'package/bin/node']);
  rmSync(tgz);
  return bin;
}

mkdirSync(out, { recursive: true });
const work = join(out, '.work');
rmSync(work, { recursive: true, force: true });
mkdirSync(work);

// Two CommonJS bundles (SEA runs one script): a tiny main, and the tool as the asset app.cjs
// that main compiles only past its fast path (see src/cli/exe-bundle.ts).
const esbuild = await import('esbuild');
const bundle = (entry, outfile) =>
  esbuild.build({
    // Packages that make a require from import.meta.url (yargs) get the executable's own path.
    define: { __EMQX_RELUP_VERSION__: JSON.stringify(version), 'import.meta.url': '__exe_url' },
    banner: { js: "var __exe_url = require('node:url').pathToFileURL(process.execPath).href;" },
    entryPoints: [join(root, entry)],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    // The asset runs through vm.compileFunction, which has no dynamic-import callback: every
    // import() (of a builtin too) becomes a require, or it throws ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING.
    supported: { 'dynamic-import': false },
    outfile,
    absWorkingDir: root,
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
const main = join(work, 'main.cjs');
const app = join(work, 'app.cjs');
await Promise.all([bundle('src/cli/exe-bundle.ts', main), bundle('src/cli/exe-app.ts', app)]);

const hostNode = nodeBinary(hostArch);
const blob = join(work, 'sea.blob');
const config = join(work, 'sea-config.json');
// Paths relative to the work dir: the blob records main's path, which must not depend on --out.
writeFileSync(config, JSON.stringify({ main: 'main.cjs', output: 'sea.blob', disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: false, assets: { 'app.cjs': 'app.cjs' } }));
try {
  execFileSync(hostNode, ['--experimental-sea-config', config], { stdio: 'pipe', cwd: work });
} catch (e) {
  fail(`making the SEA blob failed: ${String(e.stderr || e.message).trim()}`);
}
const blobData = readFileSync(blob);

const { inject } = await import('postject');
const manifest = { version, node: NODE_VERSION, nodeBinary: hostNode, files: {} };
for (const arch of arches) {
  const file = join(out, `emqx-relup-${version}-linux-${arch}`);
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, readFileSync(nodeBinary(arch)));
  // postject prints progress, and LIEF warnings about the notes of node's ELF, on the console;
  // a failure is thrown, so only that matters.
  const { log, warn, error } = console;
  console.log = console.warn = console.error = () => {};
  try {
    await inject(tmp, 'NODE_SEA_BLOB', blobData, { sentinelFuse: SEA_FUSE });
  } finally {
    Object.assign(console, { log, warn, error });
  }
  chmodSync(tmp, 0o755);
  renameSync(tmp, file);
  const sha = createHash('sha256').update(readFileSync(file)).digest('hex');
  writeFileSync(`${file}.sha256`, `${sha}  emqx-relup-${version}-linux-${arch}\n`);
  manifest.files[arch] = { file: `emqx-relup-${version}-linux-${arch}`, sha256: sha, size: readFileSync(file).length };
  process.stdout.write(`build:exe: ${file} (${(readFileSync(file).length / 1048576).toFixed(1)} MiB, sha256 ${sha.slice(0, 16)}...)\n`);
}
rmSync(work, { recursive: true, force: true });
// What the rollout (src/rollout/runtime.ts) and the bench read: which executables exist, their sha256.
writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
